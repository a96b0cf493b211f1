package brokers

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// ownerFile, in a run-scoped data directory, names the pid of the bench process that owns
// it, so that directories left by a killed bench can be recognised and removed.
const ownerFile = "owner.pid"

// Names of a broker's files, from its short name ("kafka").
func logFileName(name string) string       { return name + ".log" }
func failedLogFileName(name string) string { return name + "-failed-start.log" }

// runScoped is a broker started for the length of one run, as far as stopping and
// restarting it go.
type runScoped struct {
	c       baseConfig
	where   string // its address, for messages
	dataDir string

	// ops serialises stop and restart: each holds it from start to end. It guards proc,
	// stopped and err.
	ops     sync.Mutex
	proc    *child // the current broker; nil once a restart has failed to start it again
	stopped bool
	err     error // of the first stop

	// mu guards the two fields below. It is held only briefly, so that a stop can
	// interrupt a restart that holds ops.
	mu       sync.Mutex
	stopping bool               // stop has been called
	cancel   context.CancelFunc // interrupts the start of a restart under way, if any
}

// runDirName, in a state directory, holds the data directories of run-scoped brokers.
// It is under the state directory rather than the cache directory, which every job on
// the machine shares: jobs with their own BENCH_STATE_DIR then never see (nor sweep)
// each other's data, and 'bench brokers down' finds what a killed run left where it
// looks for that run's processes.
const runDirName = "run"

// startRunScoped calls launch in a fresh data directory under <state>/run, marked as owned
// by this process. If launch fails, the broker's log is kept beside the data directories
// (the error says where) and the data directory is removed.
func startRunScoped[S record](c baseConfig, launch func(dataDir string) (*child, S, error)) (*runScoped, S, error) {
	var zero S
	runDir := filepath.Join(c.stateDir, runDirName)
	if err := os.MkdirAll(runDir, 0o755); err != nil {
		return nil, zero, fmt.Errorf("create %s run directory: %w", c.name, err)
	}
	sweepRunDirs(runDir)
	dataDir, err := os.MkdirTemp(runDir, c.name+"-")
	if err != nil {
		return nil, zero, fmt.Errorf("create %s data directory: %w", c.name, err)
	}
	if err := os.WriteFile(filepath.Join(dataDir, ownerFile), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		os.RemoveAll(dataDir)
		return nil, zero, fmt.Errorf("write %s data directory owner: %w", c.name, err)
	}
	proc, st, err := launch(dataDir)
	if err != nil {
		err = keepFailedLog(err, filepath.Join(dataDir, logFileName(c.name)), filepath.Join(runDir, failedLogFileName(c.name)))
		os.RemoveAll(dataDir)
		return nil, zero, err
	}
	return &runScoped{c: c, where: st.where(), dataDir: dataDir, proc: proc}, st, nil
}

// stop shuts the broker down (see baseConfig.stop) and removes its data directory.
// Calling it again does nothing more and returns the first call's error. During a restart
// it interrupts the start of the new broker, waits for the restart to give up, then stops
// whatever is left.
func (r *runScoped) stop(ctx context.Context) error {
	r.mu.Lock()
	r.stopping = true
	if r.cancel != nil {
		r.cancel()
	}
	r.mu.Unlock()

	r.ops.Lock()
	defer r.ops.Unlock()
	if r.stopped {
		return r.err
	}
	r.stopped = true
	if r.proc != nil {
		if r.err = r.c.stop(ctx, r.proc, r.proc.pid, r.where); r.err != nil {
			return r.err
		}
		r.proc = nil
	}
	if err := os.RemoveAll(r.dataDir); err != nil {
		r.err = fmt.Errorf("remove %s data directory: %w", r.c.name, err)
	}
	return r.err
}

// sweepRunDirs removes run-scoped data directories whose owning bench process is gone:
// what a killed bench leaves behind (its broker died with it, by the parent-death signal).
// It returns the directories it removed.
func sweepRunDirs(runDir string) []string {
	if !parentDeathSignal {
		return nil // the broker may outlive its bench here, still using the directory
	}
	entries, err := os.ReadDir(runDir)
	if err != nil {
		return nil
	}
	var removed []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(runDir, e.Name())
		b, err := os.ReadFile(filepath.Join(dir, ownerFile))
		if err != nil {
			continue // being created right now, or not ours to judge
		}
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && !pidAlive(pid) {
			if os.RemoveAll(dir) == nil {
				removed = append(removed, dir)
			}
		}
	}
	return removed
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
