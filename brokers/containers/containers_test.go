package containers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"streambench/brokers"
)

func TestStartContainerNoEngine(t *testing.T) {
	host := missingDockerHost(t)
	for _, kind := range Kinds() {
		t.Run(kind, func(t *testing.T) {
			var c *Container
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("Start(%s) panicked without an engine: %v", kind, r)
					}
				}()
				start := time.Now()
				c, err = Start(context.Background(), kind, "", nil)
				if d := time.Since(start); d > 2*time.Second {
					t.Errorf("Start took %s to see there is no engine", d)
				}
			}()
			if err == nil {
				c.Stop(context.Background())
				t.Fatalf("Start(%s) started a container at %s with DOCKER_HOST=%s", kind, c.Address(), host)
			}
			if c != nil {
				t.Errorf("Start returned a container with its error")
			}
			if !errors.Is(err, ErrNoDocker) {
				t.Errorf("error does not wrap ErrNoDocker: %v", err)
			}
			for _, want := range []string{kind, host, "--env local"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error lacks %q: %v", want, err)
				}
			}
		})
	}
}

func TestStartContainerUnknownKind(t *testing.T) {
	_, err := Start(context.Background(), "rabbitmq", "", nil)
	if err == nil || !strings.Contains(err.Error(), `"rabbitmq"`) || !strings.Contains(err.Error(), "kafka, redpanda, localstack") {
		t.Errorf("want an error naming the kind and the known ones, got %v", err)
	}
}

func TestContainerKinds(t *testing.T) {
	for _, tc := range []struct {
		kind, product, image, version string
	}{
		{Kafka, "Apache Kafka", "apache/kafka:4.1.2", "4.1.2"},
		{Redpanda, "Redpanda", "docker.redpanda.com/redpandadata/redpanda:v25.2.4", "25.2.4"},
		{LocalStack, "LocalStack (kinesis-mock)", "localstack/localstack:4.14.0", "4.14.0"},
	} {
		k, err := lookupContainerKind(tc.kind)
		if err != nil {
			t.Fatal(err)
		}
		c := &Container{kind: k, image: Images{}.For(tc.kind)}
		if c.Product() != tc.product || c.Image() != tc.image || c.Version() != tc.version || c.Kind() != tc.kind {
			t.Errorf("%s: product %q image %q version %q, want %q %q %q",
				tc.kind, c.Product(), c.Image(), c.Version(), tc.product, tc.image, tc.version)
		}
	}
	// The container runs the release the local broker runs, so that the two compare.
	if v := ImageVersion(KafkaImage); v != brokers.KafkaVersion {
		t.Errorf("KafkaImage %s runs Kafka %s, but the local broker runs %s", KafkaImage, v, brokers.KafkaVersion)
	}
}

func TestContainerLocalStackEnv(t *testing.T) {
	env := localStackEnv()
	if env["KINESIS_LATENCY"] != "0" || env["SERVICES"] != "kinesis" {
		t.Errorf("LocalStack environment %v must turn the Kinesis latency off and run Kinesis alone", env)
	}
}

// TestContainerKafkaStartCommand runs the container's start command with sh, its paths moved into
// a temporary directory: it must wait for the listeners file, load what
// advertiseKafkaListeners writes, and hand over to the image's run script with the
// advertised listeners in its environment.
func TestContainerKafkaStartCommand(t *testing.T) {
	dir := t.TempDir()
	listeners := filepath.Join(dir, "listeners.sh")
	run := filepath.Join(dir, "run")
	if err := os.WriteFile(run, []byte("#!/bin/sh\necho \"advertised=$KAFKA_ADVERTISED_LISTENERS\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	command := strings.NewReplacer(kafkaListenersFile, listeners, "/etc/kafka/docker/run", run).Replace(kafkaStartCommand)
	if command == kafkaStartCommand {
		t.Fatal("the start command names neither the listeners file nor the run script")
	}
	cmd := exec.Command("sh", "-c", command)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		t.Fatalf("the start command ended before the listeners file existed: %v\n%s", err, out.String())
	case <-time.After(300 * time.Millisecond):
	}
	script := kafkaListenersScript("PLAINTEXT://localhost:32771", "3f2a9c1b7d4e")
	if err := os.WriteFile(listeners, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("start command: %v\n%s", err, out.String())
		}
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the start command did not go on once the listeners file existed")
	}
	want := "advertised=PLAINTEXT://localhost:32771,BROKER://3f2a9c1b7d4e:9092"
	if got := strings.TrimSpace(out.String()); got != want {
		t.Errorf("run script saw %q, want %q", got, want)
	}
}

