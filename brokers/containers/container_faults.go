package containers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"

	"streambench/brokers"
)

// Faults a benchmark injects into a broker in a container: for the container of Start,
// pausing and resuming it through the Docker API; for a service of docker-compose.yml,
// pausing, killing and restarting it through the docker compose CLI.

// ErrRestart is why the container of Start is neither killed nor restarted: it publishes
// its broker on a host port the engine picks when the container starts, and a container
// started again gets a new one, which neither Kafka nor Redpanda would advertise (each was
// configured with the old port when it first started), so clients would follow the
// metadata to a port where nothing answers.
var ErrRestart = errors.New("a container bench starts for the run publishes its broker on a random host port, " +
	"which changes when the container starts again while the broker goes on advertising the old one; " +
	"use --env compose (fixed ports) or --env local to kill or restart the broker")

// A container offers the faults every broker does, local or not.
var _ brokers.Faults = (*Container)(nil)

// Pause freezes every process of the container where it stands (docker pause, through
// the cgroup freezer), as a long garbage-collection pause or a frozen virtual machine
// would: the published port still accepts connections, but nothing answers. Resume lets
// it go on; Stop resumes a paused container before removing it.
func (c *Container) Pause(ctx context.Context) error {
	c.ops.Lock()
	defer c.ops.Unlock()
	err := retryFreeze(ctx, func() error {
		return c.engineCall(ctx, "pause", func(cli *testcontainers.DockerClient, id string) error {
			_, err := cli.ContainerPause(ctx, id, client.ContainerPauseOptions{})
			return err
		})
	})
	if err != nil {
		return err
	}
	c.paused = true
	return nil
}

// freezeAttempts is how many times a pause is asked for while the engine answers that it
// could not freeze the container. With the cgroup v1 freezer, runc gives up, thaws the
// container and answers "unable to freeze" when a process does not stop within its
// bounded retries (a busy container sometimes hits it); the container runs on unharmed,
// and asking again usually succeeds.
const freezeAttempts = 4

// retryFreeze calls pause until it succeeds, fails for another reason, or has failed
// freezeAttempts times to freeze, a quarter of a second apart.
func retryFreeze(ctx context.Context, pause func() error) error {
	for attempt := 1; ; attempt++ {
		err := pause()
		if err == nil || !strings.Contains(err.Error(), "unable to freeze") {
			return err
		}
		if attempt == freezeAttempts {
			return fmt.Errorf("%w (the engine could not freeze it %d times in a row)", err, attempt)
		}
		if serr := brokers.Sleep(ctx, 250*time.Millisecond); serr != nil {
			return fmt.Errorf("%w (interrupted before asking again: %v)", err, serr)
		}
	}
}

// Resume lets a paused container go on (docker unpause).
func (c *Container) Resume(ctx context.Context) error {
	c.ops.Lock()
	defer c.ops.Unlock()
	return c.resume(ctx)
}

// resume is Resume with c.ops held.
func (c *Container) resume(ctx context.Context) error {
	if err := c.engineCall(ctx, "unpause", func(cli *testcontainers.DockerClient, id string) error {
		_, err := cli.ContainerUnpause(ctx, id, client.ContainerUnpauseOptions{})
		return err
	}); err != nil {
		return err
	}
	c.paused = false
	return nil
}

// Restart refuses, for every kind: see ErrRestart. A LocalStack container would
// moreover come back without the run's streams, which kinesis-mock keeps in memory.
func (c *Container) Restart(_ context.Context, kill bool, _ time.Duration) error {
	what := "restart"
	if kill {
		what = "kill"
	}
	return fmt.Errorf("%s %s container %s: %w", what, c.kind.name, shortID(c.ctr.GetContainerID()), ErrRestart)
}

// wake resumes the container if Pause left it paused, so that Stop can stop it cleanly:
// the engine refuses to stop a paused container with its stop signal.
func (c *Container) wake(ctx context.Context) {
	c.ops.Lock()
	defer c.ops.Unlock()
	if !c.paused {
		return
	}
	if err := c.resume(ctx); err != nil {
		fmt.Fprintf(c.log, "could not resume the paused %s container before stopping it: %v\n", c.kind.name, err)
	}
}

// engineCall calls the Docker engine that testcontainers-go started the container on
// (the same discovery: ~/.testcontainers.properties, $DOCKER_HOST, the docker context,
// the usual sockets), with a client of its own for this one call. A fault is rare enough
// that a new client costs nothing worth keeping one open for the whole run.
func (c *Container) engineCall(ctx context.Context, op string, call func(cli *testcontainers.DockerClient, id string) error) (err error) {
	id := c.ctr.GetContainerID()
	// testcontainers-go panics where it cannot make sense of the engine (see
	// Start); a fault must fail, not take the run down with it.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s %s container %s: testcontainers-go failed: %v", op, c.kind.name, shortID(id), r)
		}
	}()
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return fmt.Errorf("%s %s container %s: Docker client: %w", op, c.kind.name, shortID(id), err)
	}
	defer cli.Close()
	if err := call(cli, id); err != nil {
		return fmt.Errorf("%s %s container %s: %w", op, c.kind.name, shortID(id), err)
	}
	return nil
}

