package containers

import (
	"fmt"
	"os"
	"strings"
)

// Environment variables that replace the image of a container kind, for --env docker and
// for the services of docker-compose.yml, which reads the same names. A machine that
// cannot pull the official images builds its own with scripts/images and names them here.
const (
	EnvKafkaImage      = "BENCH_KAFKA_IMAGE"
	EnvRedpandaImage   = "BENCH_REDPANDA_IMAGE"
	EnvLocalStackImage = "BENCH_LOCALSTACK_IMAGE"
)

// Images names the image each container kind runs. An empty field means the kind's
// pinned, official image (KafkaImage, RedpandaImage, LocalStackImage).
type Images struct {
	Kafka, Redpanda, LocalStack string
}

// ImagesFromEnv returns the images that $BENCH_KAFKA_IMAGE, $BENCH_REDPANDA_IMAGE and
// $BENCH_LOCALSTACK_IMAGE name; the fields of those unset stay empty.
func ImagesFromEnv() Images {
	return Images{
		Kafka:      os.Getenv(EnvKafkaImage),
		Redpanda:   os.Getenv(EnvRedpandaImage),
		LocalStack: os.Getenv(EnvLocalStackImage),
	}
}

// For returns the image of kind (Kafka, Redpanda or LocalStack): the one named, else the
// pinned one. It returns "" for an unknown kind, which Start reports.
func (im Images) For(kind string) string {
	var named, pinned string
	switch kind {
	case Kafka:
		named, pinned = im.Kafka, KafkaImage
	case Redpanda:
		named, pinned = im.Redpanda, RedpandaImage
	case LocalStack:
		named, pinned = im.LocalStack, LocalStackImage
	}
	if named != "" {
		return named
	}
	return pinned
}

// ImageVersion is the release in an image's tag: "25.2.4" for redpandadata/redpanda:v25.2.4,
// and "4.1.2" for streambench/kafka:4.1.2-3f2a9c1b7d4e too, whose suffix (after the first
// "-") says which build of the release it is, not which release. A tag that is no release
// ("latest") is returned as it is; an image without a tag is "latest" to Docker.
func ImageVersion(image string) string {
	ref := image
	if i := strings.LastIndex(ref, "@"); i >= 0 {
		ref = ref[:i] // a digest says nothing of the release
	}
	i := strings.LastIndex(ref, ":")
	if i < 0 || strings.Contains(ref[i:], "/") {
		return "latest" // no tag; the colon, if any, was a registry's port
	}
	tag := strings.TrimPrefix(ref[i+1:], "v")
	if v, _, found := strings.Cut(tag, "-"); found && isRelease(v) {
		return v
	}
	return tag
}

// isRelease reports whether v looks like a release number: digits and dots, such as 4.1.2.
func isRelease(v string) bool {
	if v == "" || strings.Trim(v, "0123456789.") != "" {
		return false
	}
	return !strings.HasPrefix(v, ".") && !strings.HasSuffix(v, ".") && !strings.Contains(v, "..")
}

// checkImage rejects an image reference that docker would refuse or misread, before any
// container is created: a clear message beats the engine's.
func checkImage(kind, image string) error {
	if image == "" || strings.ContainsAny(image, " \t\n") {
		return fmt.Errorf("%s image %q is not an image reference such as %s", kind, image, Images{}.For(kind))
	}
	return nil
}
