// Package containers gets a broker in Docker: a container of Apache Kafka, Redpanda or
// LocalStack that bench starts with testcontainers-go for the length of one run (Start),
// or a service of docker-compose.yml that outlives the command (ComposeUp, ComposeCheck,
// ComposeDown), with the faults a timeline injects into either (the Faults of package
// brokers), the Docker engine they need (CheckDocker) and the images they run (Images).
package containers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/modules/kafka"
	"github.com/testcontainers/testcontainers-go/modules/localstack"
	"github.com/testcontainers/testcontainers-go/modules/redpanda"
	"github.com/testcontainers/testcontainers-go/wait"

	"streambench/brokers"
)

// Kinds of container Start runs. They double as the service names of docker-compose.yml.
const (
	// Kafka is Apache Kafka, KRaft, one node acting as broker and controller.
	Kafka = "kafka"
	// Redpanda is Redpanda in dev-container mode on one core.
	Redpanda = "redpanda"
	// LocalStack is LocalStack serving Kinesis only, with its artificial Kinesis latency
	// turned off.
	LocalStack = "localstack"
)

// Images the containers run unless Images names others, pinned so that a result names
// exactly what ran. Each tag is a published release; docker-compose.yml uses the same ones
// by default.
const (
	// KafkaImage is the official Apache Kafka image of the release the local broker runs
	// (brokers.KafkaVersion), so that local and container numbers compare.
	KafkaImage = "apache/kafka:4.1.2"
	// RedpandaImage is the Redpanda release that testcontainers-go's redpanda module is
	// tested with.
	RedpandaImage = "docker.redpanda.com/redpandadata/redpanda:v25.2.4"
	// LocalStackImage is the last LocalStack release that starts without an auth token:
	// from 2026.03 on, LocalStack images refuse to start without LOCALSTACK_AUTH_TOKEN.
	LocalStackImage = "localstack/localstack:4.14.0"
)

// Product names of the containers, as shown in reports beside their version.
const (
	RedpandaProduct = "Redpanda"
	// LocalStackProduct says what answers the Kinesis API inside LocalStack: an emulator,
	// whose numbers say nothing about Amazon Kinesis.
	LocalStackProduct = "LocalStack (kinesis-mock)"
)

// containerReadyTimeout bounds the wait for a started container's broker to answer from
// this host, after the module's own readiness wait.
const containerReadyTimeout = 2 * time.Minute

// containerRemoveTimeout bounds the removal of a container that failed to start.
const containerRemoveTimeout = 30 * time.Second

// Kinds returns the kinds Start accepts: kafka, redpanda, localstack.
func Kinds() []string {
	return []string{Kafka, Redpanda, LocalStack}
}

// containerKind is what Start needs to know about one kind.
type containerKind struct {
	name    string
	product string
	// run starts the container from image and returns it with the address clients on this
	// host use. On error it returns the container too if one was created, so that it can
	// be removed.
	run func(ctx context.Context, image string, logger containerLogger) (testcontainers.Container, string, error)
}

// lookupContainerKind returns the kind named name.
func lookupContainerKind(name string) (containerKind, error) {
	switch name {
	case Kafka:
		return containerKind{name: name, product: brokers.KafkaProduct, run: runKafkaContainer}, nil
	case Redpanda:
		return containerKind{name: name, product: RedpandaProduct, run: runRedpandaContainer}, nil
	case LocalStack:
		return containerKind{name: name, product: LocalStackProduct, run: runLocalStackContainer}, nil
	}
	return containerKind{}, fmt.Errorf("unknown container kind %q (known: %s)", name, strings.Join(Kinds(), ", "))
}

// Container is a broker in a Docker container, started by Start for the length of one
// run. testcontainers-go also removes it if this process dies without calling Stop
// (through its reaper container, unless TESTCONTAINERS_RYUK_DISABLED is set).
type Container struct {
	kind    containerKind
	image   string
	address string
	ctr     testcontainers.Container
	log     io.Writer

	// ops serialises the faults; paused says whether Pause left the container paused.
	ops    sync.Mutex
	paused bool

	once sync.Once
	err  error
}

