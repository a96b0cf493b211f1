package brokers

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"time"
)

// Faults a benchmark injects into a local broker: pausing every process of it where it
// stands (SIGSTOP to its process group) and letting it go on (SIGCONT), and killing it at
// once, as a crash or an OOM kill would (SIGKILL), then starting it again on its data.

// Pauser pauses a broker where it stands and lets it go on.
type Pauser interface {
	// Pause freezes every process of the broker where it stands; Resume lets it go on.
	Pause(ctx context.Context) error
	Resume(ctx context.Context) error
}

// Faults are what a benchmark's timeline does to a broker it runs, the same for every
// engine, local process or container: pause and resume it, and take it down and start it
// again.
type Faults interface {
	Pauser
	// Restart takes the broker down (cleanly, or killed at once when kill is set), leaves
	// it down for down, and starts it again on its data. It returns once the broker
	// answers again. A clean restart has no down time.
	Restart(ctx context.Context, kill bool, down time.Duration) error
}

// ErrKinesisRestart is why a Kinesis engine is never restarted, local or in a container.
var ErrKinesisRestart = errors.New("kinesis-mock keeps its streams in memory: restarted, it would come back " +
	"without the run's stream (pause_broker works on it)")

// KinesisFaults are the faults of a Kinesis engine that p pauses and resumes: a restart
// is refused (ErrKinesisRestart) before anything is asked of the engine.
func KinesisFaults(p Pauser) Faults { return inMemory{p} }

// inMemory is a broker that keeps its data in memory only.
type inMemory struct{ Pauser }

// Restart refuses: see ErrKinesisRestart.
func (inMemory) Restart(context.Context, bool, time.Duration) error { return ErrKinesisRestart }

// CheckRestart checks what Faults.Restart is asked, for every engine: a clean restart has
// no down time.
func CheckRestart(kill bool, down time.Duration) error {
	if !kill && down > 0 {
		return errors.New("a clean restart has no down time")
	}
	return nil
}

// restartHowFor is how Faults.Restart asks to take a broker down, checked.
func restartHowFor(kill bool, down time.Duration) (restartHow, error) {
	if err := CheckRestart(kill, down); err != nil {
		return restartHow{}, err
	}
	return restartHow{kill: kill, down: down}, nil
}

// Faults returns what a timeline does to the broker: Pause, Resume, Kill and Restart.
func (k *Kafka) Faults() Faults { return kafkaFaults{k.run, k} }

// kafkaFaults are the faults of a run-scoped Kafka broker.
type kafkaFaults struct {
	*runScoped // pauses and resumes it
	k          *Kafka
}

func (f kafkaFaults) Restart(ctx context.Context, kill bool, down time.Duration) error {
	how, err := restartHowFor(kill, down)
	if err != nil {
		return err
	}
	return f.k.restartAs(ctx, how)
}

// Faults returns what a timeline does to the engine: Pause and Resume; a restart is
// refused (ErrKinesisRestart).
func (k *Kinesis) Faults() Faults { return KinesisFaults(k.run) }

// Pause freezes the run-scoped broker where it stands.
func (r *runScoped) Pause(context.Context) error { return r.signal(syscall.SIGSTOP) }

// Resume lets the paused run-scoped broker go on.
func (r *runScoped) Resume(context.Context) error { return r.signal(syscall.SIGCONT) }

// Pause freezes the detached broker where it stands; see Kafka.Pause.
func (d detached[S]) Pause(ctx context.Context) error { return d.signal(ctx, syscall.SIGSTOP) }

// Resume lets the paused detached broker go on.
func (d detached[S]) Resume(ctx context.Context) error { return d.signal(ctx, syscall.SIGCONT) }

// Restart takes the detached broker down, keeping its data, and starts it again; see
// KillKafka and RestartKafka.
func (d detached[S]) Restart(ctx context.Context, kill bool, down time.Duration) error {
	how, err := restartHowFor(kill, down)
	if err != nil {
		return err
	}
	_, err = d.restartAs(ctx, how)
	return err
}

