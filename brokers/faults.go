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

// Pause stops every process of the broker where it stands (SIGSTOP to its process group),
// as a long garbage-collection pause or a frozen virtual machine would: its sockets stay
// open but nothing answers. Resume lets it go on. A paused broker that is stopped is
// woken first, so that Stop still shuts it down cleanly.
func (k *Kafka) Pause() error { return k.run.signal(syscall.SIGSTOP) }

// Resume lets a paused broker go on (SIGCONT to its process group).
func (k *Kafka) Resume() error { return k.run.signal(syscall.SIGCONT) }

// Kill kills the broker at once (SIGKILL to its process group), leaves it down for down,
// then starts it again in its data directory as Restart does. Whatever the broker had
// acknowledged but not yet written to disk is in the operating system's page cache, which
// a killed process does not take with it: this is a process crash, not a power cut.
func (k *Kafka) Kill(ctx context.Context, down time.Duration) error {
	return k.restartAs(ctx, restartHow{kill: true, down: down})
}

// Pause stops kinesis-mock where it stands; see Kafka.Pause.
func (k *Kinesis) Pause() error { return k.run.signal(syscall.SIGSTOP) }

// Resume lets a paused kinesis-mock go on.
func (k *Kinesis) Resume() error { return k.run.signal(syscall.SIGCONT) }

// PauseKafka pauses the detached broker UpKafka recorded; see Kafka.Pause.
func PauseKafka(ctx context.Context, o KafkaOptions) error {
	return o.detached().signal(ctx, syscall.SIGSTOP)
}

// ResumeKafka lets the paused detached broker go on.
func ResumeKafka(ctx context.Context, o KafkaOptions) error {
	return o.detached().signal(ctx, syscall.SIGCONT)
}

// KillKafka kills the detached broker UpKafka recorded, leaves it down for down, then
// starts it again as RestartKafka does; see Kafka.Kill.
func KillKafka(ctx context.Context, o KafkaOptions, down time.Duration) (KafkaState, error) {
	return o.detached().restartAs(ctx, restartHow{kill: true, down: down})
}

// PauseKinesis pauses the detached kinesis-mock UpKinesis recorded.
func PauseKinesis(ctx context.Context, o KinesisOptions) error {
	return o.detached().signal(ctx, syscall.SIGSTOP)
}

// ResumeKinesis lets the paused detached kinesis-mock go on.
func ResumeKinesis(ctx context.Context, o KinesisOptions) error {
	return o.detached().signal(ctx, syscall.SIGCONT)
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
	if !ok || !d.ours(st) {
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

// sleepCtx waits for d, or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
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
