package brokers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// restart calls prepare, which checks that the broker can start again and returns the
// function that starts it; then stops the broker as stop does but keeps its data
// directory, and calls start to run it again there. An error from prepare leaves the
// broker running. prepare and start get a context that stop cancels, so that a stop called
// meanwhile (from another goroutine) does not wait for a whole start. If start fails, nothing is
// left running: stop then only removes the data directory, and restart may try again.
func (r *runScoped) restart(ctx context.Context,
	prepare func(context.Context) (start func(context.Context) (*child, error), err error)) error {
	return r.restartAs(ctx, restartHow{}, prepare)
}

// restartHow is how a restart takes the broker down: cleanly, as Stop does, or killed at
// once as a crash would (SIGKILL to its process group); and how long it stays down before
// it is started again.
type restartHow struct {
	kill bool
	down time.Duration
}

// restartAs is restart, taking the broker down as how says.
func (r *runScoped) restartAs(ctx context.Context, how restartHow,
	prepare func(context.Context) (start func(context.Context) (*child, error), err error)) error {
	r.ops.Lock()
	defer r.ops.Unlock()
	r.mu.Lock()
	if r.stopping {
		r.mu.Unlock()
		return fmt.Errorf("restart %s at %s: it has been stopped", r.c.name, r.where)
	}
	startCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	r.cancel = cancel
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.cancel = nil
		r.mu.Unlock()
	}()

	start, err := prepare(startCtx)
	if err != nil {
		what := "left running"
		if r.proc == nil {
			what = "not running"
		}
		return fmt.Errorf("restart %s at %s (%s): %w", r.c.name, r.where, what, err)
	}
	if r.proc != nil {
		if how.kill {
			r.c.logf("killing %s at %s (pid %d), keeping its data…", r.c.name, r.where, r.proc.pid)
			if err := r.proc.kill(); err != nil {
				return fmt.Errorf("kill: %w", err)
			}
		} else {
			r.c.logf("restarting %s at %s (pid %d), keeping its data…", r.c.name, r.where, r.proc.pid)
			// ctx rather than startCtx: a stop called now would give the old broker the same
			// clean shutdown.
			if err := r.c.stop(ctx, r.proc, r.proc.pid, r.where); err != nil {
				return fmt.Errorf("restart: %w", err)
			}
		}
		r.proc = nil
	}
	if err := Sleep(startCtx, how.down); err != nil {
		return fmt.Errorf("restart %s at %s: interrupted while it was down (nothing is running now): %w", r.c.name, r.where, err)
	}
	proc, err := start(startCtx)
	if err != nil {
		r.mu.Lock()
		stopping := r.stopping
		r.mu.Unlock()
		if stopping {
			return fmt.Errorf("restart %s at %s: interrupted by Stop: %w", r.c.name, r.where, err)
		}
		// Stop removes the data directory, log and all: keep a copy where a failed start
		// keeps its log.
		err = copyFailedLog(err, filepath.Join(r.dataDir, logFileName(r.c.name)),
			filepath.Join(filepath.Dir(r.dataDir), failedLogFileName(r.c.name)))
		return fmt.Errorf("restart %s at %s: stopped it, but it did not start again (nothing is running now): %w",
			r.c.name, r.where, err)
	}
	r.proc = proc
	return nil
}

// restart stops the recorded broker, keeping its data directory, starts it again there,
// detached, and records it; see RestartKafka.
func (d detached[S]) restart(ctx context.Context) (S, error) {
	return d.restartAs(ctx, restartHow{})
}

// restartAs is restart, taking the broker down as how says.
func (d detached[S]) restartAs(ctx context.Context, how restartHow) (S, error) {
	var zero S
	if d.err != nil {
		return zero, d.err
	}
	engine, ok := d.engine.(relauncher[S])
	if !ok {
		return zero, fmt.Errorf("a detached %s cannot be restarted: take it down and up again", d.product)
	}
	notRunning := fmt.Errorf("no detached %s running (state directory %s): start one with `bench brokers up %s`",
		d.product, d.stateDir, d.name)
	if _, err := os.Stat(d.stateDir); errors.Is(err, os.ErrNotExist) {
		return zero, notRunning
	}
	unlock, err := d.lock(ctx)
	if err != nil {
		return zero, err
	}
	defer unlock()

	st, running, err := d.status(ctx, true)
	if !running && err == nil {
		return zero, notRunning
	}
	if err != nil {
		// Ours but not answering: hung, which a restart may well cure.
		d.logf("%v; restarting it anyway", err)
	}
	start, err := engine.relaunchIn(ctx, d.dataDir(), st)
	if err != nil {
		return st, fmt.Errorf("restart %s at %s (left running): %w", d.name, st.where(), err)
	}
	if how.kill {
		d.logf("killing %s at %s (pid %d), keeping its data…", st.label(), st.where(), st.pid())
		signalGroup(st.pid(), syscall.SIGKILL)
		if !waitGone(ctx, st.pid(), 10*time.Second) {
			return st, fmt.Errorf("kill %s: pid %d did not exit after SIGKILL", d.name, st.pid())
		}
	} else {
		d.logf("restarting %s at %s (pid %d), keeping its data…", st.label(), st.where(), st.pid())
		if err := d.stop(ctx, nil, st.pid(), st.where()); err != nil {
			return st, fmt.Errorf("restart: %w", err)
		}
	}
	// Down or not, the state still names the broker and the lock is held: nobody takes
	// the stopped broker for one that died.
	if err := Sleep(ctx, how.down); err != nil {
		err = fmt.Errorf("interrupted while it was down: %w", err)
	} else {
		_, st, err = start(ctx)
	}
	if err != nil {
		// As after a failed up: keep the log, and leave no state naming a dead broker.
		err = keepFailedLog(err, filepath.Join(d.dataDir(), logFileName(d.name)),
			filepath.Join(d.stateDir, failedLogFileName(d.name)))
		if rerr := d.removeState(); rerr != nil {
			err = errors.Join(err, rerr)
		}
		return zero, fmt.Errorf("restart %s: stopped it, but it did not start again (nothing is running now; "+
			"its data is removed, `bench brokers up %s` starts afresh): %w", d.name, d.name, err)
	}
	if err := writeState(d.statePath(), d.name, st); err != nil {
		// Unrecorded, nobody could find it again: don't leave it running.
		stopPID(context.Background(), st.pid(), d.stopGrace)
		d.removeState()
		return zero, err
	}
	d.forgetDetached(st.pid())
	return st, nil
}

// copyFailedLog copies the log of a broker that failed to start to dest, out of a data
// directory that will be removed later, and says where it went.
func copyFailedLog(err error, logPath, dest string) error {
	src, oerr := os.Open(logPath)
	if oerr != nil {
		return err
	}
	defer src.Close()
	dst, cerr := os.Create(dest)
	if cerr != nil {
		return err
	}
	_, cerr = io.Copy(dst, src)
	if cerr = errors.Join(cerr, dst.Close()); cerr != nil {
		os.Remove(dest)
		return err
	}
	return fmt.Errorf("%w\n  full broker log: %s", err, dest)
}