// Pause stops every process of the broker where it stands (SIGSTOP to its process group),
// as a long garbage-collection pause or a frozen virtual machine would: its sockets stay
// open but nothing answers. Resume lets it go on. A paused broker that is stopped is
// woken first, so that Stop still shuts it down cleanly.
func (k *Kafka) Pause() error { return k.run.Pause(context.Background()) }

// Resume lets a paused broker go on (SIGCONT to its process group).
func (k *Kafka) Resume() error { return k.run.Resume(context.Background()) }

// Kill kills the broker at once (SIGKILL to its process group), leaves it down for down,
// then starts it again in its data directory as Restart does. Whatever the broker had
// acknowledged but not yet written to disk is in the operating system's page cache, which
// a killed process does not take with it: this is a process crash, not a power cut.
func (k *Kafka) Kill(ctx context.Context, down time.Duration) error {
	return k.restartAs(ctx, restartHow{kill: true, down: down})
}

// Pause stops kinesis-mock where it stands; see Kafka.Pause.
func (k *Kinesis) Pause() error { return k.run.Pause(context.Background()) }

// Resume lets a paused kinesis-mock go on.
func (k *Kinesis) Resume() error { return k.run.Resume(context.Background()) }

// PauseKafka pauses the detached broker UpKafka recorded; see Kafka.Pause.
func PauseKafka(ctx context.Context, o KafkaOptions) error {
	return o.detached().Pause(ctx)
}

// ResumeKafka lets the paused detached broker go on.
func ResumeKafka(ctx context.Context, o KafkaOptions) error {
	return o.detached().Resume(ctx)
}

// KillKafka kills the detached broker UpKafka recorded, leaves it down for down, then
// starts it again as RestartKafka does; see Kafka.Kill.
func KillKafka(ctx context.Context, o KafkaOptions, down time.Duration) (KafkaState, error) {
	return o.detached().restartAs(ctx, restartHow{kill: true, down: down})
}

// PauseKinesis pauses the detached kinesis-mock UpKinesis recorded.
func PauseKinesis(ctx context.Context, o KinesisOptions) error {
	return o.detached().Pause(ctx)
}

// ResumeKinesis lets the paused detached kinesis-mock go on.
func ResumeKinesis(ctx context.Context, o KinesisOptions) error {
	return o.detached().Resume(ctx)
}

// errNotRunning says that a fault had no broker process to act on.
var errNotRunning = errors.New("not running")

// signal sends sig to the run-scoped broker's process group.
func (r *runScoped) signal(sig syscall.Signal) error {
	r.ops.Lock()
	defer r.ops.Unlock()
	if r.proc == nil || r.proc.exitedNow() {
		return fmt.Errorf("%s at %s: %w", r.c.name, r.where, errNotRunning)
	}
	return groupSignal(r.proc.pid, sig)
}

// signal sends sig to the detached broker's process group, once it is sure the recorded
// pid is still that broker. It does not ping the broker: a paused one does not answer.
func (d detached[S]) signal(_ context.Context, sig syscall.Signal) error {
	if d.err != nil {
		return d.err
	}
	st, ok, err := readState[S](d.statePath(), d.name)
	if err != nil {
		return err
	}
	if !ok || !st.ours() {
		return fmt.Errorf("detached %s (state directory %s): %w", d.name, d.stateDir, errNotRunning)
	}
	return groupSignal(st.pid(), sig)
}

// groupSignal is signalGroup, reporting a failure.
func groupSignal(pid int, sig syscall.Signal) error {
	if pid <= 0 {
		return fmt.Errorf("no process to signal (pid %d)", pid)
	}
	if err := syscall.Kill(-pid, sig); err != nil {
		return fmt.Errorf("%s to process group %d: %w", sig, pid, err)
	}
	return nil
}

// kill kills the child's process group at once and waits for the child to be reaped.
func (c *child) kill() error {
	signalGroup(c.pid, syscall.SIGKILL)
	select {
	case <-c.exited:
		return nil
	case <-time.After(10 * time.Second):
		return fmt.Errorf("process %d did not exit after SIGKILL", c.pid)
	}
}

// Sleep waits for d, or until ctx ends (and returns its error): how long a fault leaves a
// broker down, or waits before asking an engine again.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