// Faults for the services of docker-compose.yml. Their host ports are fixed in the file, so
// a service started again answers where it did, and Kafka and Redpanda advertise the same
// address as before: clients find it again by themselves.

// composeReadyTimeout bounds the wait for a service started again to answer: a killed
// Kafka recovers its logs first.
const composeReadyTimeout = containerReadyTimeout

// ComposePause freezes every process of service where it stands: `docker compose -f FILE
// pause SERVICE`. ComposeResume lets it go on.
func ComposePause(ctx context.Context, file, service string) error {
	return retryFreeze(ctx, func() error { return composeFault(ctx, file, service, "pause") })
}

// ComposeResume lets a paused service go on: `docker compose -f FILE unpause SERVICE`.
func ComposeResume(ctx context.Context, file, service string) error {
	return composeFault(ctx, file, service, "unpause")
}

// ComposeKill kills service at once (`docker compose -f FILE kill -s SIGKILL SERVICE`),
// as a crash or an OOM kill would, leaves it down for down, starts it again on its
// container's data (`docker compose start`), and returns once it answers again (see
// ComposeCheck), or after two minutes with the last reason it did not.
func ComposeKill(ctx context.Context, file, service string, down time.Duration) error {
	return composeKill(ctx, file, service, down, ComposeCheck)
}

// ComposeRestart stops service cleanly and starts it again (`docker compose -f FILE
// restart SERVICE`), and returns once it answers again, as ComposeKill does.
func ComposeRestart(ctx context.Context, file, service string) error {
	return composeRestart(ctx, file, service, ComposeCheck)
}

// ComposeFaults returns the faults of service in the compose file, through the docker
// compose CLI (ComposePause, ComposeResume, ComposeKill, ComposeRestart). Kafka and
// Redpanda are published on fixed host ports, so they can be killed and restarted: they
// come back where their clients left them. LocalStack runs kinesis-mock: pause and resume
// only (see KinesisFaults).
func ComposeFaults(file, service string) brokers.Faults {
	s := serviceFaults{file: file, name: service}
	if service == LocalStack {
		return brokers.KinesisFaults(s)
	}
	return s
}

// serviceFaults are the faults of a service of a compose file.
type serviceFaults struct{ file, name string }

func (s serviceFaults) Pause(ctx context.Context) error  { return ComposePause(ctx, s.file, s.name) }
func (s serviceFaults) Resume(ctx context.Context) error { return ComposeResume(ctx, s.file, s.name) }

func (s serviceFaults) Restart(ctx context.Context, kill bool, down time.Duration) error {
	switch err := brokers.CheckRestart(kill, down); {
	case err != nil:
		return err
	case kill:
		return ComposeKill(ctx, s.file, s.name, down)
	}
	return ComposeRestart(ctx, s.file, s.name)
}

// composeKill is ComposeKill with the readiness check given, so that tests can answer it.
func composeKill(ctx context.Context, file, service string, down time.Duration, check func(context.Context, string) error) error {
	if err := composeFault(ctx, file, service, "kill", "-s", "SIGKILL"); err != nil {
		return err
	}
	if err := brokers.Sleep(ctx, down); err != nil {
		return fmt.Errorf("compose service %s: interrupted while it was down (it is not running now; "+
			"'docker compose up -d --wait %s' starts it): %w", service, service, err)
	}
	if err := composeFault(ctx, file, service, "start"); err != nil {
		return err
	}
	return waitCompose(ctx, service, check)
}

// composeRestart is ComposeRestart with the readiness check given.
func composeRestart(ctx context.Context, file, service string, check func(context.Context, string) error) error {
	if err := composeFault(ctx, file, service, "restart"); err != nil {
		return err
	}
	return waitCompose(ctx, service, check)
}

// composeFault runs one docker compose command on one service. The CLI's output goes
// only into the error: during a run, the terminal belongs to the progress display.
func composeFault(ctx context.Context, file, service string, args ...string) error {
	if err := runCompose(ctx, file, []string{service}, nil, args...); err != nil {
		return fmt.Errorf("compose service %s: %w", service, err)
	}
	return nil
}

// waitCompose polls check until service answers again.
func waitCompose(ctx context.Context, service string, check func(context.Context, string) error) error {
	err := brokers.WaitReady(ctx, composeReadyTimeout, func(ctx context.Context) error { return check(ctx, service) })
	if err != nil {
		return fmt.Errorf("compose service %s, started again: %w", service, err)
	}
	return nil
}
