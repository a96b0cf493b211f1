package brokers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// record is what every broker's state (KafkaState, KinesisState) tells the shared code.
type record interface {
	pid() int      // of the broker, which also leads its process group
	where() string // where clients connect, for messages
	label() string // product and version, "Apache Kafka 4.1.2"
	running() Running
	// ours reports whether pid still runs the broker the state describes, rather than
	// having exited (or been recycled for another program).
	ours() bool
	// ping checks that a broker that is ours answers.
	ping(ctx context.Context) error
}

// launcher starts brokers of one kind: its resolved configuration (kafkaConfig,
// kinesisConfig).
type launcher[S record] interface {
	// launch starts a broker in dataDir and returns once it answers. bound ties it to
	// this process; otherwise it is detached. On error nothing is left running.
	launch(ctx context.Context, dataDir string, bound bool) (*child, S, error)
}

// relauncher is a launcher whose brokers can be restarted on their data.
type relauncher[S record] interface {
	launcher[S]
	// relaunchIn checks that the broker st describes can start again in dataDir, keeping
	// its data, and returns the function that starts it there, detached. It is called
	// while the broker still runs, so that what can be found wrong beforehand does not
	// take it down first.
	relaunchIn(ctx context.Context, dataDir string, st S) (start func(context.Context) (*child, S, error), err error)
}

// detached is the up/status/down logic of a broker that outlives the command that started
// it, shared by every kind of broker. Its state file, lock and data directory sit in the
// state directory and are named after the broker: kafka.json, kafka.lock and kafka/.
type detached[S record] struct {
	// err, if not nil, says why the options could not be resolved; every method returns
	// it and does nothing else.
	err error
	baseConfig
	product string // "Apache Kafka", for messages
	// bound ties the broker up starts to this process (see KafkaOptions.Bound).
	bound  bool
	engine launcher[S]
}

func (d detached[S]) statePath() string { return filepath.Join(d.stateDir, d.name+".json") }
func (d detached[S]) dataDir() string   { return filepath.Join(d.stateDir, d.name) }

// up starts a detached broker and records it, unless one is already running; see UpKafka.
func (d detached[S]) up(ctx context.Context) (st S, started bool, err error) {
	var zero S
	if d.err != nil {
		return zero, false, d.err
	}
	if err := os.MkdirAll(d.stateDir, 0o755); err != nil {
		return zero, false, fmt.Errorf("create state directory: %w", err)
	}
	unlock, err := d.lock(ctx)
	if err != nil {
		return zero, false, err
	}
	defer unlock()

	st, running, err := d.status(ctx, true)
	if running {
		d.logf("%s already running at %s (pid %d)", st.label(), st.where(), st.pid())
		return st, false, nil
	}
	if err != nil {
		return st, false, fmt.Errorf("%w; stop it with `bench brokers down %s`", err, d.name)
	}

	dataDir := d.dataDir()
	if err := os.RemoveAll(dataDir); err != nil {
		return zero, false, fmt.Errorf("clear %s data directory: %w", d.name, err)
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return zero, false, fmt.Errorf("create %s data directory: %w", d.name, err)
	}
	proc, st, err := d.engine.launch(ctx, dataDir, d.bound)
	if err != nil {
		err = keepFailedLog(err, filepath.Join(dataDir, logFileName(d.name)),
			filepath.Join(d.stateDir, failedLogFileName(d.name)))
		os.RemoveAll(dataDir)
		return zero, false, err
	}
	if err := writeState(d.statePath(), d.name, st); err != nil {
		// Unrecorded, nobody could find it again: don't leave it running.
		stopPID(context.Background(), st.pid(), d.stopGrace)
		os.RemoveAll(dataDir)
		return zero, false, err
	}
	if !proc.bound {
		// Bound, it dies with us: its record stays until then, for a later
		// 'bench brokers down' to clean up after us.
		proc.handOver()
	}
	return st, true, nil
}

