package containers

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	"streambench/brokers"
)

// Where the brokers of docker-compose.yml (at the repository root) answer. The file
// publishes each on 127.0.0.1 only, on ports away from those of the local brokers (9092,
// 4568) so that both can run at once.
const (
	// ComposeKafkaAddress is the bootstrap address of the compose file's Apache Kafka.
	ComposeKafkaAddress = "127.0.0.1:19092"
	// ComposeRedpandaAddress is the bootstrap address of the compose file's Redpanda.
	ComposeRedpandaAddress = "127.0.0.1:19093"
	// ComposeKinesisEndpoint is the Kinesis endpoint URL of the compose file's LocalStack.
	ComposeKinesisEndpoint = "http://127.0.0.1:14566"
)

// ComposeFile is the name of the compose file at the repository root.
const ComposeFile = "docker-compose.yml"

// composeCheckTimeout bounds ComposeCheck: a broker that is up answers at once.
const composeCheckTimeout = 3 * time.Second

// ComposeServices returns the services of docker-compose.yml: kafka, redpanda,
// localstack. They are named as the container kinds of Start.
func ComposeServices() []string {
	return []string{Kafka, Redpanda, LocalStack}
}

// composeAddress returns where service answers.
func composeAddress(service string) (string, error) {
	switch service {
	case Kafka:
		return ComposeKafkaAddress, nil
	case Redpanda:
		return ComposeRedpandaAddress, nil
	case LocalStack:
		return ComposeKinesisEndpoint, nil
	}
	return "", fmt.Errorf("compose: unknown service %q (services: %s)", service, strings.Join(ComposeServices(), ", "))
}

// ComposeCheck asks the compose service (kafka, redpanda or localstack) whether it is up,
// within 3s: the Kafka API for the first two, LocalStack's health report, which must show
// Kinesis running, for the third. A TCP connection alone proves little, since Docker may
// accept connections on a published port before the broker behind it is up. The error
// says how to start the service when nothing answers.
func ComposeCheck(ctx context.Context, service string) error {
	addr, err := composeAddress(service)
	if err != nil {
		return err
	}
	return composeCheckAt(ctx, service, addr)
}

// composeCheckAt is ComposeCheck against addr, so that tests can use other ports.
func composeCheckAt(ctx context.Context, service, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, composeCheckTimeout)
	defer cancel()
	hostPort := addr
	if u, err := url.Parse(addr); err == nil && u.Host != "" {
		hostPort = u.Host
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", hostPort)
	if err != nil {
		return fmt.Errorf("compose: nothing answers at %s (service %s); start it with 'docker compose up -d --wait %s'",
			hostPort, service, service)
	}
	conn.Close()
	if service == LocalStack {
		err = localStackKinesisRunning(ctx, addr)
	} else {
		err = brokers.PingKafka(ctx, addr)
	}
	if err != nil {
		return fmt.Errorf("compose: service %s at %s is not ready (%w); wait for it with 'docker compose up -d --wait %s'",
			service, addr, err, service)
	}
	return nil
}

// ComposeUp starts services (all of them if none are named) of the compose file at file
// and waits until each reports healthy: `docker compose -f FILE up -d --wait SERVICES...`.
// It needs the docker CLI with its compose plugin, and a Docker engine. The CLI's output
// goes to out (nil discards it) and its last lines into the error.
func ComposeUp(ctx context.Context, file string, services []string, out io.Writer) error {
	return runCompose(ctx, file, services, out, "up", "-d", "--wait")
}

// ComposeStatus prints the state of services (all if none are named) to out, running or
// not: `docker compose -f FILE ps --all SERVICES...`.
func ComposeStatus(ctx context.Context, file string, services []string, out io.Writer) error {
	return runCompose(ctx, file, services, out, "ps", "--all")
}

// ComposeImage returns the image that the running container of service runs, as the
// engine reports it (`docker compose -f FILE ps --format {{.Image}} SERVICE`): the one
// the compose file named when the service was started, which $BENCH_*_IMAGE may have
// chosen.
func ComposeImage(ctx context.Context, file, service string) (string, error) {
	var out bytes.Buffer
	if err := runCompose(ctx, file, []string{service}, &out, "ps", "--format", "{{.Image}}"); err != nil {
		return "", err
	}
	image := strings.TrimSpace(out.String())
	if image == "" || strings.Contains(image, "\n") {
		return "", fmt.Errorf("compose ps: want the image of one running %s container, got %q", service, image)
	}
	return image, nil
}

// ComposeDown stops and removes services (all if none are named) with their volumes, so
// that the next ComposeUp starts from empty brokers: `docker compose -f FILE down -v
// SERVICES...`.
func ComposeDown(ctx context.Context, file string, services []string, out io.Writer) error {
	return runCompose(ctx, file, services, out, "down", "-v")
}

// runCompose runs one docker compose command on file for services after checking what it
// needs: known services, the file, the docker CLI and its compose plugin, and an engine.
func runCompose(ctx context.Context, file string, services []string, out io.Writer, args ...string) error {
	what := "compose " + args[0]
	for _, s := range services {
		if !slices.Contains(ComposeServices(), s) {
			return fmt.Errorf("%s: unknown service %q (services: %s)", what, s, strings.Join(ComposeServices(), ", "))
		}
	}
	if _, err := os.Stat(file); err != nil {
		return fmt.Errorf("%s: compose file: %w", what, err)
	}
	docker, err := exec.LookPath("docker")
	if err != nil {
		return fmt.Errorf("%s: the docker CLI is not on PATH; install Docker with its compose plugin, or use --env local", what)
	}
	engine, err := findDocker(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	env := composeEnv(engine)
	if vout, err := dockerCommand(ctx, docker, env, "compose", "version").CombinedOutput(); err != nil {
		return fmt.Errorf("%s: the docker CLI has no compose plugin (docker compose version: %v%s); install it, or use --env local",
			what, err, tailOf(vout, 5))
	}

	if out == nil {
		out = io.Discard
	}
	full := append([]string{"compose", "-f", file}, args...)
	full = append(full, services...)
	cmd := dockerCommand(ctx, docker, env, full...)
	var tail bytes.Buffer
	cmd.Stdout = io.MultiWriter(out, &tail)
	cmd.Stderr = cmd.Stdout
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: docker %s: %w%s", what, strings.Join(full, " "), err, tailOf(tail.Bytes(), 20))
	}
	return nil
}

// composeEnv is the environment for the docker CLI: ours, plus DOCKER_HOST naming the
// engine that answered when the CLI would not find it by itself (a socket other than the
// default one, found while the current context points at an engine that is down).
// Endpoints with TLS stay with the CLI's own context, which holds their certificates.
func composeEnv(engine dockerEndpoint) []string {
	env := os.Environ()
	if os.Getenv("DOCKER_HOST") != "" || engine.tls != nil {
		return env
	}
	return append(env, "DOCKER_HOST="+engine.host)
}

// dockerCommand is an exec.Cmd for the docker CLI that stops with ctx.
func dockerCommand(ctx context.Context, docker string, env []string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, docker, args...)
	cmd.Env = env
	// Let compose stop its containers' start cleanly when ctx ends, then kill.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	return cmd
}

// tailOf returns the last n lines of out, indented on lines of their own, or nothing.
func tailOf(out []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) == 1 && lines[0] == "" {
		return ""
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "\n    " + strings.Join(lines, "\n    ")
}
