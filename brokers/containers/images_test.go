package containers

import (
	"os"
	"strings"
	"testing"
)

func TestImageVersion(t *testing.T) {
	for _, tc := range []struct{ image, want string }{
		{"apache/kafka:4.1.2", "4.1.2"},
		{"docker.redpanda.com/redpandadata/redpanda:v25.2.4", "25.2.4"},
		// Our own builds: the suffix names the build, not the release.
		{"streambench/kafka:4.1.2-e9c05b7342f3", "4.1.2"},
		{"streambench/localstack:4.14.0-0123456789ab", "4.14.0"},
		{"localstack/localstack:4.14.0@sha256:abcd", "4.14.0"},
		// Tags that are no release stay as they are.
		{"localstack/localstack:latest", "latest"},
		{"bitnami/kafka:3.9-debian-12", "3.9"},
		{"example/kafka:nightly-2026", "nightly-2026"},
		{"example/kafka:4..1-x", "4..1-x"},
		// No tag, even with a registry port.
		{"registry.local:5000/kafka", "latest"},
		{"kafka", "latest"},
	} {
		if got := ImageVersion(tc.image); got != tc.want {
			t.Errorf("ImageVersion(%q) = %q, want %q", tc.image, got, tc.want)
		}
	}
}

func TestImagesFor(t *testing.T) {
	t.Setenv(EnvKafkaImage, "streambench/kafka:4.1.2-e9c05b7342f3")
	t.Setenv(EnvRedpandaImage, "")
	t.Setenv(EnvLocalStackImage, "")
	im := ImagesFromEnv()
	for kind, want := range map[string]string{
		Kafka:      "streambench/kafka:4.1.2-e9c05b7342f3",
		Redpanda:   RedpandaImage,
		LocalStack: LocalStackImage,
		"rabbitmq": "",
	} {
		if got := im.For(kind); got != want {
			t.Errorf("For(%s) = %q, want %q", kind, got, want)
		}
	}
	if err := checkImage(Kafka, "apache/kafka 4.1.2"); err == nil || !strings.Contains(err.Error(), KafkaImage) {
		t.Errorf("an image with a space: want an error showing a good one, got %v", err)
	}
}

// TestOwnImagesPinned keeps the images of containers/ at the releases the official images
// bench defaults to, so that a run on our own image measures the same broker.
func TestOwnImagesPinned(t *testing.T) {
	script, err := os.ReadFile("../../scripts/images")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"build kafka " + ImageVersion(KafkaImage) + " ",
		"build localstack " + ImageVersion(LocalStackImage) + " ",
	} {
		if !strings.Contains(string(script), want) {
			t.Errorf("scripts/images lacks %q: its image tags name other releases than bench pins", want)
		}
	}
	dockerfile, err := os.ReadFile("../../containers/localstack/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	if want := "localstack-core[runtime]==" + ImageVersion(LocalStackImage); !strings.Contains(string(dockerfile), want) {
		t.Errorf("containers/localstack/Dockerfile does not install %s", want)
	}
}