// down stops the recorded broker, if any, and removes its state; see DownKafka.
func (d detached[S]) down(ctx context.Context) error {
	if d.err != nil {
		return d.err
	}
	if _, err := os.Stat(d.stateDir); errors.Is(err, os.ErrNotExist) {
		d.logf("no detached %s running (no state in %s)", d.product, d.stateDir)
		return nil
	}
	unlock, err := d.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	st, ok, err := readState[S](d.statePath(), d.name)
	if err != nil {
		return err
	}
	if !ok {
		d.logf("no detached %s running (no state in %s)", d.product, d.stateDir)
		return nil
	}
	if st.ours() {
		d.logf("stopping %s at %s (pid %d)…", st.label(), st.where(), st.pid())
		if err := d.stop(ctx, nil, st.pid(), st.where()); err != nil {
			return err
		}
	} else {
		d.logf("%s at %s (pid %d) was no longer running", d.name, st.where(), st.pid())
	}
	return d.removeState()
}

// status reads the state file and checks the broker it names. locked says the caller holds
// the state lock; otherwise stale state is removed only if the lock is free right now, so
// that a status query never waits for an up that is still fetching the broker.
func (d detached[S]) status(ctx context.Context, locked bool) (S, bool, error) {
	var zero S
	if d.err != nil {
		return zero, false, d.err
	}
	st, ok, err := readState[S](d.statePath(), d.name)
	if err != nil || !ok {
		return zero, false, err
	}
	if !st.ours() {
		if !locked {
			unlock, ok := d.tryLock()
			if !ok {
				return zero, false, nil
			}
			defer unlock()
			// Re-read: an up may have replaced the state before we got the lock.
			if cur, ok, err := readState[S](d.statePath(), d.name); err != nil || !ok || cur.pid() != st.pid() {
				return d.status(ctx, true)
			}
		}
		d.logf("removing stale state of %s at %s (pid %d is gone)", st.label(), st.where(), st.pid())
		return zero, false, d.removeState()
	}
	if err := st.ping(ctx); err != nil {
		return st, false, fmt.Errorf("%s pid %d is running but does not answer at %s: %w", d.name, st.pid(), st.where(), err)
	}
	return st, true, nil
}

// removeState deletes the state file and the detached data directory. The data directory
// is always the one inside the state directory, whatever the state file says, so that a
// damaged state file cannot make us delete anything else.
func (d detached[S]) removeState() error {
	if err := os.RemoveAll(d.dataDir()); err != nil {
		return fmt.Errorf("remove %s data directory: %w", d.name, err)
	}
	if err := os.Remove(d.statePath()); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove %s state file: %w", d.name, err)
	}
	return nil
}

// lock takes the broker's lock in the state directory, which serialises its up and down
// across processes, waiting for it until ctx ends. The lock goes with the process if it
// dies.
func (d detached[S]) lock(ctx context.Context) (unlock func(), err error) {
	return lockFile(ctx, filepath.Join(d.stateDir, d.name+".lock"),
		"another `bench brokers` command running?")
}

// tryLock takes the lock only if it is free.
func (d detached[S]) tryLock() (unlock func(), ok bool) {
	unlock, ok, err := lockFileNB(filepath.Join(d.stateDir, d.name+".lock"))
	return unlock, ok && err == nil
}

// readState loads the state file of the broker called name; ok is false if there is none.
func readState[S record](path, name string) (st S, ok bool, err error) {
	var zero S
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return zero, false, nil
	}
	if err != nil {
		return zero, false, fmt.Errorf("read %s state: %w", name, err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return zero, false, fmt.Errorf("read %s state %s: %w (remove the file if no broker is running)", name, path, err)
	}
	if st.pid() <= 0 || st.where() == "" {
		return zero, false, fmt.Errorf("read %s state %s: no pid or address (remove the file if no broker is running)", name, path)
	}
	return st, true, nil
}

// writeState saves st through a temporary file and a rename, so a reader never sees half
// a state file.
func writeState(path, name string, st any) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s state: %w", name, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+name+"-state-")
	if err != nil {
		return fmt.Errorf("write %s state: %w", name, err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s state: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s state: %w", name, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s state: %w", name, err)
	}
	return nil
}
