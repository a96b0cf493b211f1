package brokers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"
)

// child is a process started by this package that is still this process's child.
type child struct {
	pid     int
	exited  chan struct{} // closed once the process has exited and been reaped
	waitErr error         // how it exited; read only after exited is closed
	// entry is its record in the state directory (see procRecord), removed once it has
	// been reaped; nil if it was started unrecorded.
	entry *procEntry
	bound bool // tied to this process, as startChild's bound says
}

// startChild starts cmd and reaps it in the background.
//
// When bound is true the process is tied to ours: it gets its own process group (so Stop
// can signal everything it spawned, and a Ctrl-C meant for bench does not reach it) and,
// on Linux, PR_SET_PDEATHSIG=SIGKILL so it dies if bench dies without calling Stop. The
// kernel sends that signal when the *thread* that forked the child exits, not the process,
// and Go retires a thread when a goroutine locked to it exits. So the child is started from
// a goroutine that locks its thread and stays on it, waiting, until the child has exited.
//
// When bound is false the process gets a session of its own and outlives bench.
func startChild(cmd *exec.Cmd, bound bool) (*child, error) {
	return startRecorded(cmd, bound, nil)
}

// startRecorded is startChild that also records the process in the state directory as
// note says (unless note is nil) before returning, and removes the record once the
// process has been reaped. A process that cannot be recorded is killed at once: nobody
// could find it again if bench died.
func startRecorded(cmd *exec.Cmd, bound bool, note *procNote) (*child, error) {
	if bound {
		cmd.SysProcAttr = boundProcAttr()
	} else {
		cmd.SysProcAttr = detachedProcAttr()
	}
	c := &child{exited: make(chan struct{}), bound: bound}
	started := make(chan error, 1)
	go func() {
		if bound {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
		}
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		c.pid = cmd.Process.Pid
		if note != nil {
			entry, err := note.record(cmd, bound)
			if err != nil {
				signalGroup(c.pid, syscall.SIGKILL)
				cmd.Wait()
				started <- err
				return
			}
			c.entry = entry
		}
		started <- nil
		c.waitErr = cmd.Wait()
		c.entry.remove()
		close(c.exited)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return c, nil
}

// exitedNow reports whether the child has exited.
func (c *child) exitedNow() bool {
	select {
	case <-c.exited:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM to the child's process group, waits up to grace (or until ctx ends)
// and then sends SIGKILL. It returns once the child has been reaped; killed says whether
// SIGKILL was needed. Call it once: it does nothing to a child that has already exited.
func (c *child) stop(ctx context.Context, grace time.Duration) (killed bool, err error) {
	if c.exitedNow() {
		// Not even the group: long after the child was reaped its pid may name a
		// stranger's process group.
		return false, nil
	}
	signalGroup(c.pid, syscall.SIGTERM)
	// A paused broker (a pause_broker fault) acts on SIGTERM only once it runs again.
	signalGroup(c.pid, syscall.SIGCONT)
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-c.exited:
		signalGroup(c.pid, syscall.SIGKILL) // anything the child left in its group
		return false, nil
	case <-t.C:
	case <-ctx.Done():
	}
	signalGroup(c.pid, syscall.SIGKILL)
	select {
	case <-c.exited:
		return true, nil
	case <-time.After(10 * time.Second):
		return true, fmt.Errorf("process %d did not exit after SIGKILL", c.pid)
	}
}

// stopPID stops a process that is not (or no longer known to be) our child: SIGTERM to its
// process group, up to grace to exit, then SIGKILL. pid must lead its process group.
func stopPID(ctx context.Context, pid int, grace time.Duration) (killed bool, err error) {
	signalGroup(pid, syscall.SIGTERM)
	signalGroup(pid, syscall.SIGCONT) // as in child.stop
	if waitGone(ctx, pid, grace) {
		signalGroup(pid, syscall.SIGKILL)
		return false, nil
	}
	signalGroup(pid, syscall.SIGKILL)
	if waitGone(context.Background(), pid, 10*time.Second) {
		return true, nil
	}
	return true, fmt.Errorf("process %d did not exit after SIGKILL", pid)
}

// waitGone polls until pid no longer runs, for at most d or until ctx ends.
func waitGone(ctx context.Context, pid int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		if !pidAlive(pid) {
			return true
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// signalGroup signals the process group led by pid (pid's group id equals its pid because
// it was started with Setpgid or Setsid). A group that no longer exists is not an error.
func signalGroup(pid int, sig syscall.Signal) {
	if pid <= 0 {
		return // -0 and -(-1) would signal far more than we mean to
	}
	_ = syscall.Kill(-pid, sig)
}

// pidAlive reports whether pid is a running (not zombie) process.
func pidAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	if err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	return !isZombie(pid)
}

// processMatches reports whether pid runs a command line holding every one of args and,
// if dir is not empty, has dir as its working directory: so that a recycled pid is never
// taken for (or stopped as) our broker. Where the command line cannot be read (not Linux),
// it trusts the pid.
func processMatches(pid int, dir string, args ...string) bool {
	cmdline, ok := processArgs(pid)
	if !ok {
		return pidAlive(pid)
	}
	for _, a := range args {
		if !slices.Contains(cmdline, a) {
			return false
		}
	}
	return dir == "" || processInDir(pid, dir)
}

// logTail returns the last n lines of the log at path, indented for an error message.
func logTail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	// A broker that failed to start has written little: the first MiB holds its first
	// error, which its shutdown can push out of the last lines (Kafka logs a failed bind,
	// then a page of shutting down).
	b, err := io.ReadAll(io.LimitReader(f, 1<<20))
	if err != nil {
		return ""
	}
	// The last 16 KiB hold far more than n lines of broker log; Java stack traces, the
	// usual reason for reading this, are long but not that long.
	const window = 16 << 10
	tail := b
	if fi, err := f.Stat(); err == nil && fi.Size() > int64(len(b)) {
		if _, err := f.Seek(-window, io.SeekEnd); err != nil {
			return ""
		}
		if tail, err = io.ReadAll(f); err != nil {
			return ""
		}
	} else if len(b) > window {
		tail = b[len(b)-window:]
	}
	last := OutputTail(string(tail), n)
	out := ""
	if first := firstError(string(b)); first != "" && !strings.Contains(last, first) {
		out = "\n  first error in the broker log:\n    | " + first
	}
	return out + "\n  last lines of the broker log:" + strings.ReplaceAll(last, "\n    ", "\n    | ")
}

// firstError is the first line of a broker log that reports an error (log4j's ERROR or
// FATAL level, or a Java exception), without colour codes; "" if none does.
func firstError(log string) string {
	for _, l := range strings.Split(log, "\n") {
		l = strings.TrimRight(stripANSI(l), " \r\t")
		if strings.Contains(l, " ERROR ") || strings.Contains(l, " FATAL ") || strings.Contains(l, "Exception: ") {
			return l
		}
	}
	return ""
}

// spawn starts cmd as a broker, its stdout and stderr appended to logPath, and polls ready
// until that succeeds, the process exits, the start timeout passes or ctx ends. bound is as
// for startChild; where is the broker's address, for errors. On failure nothing is left
// running, and the error ends with the last lines of the log.
func (c baseConfig) spawn(ctx context.Context, cmd *exec.Cmd, where, logPath string, bound bool,
	ready func(context.Context) error) (*child, error) {
	logOut, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open %s log: %w", c.name, err)
	}
	defer logOut.Close() // the broker has its own copy of the descriptor
	cmd.Stdout = logOut
	cmd.Stderr = logOut
	proc, err := startRecorded(cmd, bound, c.note(c.name+" broker at "+where))
	if err != nil {
		return nil, fmt.Errorf("start %s at %s: %w", c.name, where, err)
	}
	if err := pollReady(ctx, proc, filepath.Base(cmd.Path), c.startTimeout, ready); err != nil {
		if _, serr := proc.stop(context.Background(), 5*time.Second); serr != nil {
			err = errors.Join(err, serr)
		}
		return nil, fmt.Errorf("start %s at %s (pid %d): %w%s", c.name, where, proc.pid, err, logTail(logPath, 30))
	}
	return proc, nil
}

// pollReady calls ready every 250ms (each call bounded to 2s) until it returns nil, proc
// (running prog) exits, timeout passes or ctx ends.
func pollReady(ctx context.Context, proc *child, prog string, timeout time.Duration,
	ready func(context.Context) error) error {
	err := poll(ctx, timeout, proc.exited, ready)
	if errors.Is(err, errStopped) {
		return fmt.Errorf("%s exited before the broker answered (%v)", prog, exitText(proc.waitErr))
	}
	return err
}

// errStopped is poll's error when its stop channel closed first.
var errStopped = errors.New("stopped")

// WaitReady calls try every 250ms (each call bounded to 2s) until it returns nil, timeout
// passes or ctx ends; after the timeout its error keeps the last reason try gave. It is
// poll for a broker with no process of ours to watch: a container, a compose service.
func WaitReady(ctx context.Context, timeout time.Duration, try func(context.Context) error) error {
	return poll(ctx, timeout, nil, try)
}

// poll calls try every 250ms (each call bounded to 2s) until it returns nil, stop is
// closed (a nil stop never is), timeout passes or ctx ends. After the timeout its error
// keeps the last reason try gave.
func poll(ctx context.Context, timeout time.Duration, stop <-chan struct{}, try func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		actx, acancel := context.WithTimeout(ctx, 2*time.Second)
		err := try(actx)
		acancel()
		if err == nil {
			return nil
		}
		if last == nil || ctx.Err() == nil {
			// Keep the last reason from the broker, not our own deadline cutting off the
			// final attempt.
			last = err
		}
		select {
		case <-stop:
			return errStopped
		case <-ctx.Done():
			if ctx.Err() == context.DeadlineExceeded {
				return fmt.Errorf("no answer within %s (last: %w)", timeout, last)
			}
			return ctx.Err()
		case <-tick.C:
		}
	}
}

func exitText(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}