func TestContainerLocalStackKinesisRunning(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		errHas string
	}{
		{"running", http.StatusOK, `{"services": {"kinesis": "running", "s3": "disabled"}, "version": "4.14.0"}`, ""},
		{"available", http.StatusOK, `{"services": {"kinesis": "available"}}`, "kinesis available"},
		{"absent", http.StatusOK, `{"services": {"s3": "running"}}`, "kinesis absent"},
		{"error", http.StatusServiceUnavailable, `{}`, "503"},
		{"not localstack", http.StatusOK, `<html>`, "not LocalStack's health report"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/_localstack/health" {
					http.NotFound(w, r)
					return
				}
				w.WriteHeader(tc.status)
				fmt.Fprint(w, tc.body)
			}))
			defer srv.Close()
			err := localStackKinesisRunning(context.Background(), srv.URL)
			if tc.errHas == "" {
				if err != nil {
					t.Fatal(err)
				}
			} else if err == nil || !strings.Contains(err.Error(), tc.errHas) {
				t.Errorf("want an error with %q, got %v", tc.errHas, err)
			}
		})
	}
}

func TestContainerRetryUntil(t *testing.T) {
	calls := 0
	err := retryUntil(context.Background(), 5*time.Second, func(context.Context) error {
		if calls++; calls < 3 {
			return errors.New("not yet")
		}
		return nil
	}, "thing")
	if err != nil || calls != 3 {
		t.Errorf("retryUntil = %v after %d calls, want success on the third", err, calls)
	}
	err = retryUntil(context.Background(), 300*time.Millisecond, func(context.Context) error {
		return errors.New("still starting")
	}, "thing at 127.0.0.1:1")
	if err == nil || !strings.Contains(err.Error(), "thing at 127.0.0.1:1: no answer within 300ms") ||
		!strings.Contains(err.Error(), "still starting") {
		t.Errorf("want a timeout keeping the last complaint, got %v", err)
	}
}

func TestContainerLogger(t *testing.T) {
	var b bytes.Buffer
	containerLogger{&b}.Printf("🐳 Creating container for image %s\nsecond line\n", KafkaImage)
	want := "  🐳 Creating container for image " + KafkaImage + "\n  second line\n"
	if b.String() != want {
		t.Errorf("logged %q, want %q", b.String(), want)
	}
}

// logWriter sends progress lines to the test log.
type logWriter struct{ t *testing.T }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// TestContainersReal starts each kind of container for real, from the images
// $BENCH_*_IMAGE name (scripts/images builds them where none can be pulled) or the pinned
// ones, and talks to its broker. It needs a Docker engine, so it is skipped with -short
// or when no engine answers, and fails then in CI (CI set) when the container tests were
// asked for ($BENCH_TEST_CONTAINERS set, as scripts/test-containers does). A kind whose
// image the engine lacks and cannot pull is skipped with the engine's reason: Redpanda
// publishes its image on registries only, and no Kafka or LocalStack image of ours stands
// in for it.
func TestContainersReal(t *testing.T) {
	if testing.Short() {
		t.Skip("starts containers; skipped with -short")
	}
	if _, err := CheckDocker(context.Background()); err != nil {
		if os.Getenv("BENCH_TEST_CONTAINERS") != "" {
			t.Fatalf("BENCH_TEST_CONTAINERS is set, but %v", err)
		}
		t.Skipf("no Docker engine: %v", err)
	}
	images := ImagesFromEnv()
	for _, kind := range Kinds() {
		t.Run(kind, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			image := images.For(kind)
			if err := haveImage(ctx, image); err != nil {
				if kind != Redpanda {
					t.Fatalf("%v (build it with scripts/images and name it in $%s)", err, map[string]string{
						Kafka: EnvKafkaImage, LocalStack: EnvLocalStackImage}[kind])
				}
				t.Skipf("no %s image can be had here: %v", kind, err)
			}
			c, err := Start(ctx, kind, image, logWriter{t})
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := c.Stop(context.Background()); err != nil {
					t.Error(err)
				}
				if err := c.Stop(context.Background()); err != nil {
					t.Errorf("second Stop: %v", err)
				}
			}()
			t.Logf("%s %s (%s) at %s", c.Product(), c.Version(), c.Image(), c.Address())
			if kind == LocalStack {
				listStreams(t, ctx, c.Address())
			} else {
				produceConsume(t, ctx, c.Address())
			}
		})
	}
}