// Start starts a container of the given kind (Kafka, Redpanda or LocalStack) from image
// with testcontainers-go and returns once its broker answers from this host. An empty
// image means the kind's pinned image (Images.For). An image of one's own must behave as
// the official one does where the kind's setup relies on it (containers/ at the
// repository root holds such images, for Kafka and LocalStack). It checks for a Docker
// engine first (see CheckDocker), so that a missing engine is reported as such: some
// modules panic without one. The first start of an image the engine lacks pulls it. log
// receives progress lines; nil discards them. ctx bounds the start only; the container
// then runs until Stop, which the caller must call.
func Start(ctx context.Context, kind, image string, log io.Writer) (c *Container, err error) {
	k, err := lookupContainerKind(kind)
	if err != nil {
		return nil, err
	}
	if image == "" {
		image = Images{}.For(kind)
	}
	if err := checkImage(kind, image); err != nil {
		return nil, err
	}
	if log == nil {
		log = io.Discard
	}
	host, err := CheckDocker(ctx)
	if err != nil {
		return nil, fmt.Errorf("start %s container: %w", kind, err)
	}
	fmt.Fprintf(log, "starting %s %s in a container (%s) on the Docker engine at %s…\n", k.product, ImageVersion(image), image, host)
	start := time.Now()

	var ctr testcontainers.Container
	defer func() {
		// testcontainers-go and its modules panic where they cannot find what they expect
		// of the engine (LocalStack's socket lookup, for one). Report it like any failure.
		if r := recover(); r != nil {
			hint := ""
			if os.Getenv("DOCKER_HOST") == "" {
				hint = fmt.Sprintf(" (testcontainers-go may look for Docker elsewhere: set DOCKER_HOST=%s)", host)
			}
			err = fmt.Errorf("start %s container from %s on %s: testcontainers-go failed: %v%s", kind, image, host, r, hint)
		}
		if err != nil && !isNilContainer(ctr) {
			// The container exists but never became ready: take it away again, even when
			// ctx has ended, which is often why it failed.
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), containerRemoveTimeout)
			defer cancel()
			if logs := containerLogTail(rctx, ctr, 25); logs != "" {
				err = fmt.Errorf("%w\n  last lines of the container's log:%s", err, logs)
			}
			if terr := ctr.Terminate(rctx); terr != nil {
				fmt.Fprintf(log, "could not remove the failed %s container %s: %v\n", kind, shortID(ctr.GetContainerID()), terr)
			}
		}
	}()

	ctr, addr, err := k.run(ctx, image, containerLogger{log})
	if err != nil {
		return nil, fmt.Errorf("start %s container from %s on %s: %w", kind, image, host, err)
	}
	fmt.Fprintf(log, "%s %s ready at %s in %s (container %s)\n", k.product, ImageVersion(image), addr,
		time.Since(start).Round(100*time.Millisecond), shortID(ctr.GetContainerID()))
	return &Container{kind: k, image: image, address: addr, ctr: ctr, log: log}, nil
}

// Address returns where clients on this host reach the broker: a Kafka bootstrap address
// ("localhost:32771") for Kafka and Redpanda, the endpoint URL of the Kinesis API
// ("http://localhost:32772") for LocalStack. Kinesis clients must still sign their requests
// (any credentials do) and name a region.
func (c *Container) Address() string { return c.address }

// Product returns what runs in the container: "Apache Kafka", "Redpanda" or
// "LocalStack (kinesis-mock)".
func (c *Container) Product() string { return c.kind.product }

// Version returns the release the image's tag names, such as "4.1.2".
func (c *Container) Version() string { return ImageVersion(c.image) }

// Image returns the full image reference the container runs.
func (c *Container) Image() string { return c.image }

// Kind returns the kind Start was given, such as "kafka".
func (c *Container) Kind() string { return c.kind.name }

// Stop stops the container (10s for a clean shutdown, then it is killed; killed at once if
// ctx has already ended), resuming it first if Pause left it paused, and removes it with
// its anonymous volumes. Calling Stop again
// does nothing more and returns the first call's error.
func (c *Container) Stop(ctx context.Context) error {
	c.once.Do(func() {
		id := shortID(c.ctr.GetContainerID())
		// An ended ctx (a second Ctrl-C) asks for haste, not for leaving the container
		// behind: the engine still has to be told to remove it.
		var opts []testcontainers.TerminateOption
		if ctx.Err() != nil {
			opts = append(opts, testcontainers.StopTimeout(0))
		}
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), containerRemoveTimeout)
		defer cancel()
		c.wake(rctx)
		if err := c.ctr.Terminate(rctx, opts...); err != nil {
			c.err = fmt.Errorf("stop %s container %s: %w", c.kind.name, id, err)
			return
		}
		fmt.Fprintf(c.log, "%s container %s stopped and removed\n", c.kind.name, id)
	})
	return c.err
}

