package brokers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// child is a process started by this package that is still this process's child.
type child struct {
	pid     int
	exited  chan struct{} // closed once the process has exited and been reaped
	waitErr error         // how it exited; read only after exited is closed
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
	if bound {
		cmd.SysProcAttr = boundProcAttr()
	} else {
		cmd.SysProcAttr = detachedProcAttr()
	}
	c := &child{exited: make(chan struct{})}
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
		started <- nil
		c.waitErr = cmd.Wait()
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

// isKafkaProcess reports whether pid runs kafka.Kafka with the given server.properties, so
// that a recycled pid is never taken for (or stopped as) our broker. Where the command line
// cannot be read (not Linux), it trusts the pid.
func isKafkaProcess(pid int, configPath string) bool {
	args, ok := processArgs(pid)
	if !ok {
		return pidAlive(pid)
	}
	var main, conf bool
	for _, a := range args {
		main = main || a == kafkaMainClass
		conf = conf || a == configPath
	}
	return main && conf
}

// logTail returns the last n lines of the log at path, indented for an error message.
func logTail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	// The last 16 KiB hold far more than n lines of broker log; Java stack traces, the
	// usual reason for reading this, are long but not that long.
	const window = 16 << 10
	if fi, err := f.Stat(); err == nil && fi.Size() > window {
		if _, err := f.Seek(-window, io.SeekEnd); err != nil {
			return ""
		}
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return ""
	}
	return "\n  last lines of the broker log:" + strings.ReplaceAll(indentTail(string(b), n), "\n    ", "\n    | ")
}

// keepFailedLog moves the log of a broker that failed to start to dest, out of the data
// directory about to be removed, and says where it went.
func keepFailedLog(err error, logPath, dest string) error {
	if _, serr := os.Stat(logPath); serr != nil {
		return err
	}
	if rerr := os.Rename(logPath, dest); rerr != nil {
		return err
	}
	return fmt.Errorf("%w\n  full broker log: %s", err, dest)
}