// haveImage makes sure the engine has image, pulling it if need be, and says why not.
func haveImage(ctx context.Context, image string) error {
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return fmt.Errorf("Docker client: %w", err)
	}
	defer cli.Close()
	if _, err := cli.ImageInspect(ctx, image); err == nil {
		return nil
	}
	pull, err := cli.ImagePull(ctx, image, client.ImagePullOptions{})
	if err == nil {
		// The engine reports a failed pull in the stream, which Wait reads.
		err = pull.Wait(ctx)
	}
	if err != nil {
		return fmt.Errorf("the engine has no %s and cannot pull it: %w", image, err)
	}
	return nil
}

// produceConsume creates a topic at addr, produces one record and consumes it back.
func produceConsume(t *testing.T, ctx context.Context, addr string) {
	t.Helper()
	const topic = "streambench-container-test"
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	resp, err := kadm.NewClient(cl).CreateTopic(ctx, 1, 1, nil, topic)
	if err != nil || resp.Err != nil {
		t.Fatalf("create topic %s at %s: %v %v", topic, addr, err, resp.Err)
	}
	want := []byte("hello from streambench")
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: want}).FirstErr(); err != nil {
		t.Fatalf("produce to %s: %v", addr, err)
	}
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		fetches := cl.PollFetches(pctx)
		if pctx.Err() != nil {
			t.Fatalf("no record consumed from %s within 30s", addr)
		}
		if errs := fetches.Errors(); len(errs) > 0 {
			t.Fatalf("consume from %s: %v", addr, errs)
		}
		for _, r := range fetches.Records() {
			if !bytes.Equal(r.Value, want) {
				t.Fatalf("consumed %q, want %q", r.Value, want)
			}
			return
		}
	}
}

// listStreams calls Kinesis ListStreams at endpoint with the AWS SDK.
func listStreams(t *testing.T, ctx context.Context, endpoint string) {
	t.Helper()
	cl := kinesis.New(kinesis.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(endpoint),
	})
	out, err := cl.ListStreams(ctx, &kinesis.ListStreamsInput{})
	if err != nil {
		t.Fatalf("ListStreams at %s: %v", endpoint, err)
	}
	t.Logf("streams at %s: %v", endpoint, out.StreamNames)
}

// inEngineChild runs the test t in a child process of this test binary, with env added,
// and returns false; in that child it returns true, and the test goes on there.
// testcontainers-go caches the engine it found for the life of the process, so a test
// that points it at a fake engine must not share the process with later tests.
func inEngineChild(t *testing.T, env ...string) bool {
	t.Helper()
	if os.Getenv("BROKERS_TEST_FAKE_ENGINE") != "" {
		return true
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v")
	cmd.Env = append(append(os.Environ(), "BROKERS_TEST_FAKE_ENGINE=1", "TESTCONTAINERS_RYUK_DISABLED=true"), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	t.Logf("child:\n%s", out)
	return false
}

// TestContainerFakeEngine starts each kind against an engine that answers /_ping and
// nothing else, so that CheckDocker passes and testcontainers-go then fails: Start
// must turn that into an error, whatever the module does (LocalStack's panics). It runs in
// a child process, because testcontainers-go caches the engine it found for the life of
// the process, and a later test may need the real one.
func TestContainerFakeEngine(t *testing.T) {
	if !inEngineChild(t) {
		return
	}
	host, _ := fakeEngine(t, http.StatusOK, "OK")
	t.Setenv("DOCKER_HOST", host)
	for _, kind := range Kinds() {
		var err error
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("Start(%s) panicked: %v", kind, r)
				}
			}()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var c *Container
			c, err = Start(ctx, kind, "", logWriter{t})
			if err == nil {
				c.Stop(context.Background())
			}
		}()
		if err == nil {
			t.Fatalf("Start(%s) succeeded against an engine that only answers /_ping", kind)
		}
		if !strings.Contains(err.Error(), "start "+kind+" container from ") || !strings.Contains(err.Error(), host) {
			t.Errorf("error should name the kind, image and engine: %v", err)
		}
		t.Logf("%s: %v", kind, err)
	}
}
