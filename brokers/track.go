package brokers

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// procsDirName, in the state directory, holds one record per process this package has
// started and not yet seen exit. A bench that is killed (SIGKILL, a crash) cannot stop
// what it started; the record is what lets a later 'bench brokers down' find and kill
// whatever survived it, and tell it from an unrelated process that got the same pid.
const procsDirName = "procs"

// procRecord is what the state directory keeps of one process this package started.
type procRecord struct {
	// Broker is the short name of the broker it is for: "kafka", "kinesis".
	Broker string `json:"broker"`
	// What it is, for messages: "kafka broker at 127.0.0.1:9092", "kafka tool keytool".
	What string `json:"what"`
	PID  int    `json:"pid"`
	// PGID is the process group the process leads (started with Setpgid or Setsid): the
	// group is what gets killed, so that anything it spawned goes too.
	PGID int `json:"pgid"`
	// Start is the process's start time in clock ticks since boot (/proc/PID/stat) and
	// Boot the kernel's boot id: together with PID, they name one process for good, where
	// a pid alone is recycled.
	Start uint64 `json:"start_ticks"`
	Boot  string `json:"boot_id,omitempty"`
	// Owner is the bench that started it, named the same way.
	Owner      int    `json:"owner_pid"`
	OwnerStart uint64 `json:"owner_start_ticks"`
	// Bound says the process dies with its owner (a run-scoped broker, a tool); an
	// unbound one is a detached broker whose owner has not yet handed it over to its
	// state file.
	Bound     bool      `json:"bound"`
	Command   string    `json:"command"`
	Dir       string    `json:"dir,omitempty"`
	StartedAt time.Time `json:"started_at"`
}

// procNote says where and as what to record the processes about to be started.
type procNote struct {
	dir          string // <state dir>/procs
	broker, what string
}

// note returns how to record a process of this broker's, described by what.
func (c baseConfig) note(what string) *procNote {
	return &procNote{dir: filepath.Join(c.stateDir, procsDirName), broker: cmp.Or(c.kind, c.name), what: what}
}

// procEntry is one record written, to remove once its process is gone.
type procEntry struct {
	path  string
	pid   int
	start uint64
	once  sync.Once
}