// Apache Kafka.
//
// testcontainers-go's kafka module (v0.44) runs only Confluent images: the start script it
// copies into the container sources /etc/confluent/docker/bash-config. The module's
// listeners and KRaft settings suit the apache/kafka image as they are (that image turns
// KAFKA_* variables into server.properties), so we keep them and replace just the start:
// our own command and post-start hook advertise the listener the host reaches, then hand
// over to the image's own /etc/kafka/docker/run.
const (
	// kafkaHostPort is the module's PLAINTEXT listener, the one published on the host.
	kafkaHostPort = "9093/tcp"
	// kafkaListenersFile is written by the post-start hook once the host port is known;
	// the container's command waits for it.
	kafkaListenersFile = "/tmp/streambench-listeners.sh"
	kafkaStartCommand  = "while [ ! -f " + kafkaListenersFile + " ]; do sleep 0.1; done; . " +
		kafkaListenersFile + "; exec /etc/kafka/docker/run"
	// kafkaReadyLog is what Kafka logs once the broker is unfenced and serves clients.
	kafkaReadyLog = "Transitioning from RECOVERY to RUNNING"
)

func runKafkaContainer(ctx context.Context, image string, logger containerLogger) (testcontainers.Container, string, error) {
	kc, err := kafka.Run(ctx, image,
		testcontainers.WithLogger(logger),
		testcontainers.WithEntrypoint("sh"),
		testcontainers.WithCmd("-c", kafkaStartCommand),
		// Replaces the module's hook, which would copy its Confluent start script.
		testcontainers.WithLifecycleHooks(testcontainers.ContainerLifecycleHooks{
			PostStarts: []testcontainers.ContainerHook{advertiseKafkaListeners},
		}),
		// A setting of Confluent's REST proxy, unknown to Apache Kafka, which would warn.
		withoutEnv("KAFKA_REST_BOOTSTRAP_SERVERS"),
	)
	if kc == nil {
		return nil, "", err
	}
	if err != nil {
		return kc, "", err
	}
	seeds, err := kc.Brokers(ctx)
	if err != nil {
		return kc, "", fmt.Errorf("kafka bootstrap address: %w", err)
	}
	if len(seeds) == 0 {
		return kc, "", errors.New("kafka module returned no bootstrap address")
	}
	if err := waitKafkaAPI(ctx, seeds[0], containerReadyTimeout); err != nil {
		return kc, "", err
	}
	return kc, seeds[0], nil
}

// advertiseKafkaListeners tells the waiting container which address to advertise: the host
// and port this host reaches the PLAINTEXT listener on (the broker's metadata sends clients
// there), and the container's own name for the BROKER listener. It then waits for the
// broker to come up.
func advertiseKafkaListeners(ctx context.Context, c testcontainers.Container) error {
	if err := wait.ForMappedPort(kafkaHostPort).WaitUntilReady(ctx, c); err != nil {
		return fmt.Errorf("wait for kafka port mapping: %w", err)
	}
	endpoint, err := c.PortEndpoint(ctx, kafkaHostPort, "PLAINTEXT")
	if err != nil {
		return fmt.Errorf("kafka host endpoint: %w", err)
	}
	inspect, err := c.Inspect(ctx)
	if err != nil {
		return fmt.Errorf("inspect kafka container: %w", err)
	}
	script := kafkaListenersScript(endpoint, inspect.Config.Hostname)
	if err := c.CopyToContainer(ctx, []byte(script), kafkaListenersFile, 0o644); err != nil {
		return fmt.Errorf("copy kafka listeners into container: %w", err)
	}
	return wait.ForLog(kafkaReadyLog).WithStartupTimeout(containerReadyTimeout).WaitUntilReady(ctx, c)
}

// kafkaListenersScript is the shell the start command sources: the listener clients on
// this host use (advertised in metadata, so it must be the host's address and port) and
// the BROKER listener at the container's own name, as the module configures them.
func kafkaListenersScript(hostEndpoint, containerHostname string) string {
	return fmt.Sprintf("export KAFKA_ADVERTISED_LISTENERS='%s,BROKER://%s:9092'\n", hostEndpoint, containerHostname)
}

// withoutEnv removes environment variables that a module sets.
func withoutEnv(names ...string) testcontainers.CustomizeRequestOption {
	return func(req *testcontainers.GenericContainerRequest) error {
		for _, n := range names {
			delete(req.Env, n)
		}
		return nil
	}
}

// Redpanda: the module starts it in dev-container mode on one core with 1 GiB, and
// advertises the Kafka address this host reaches.
func runRedpandaContainer(ctx context.Context, image string, logger containerLogger) (testcontainers.Container, string, error) {
	rc, err := redpanda.Run(ctx, image, testcontainers.WithLogger(logger))
	if rc == nil {
		return nil, "", err
	}
	if err != nil {
		return rc, "", err
	}
	addr, err := rc.KafkaSeedBroker(ctx)
	if err != nil {
		return rc, "", fmt.Errorf("redpanda bootstrap address: %w", err)
	}
	if err := waitKafkaAPI(ctx, addr, containerReadyTimeout); err != nil {
		return rc, "", err
	}
	return rc, addr, nil
}