// record writes the record of cmd's process, which has just started.
func (n *procNote) record(cmd *exec.Cmd, bound bool) (*procEntry, error) {
	pid := cmd.Process.Pid
	// Read right after the fork: if the process is already gone, its record is removed
	// as soon as anyone looks.
	start, _ := procStart(pid)
	self := os.Getpid()
	ownerStart, _ := procStart(self)
	command := strings.Join(cmd.Args, " ")
	if len(command) > 400 {
		command = command[:400] + "…"
	}
	rec := procRecord{
		Broker: n.broker, What: n.what, PID: pid, PGID: pid, Start: start, Boot: bootID(),
		Owner: self, OwnerStart: ownerStart, Bound: bound,
		Command: command, Dir: cmd.Dir, StartedAt: time.Now().UTC().Truncate(time.Second),
	}
	path := filepath.Join(n.dir, strconv.Itoa(pid)+".json")
	var err error
	// Twice: another bench may remove the directory, as it empties it, just after we
	// made sure of it.
	for range 2 {
		if err = os.MkdirAll(n.dir, 0o755); err != nil {
			break
		}
		if err = writeState(path, "process record", rec); !errors.Is(err, os.ErrNotExist) {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("record %s (pid %d): %w", n.what, pid, err)
	}
	return &procEntry{path: path, pid: pid, start: start}, nil
}

// remove deletes the record, once its process has exited or been handed over to a
// state file. It leaves alone a record that names another process by now (a recycled
// pid recorded by another bench sharing the state directory). Calling it again does
// nothing.
func (e *procEntry) remove() {
	if e == nil {
		return
	}
	e.once.Do(func() {
		if rec, err := readProcRecord(e.path); err == nil && (rec.PID != e.pid || rec.Start != e.start) {
			return
		}
		removeRecord(e.path)
	})
}

// removeRecord removes a record, and the records' directory with it once empty, so that
// a state directory holds nothing of ours once all is stopped.
func removeRecord(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	os.Remove(filepath.Dir(path)) // fails, as it should, while other records remain
	return nil
}

// readProcRecord loads one record.
func readProcRecord(path string) (procRecord, error) {
	var rec procRecord
	b, err := os.ReadFile(path)
	if err != nil {
		return rec, err
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		return rec, fmt.Errorf("read process record %s: %w", path, err)
	}
	if rec.PID <= 0 {
		return rec, fmt.Errorf("read process record %s: no pid", path)
	}
	return rec, nil
}

// alive reports whether the recorded process still runs and is still the one recorded.
func (r procRecord) alive() bool { return sameProcess(r.PID, r.Start, r.Boot) }

// ownerAlive reports whether the bench that started the process still runs.
func (r procRecord) ownerAlive() bool { return sameProcess(r.Owner, r.OwnerStart, r.Boot) }

// Process is a process that a bench started (a broker, or a tool such as mvn) as its
// record in the state directory describes it.
type Process struct {
	// Broker is the short name of the broker it is for: "kafka", "kinesis".
	Broker string
	// What it is: "kafka broker at 127.0.0.1:9092", "kinesis tool npm".
	What string
	PID  int
	// Owner is the pid of the bench that started it; OwnerAlive says whether that bench
	// still runs. A live process whose owner is gone was left behind.
	Owner      int
	OwnerAlive bool
	// Alive says whether the process still runs (and is the one recorded, not another
	// that got its pid).
	Alive     bool
	Command   string
	StartedAt time.Time
	// Killed is set by CleanProcesses on the processes it killed.
	Killed bool
}

// String describes p in one line, for the command line: "kafka broker at
// 127.0.0.1:9092 (pid 4242, started 2026-01-02 15:04:05 by bench pid 4200)".
func (p Process) String() string {
	return fmt.Sprintf("%s (pid %d, started %s by bench pid %d)", p.What, p.PID,
		p.StartedAt.Local().Format("2006-01-02 15:04:05"), p.Owner)
}

// StateDir returns the state directory that dir names: dir itself, made absolute, or if
// it is empty $BENCH_STATE_DIR, or <cache dir>/state.
func StateDir(dir string) (string, error) {
	c, err := baseConfig{name: "state", stateDir: dir}.resolve(time.Second)
	return c.stateDir, err
}

// Processes lists the processes that benches using stateDir have started and not yet
// stopped, oldest first: those their bench still runs, and those left behind by a bench
// that is gone (see CleanProcesses), and those already gone whose records remain. It
// changes nothing. With names, only the processes of those brokers ("kafka", "kinesis") are
// listed and looked at.
func Processes(stateDir string, names ...string) ([]Process, error) {
	return scanProcesses(context.Background(), stateDir, names, false)
}

// CleanProcesses kills the process group of every recorded process whose bench is gone
// (killed, or crashed) but which still runs, and removes its record, as it removes the
// records of processes that have exited. Processes whose bench still runs are left
// alone. It returns every process recorded, those it killed marked Killed. names are as
// for Processes.
func CleanProcesses(ctx context.Context, stateDir string, names ...string) ([]Process, error) {
	return scanProcesses(ctx, stateDir, names, true)
}

// CleanRunData removes the data directories that run-scoped brokers of benches using
// stateDir left behind when their bench was killed: those whose bench is gone (call
// CleanProcesses first, so that no broker still uses one). Directories of a bench still
// running are left alone, and so are those of every broker whatever the names given to
// 'bench brokers down': a directory whose bench is gone is no use to anyone. It returns
// the directories removed.
func CleanRunData(stateDir string) []string {
	return sweepRunDirs(filepath.Join(stateDir, runDirName))
}

func scanProcesses(ctx context.Context, stateDir string, names []string, kill bool) ([]Process, error) {
	dir := filepath.Join(stateDir, procsDirName)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list process records: %w", err)
	}
	var procs []Process
	var errs []error
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") || strings.HasPrefix(e.Name(), ".") {
			continue // a record being written (writeState's temporary file)
		}
		path := filepath.Join(dir, e.Name())
		rec, err := readProcRecord(path)
		if errors.Is(err, os.ErrNotExist) {
			continue // removed meanwhile by its owner
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%w (remove it if no bench is running)", err))
			continue
		}
		if len(names) > 0 && !slices.Contains(names, rec.Broker) {
			continue
		}
		p := Process{Broker: rec.Broker, What: rec.What, PID: rec.PID, Owner: rec.Owner, OwnerAlive: rec.ownerAlive(),
			Alive: rec.alive(), Command: rec.Command, StartedAt: rec.StartedAt}
		if kill && p.Alive && !p.OwnerAlive {
			if err := killGroup(ctx, rec); err != nil {
				errs = append(errs, err)
				procs = append(procs, p)
				continue
			}
			p.Killed = true
		}
		if kill && (!p.Alive || p.Killed) {
			if err := removeRecord(path); err != nil {
				errs = append(errs, fmt.Errorf("remove process record: %w", err))
			}
		}
		procs = append(procs, p)
	}
	slices.SortFunc(procs, func(a, b Process) int { return a.StartedAt.Compare(b.StartedAt) })
	return procs, errors.Join(errs...)
}

// killGroup kills the recorded process's group at once: nothing is waiting for its
// clean shutdown (its bench is gone), and a run-scoped broker's data is thrown away
// anyway. A detached broker that its 'bench brokers up' never recorded has no state file
// that would let anyone use it.
func killGroup(ctx context.Context, rec procRecord) error {
	if rec.PGID == rec.PID {
		signalGroup(rec.PGID, syscall.SIGKILL)
	} else {
		// Not a group we made: kill the process alone.
		syscall.Kill(rec.PID, syscall.SIGKILL)
	}
	if !waitGone(ctx, rec.PID, 5*time.Second) {
		return fmt.Errorf("kill %s (pid %d): still running after SIGKILL", rec.What, rec.PID)
	}
	return nil
}

// handOver removes the record of a detached broker once its state file names it: from
// then on the state file is what finds it, and its owner exits leaving it running on
// purpose.
func (c *child) handOver() { c.entry.remove() }

// forgetDetached is handOver for where the child is not at hand: it removes the record of
// the detached broker pid, started by this process, once its state file names it.
func (c baseConfig) forgetDetached(pid int) {
	path := filepath.Join(c.stateDir, procsDirName, strconv.Itoa(pid)+".json")
	if rec, err := readProcRecord(path); err == nil && rec.Owner == os.Getpid() && !rec.Bound {
		removeRecord(path)
	}
}