// localStackEnv runs Kinesis alone, started with LocalStack rather than on the first
// request, and without the 500ms that LocalStack by default adds to every Kinesis call to
// mimic AWS: a benchmark must measure the emulator, not a sleep.
func localStackEnv() map[string]string {
	return map[string]string{
		"SERVICES":              "kinesis",
		"KINESIS_LATENCY":       "0",
		"EAGER_SERVICE_LOADING": "1",
	}
}

func runLocalStackContainer(ctx context.Context, image string, logger containerLogger) (testcontainers.Container, string, error) {
	lc, err := localstack.Run(ctx, image,
		testcontainers.WithLogger(logger),
		testcontainers.WithEnv(localStackEnv()),
	)
	if lc == nil {
		return nil, "", err
	}
	if err != nil {
		return lc, "", err
	}
	endpoint, err := lc.PortEndpoint(ctx, "4566/tcp", "http")
	if err != nil {
		return lc, "", fmt.Errorf("localstack endpoint: %w", err)
	}
	// The module waits for LocalStack's health endpoint, not for Kinesis behind it.
	if err := waitLocalStackKinesis(ctx, endpoint, containerReadyTimeout); err != nil {
		return lc, "", err
	}
	return lc, endpoint, nil
}

// waitKafkaAPI polls the Kafka API at addr until it answers or timeout passes.
func waitKafkaAPI(ctx context.Context, addr string, timeout time.Duration) error {
	return retryUntil(ctx, timeout, func(ctx context.Context) error { return brokers.PingKafka(ctx, addr) },
		"kafka API at "+addr)
}

// waitLocalStackKinesis polls LocalStack's health endpoint until it reports Kinesis
// running, or timeout passes.
func waitLocalStackKinesis(ctx context.Context, endpoint string, timeout time.Duration) error {
	return retryUntil(ctx, timeout, func(ctx context.Context) error { return localStackKinesisRunning(ctx, endpoint) },
		"kinesis in LocalStack at "+endpoint)
}

// localStackKinesisRunning asks LocalStack once whether Kinesis is running.
func localStackKinesisRunning(ctx context.Context, endpoint string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(endpoint, "/")+"/_localstack/health", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s", req.URL, resp.Status)
	}
	var health struct {
		Services map[string]string `json:"services"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&health); err != nil {
		return fmt.Errorf("%s: not LocalStack's health report: %w", req.URL, err)
	}
	// "available" means it would start on the first request; with eager loading it
	// becomes "running" once kinesis-mock is up.
	if st := health.Services["kinesis"]; st != "running" {
		if st == "" {
			st = "absent"
		}
		return fmt.Errorf("%s reports kinesis %s, not running", req.URL, st)
	}
	return nil
}

// retryUntil is poll for what has no process to watch; its errors name what.
func retryUntil(ctx context.Context, timeout time.Duration, try func(context.Context) error, what string) error {
	if err := brokers.WaitReady(ctx, timeout, try); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// containerLogger passes testcontainers-go's messages on to a progress writer, one
// indented line each.
type containerLogger struct{ w io.Writer }

// Printf implements testcontainers-go's log.Logger.
func (l containerLogger) Printf(format string, v ...any) {
	msg := strings.TrimRight(fmt.Sprintf(format, v...), "\n")
	for line := range strings.SplitSeq(msg, "\n") {
		fmt.Fprintln(l.w, "  "+line)
	}
}

// isNilContainer reports whether c holds no container, including a typed nil pointer.
func isNilContainer(c testcontainers.Container) bool {
	if c == nil {
		return true
	}
	switch v := c.(type) {
	case *kafka.KafkaContainer:
		return v == nil
	case *redpanda.Container:
		return v == nil
	case *localstack.LocalStackContainer:
		return v == nil
	case *testcontainers.DockerContainer:
		return v == nil
	}
	return false
}

// containerLogTail returns the last n lines of a container's output, indented on lines of
// their own, or nothing when there is none to be had.
func containerLogTail(ctx context.Context, c testcontainers.Container, n int) string {
	rc, err := c.Logs(ctx)
	if err != nil {
		return ""
	}
	defer rc.Close()
	// A broker that failed to start has not logged much; the limit guards against one
	// that logged in a loop.
	out, _ := io.ReadAll(io.LimitReader(rc, 4<<20))
	return tailOf(out, n)
}

// shortID shortens a container id as docker ps does.
func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
