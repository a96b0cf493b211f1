package brokers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Files inside the state directory.
const (
	stateFile       = "kafka.json"
	stateLockFile   = "kafka.lock"
	detachedDataDir = "kafka" // the detached broker's data directory
)

// KafkaState describes a broker started by this package. For a detached broker (UpKafka)
// it is what the state file records, so a later bench process can find and stop it.
type KafkaState struct {
	Product        string    `json:"product"` // "Apache Kafka"
	Version        string    `json:"version"` // "4.1.2"
	Address        string    `json:"address"` // bootstrap address, "127.0.0.1:9092"
	Port           int       `json:"port"`
	ControllerPort int       `json:"controller_port"`
	PID            int       `json:"pid"` // of the JVM, which also leads its process group
	HeapMB         int       `json:"heap_mb"`
	DataDir        string    `json:"data_dir"`
	ConfigPath     string    `json:"config_path"` // server.properties; also identifies the JVM
	LogPath        string    `json:"log_path"`    // the broker's stdout and stderr
	StartedAt      time.Time `json:"started_at"`
}

// UpKafka starts a detached broker that outlives the calling process and records it in
// the state directory. If one is already running there it is returned as is, whatever
// ports or heap o asks for, with started false; state left by a broker that has died is
// removed first. The data directory lives in the state directory until DownKafka.
func UpKafka(ctx context.Context, o KafkaOptions) (st KafkaState, started bool, err error) {
	c, err := o.resolve()
	if err != nil {
		return KafkaState{}, false, err
	}
	if err := os.MkdirAll(c.stateDir, 0o755); err != nil {
		return KafkaState{}, false, fmt.Errorf("create state directory: %w", err)
	}
	unlock, err := lockState(ctx, c.stateDir)
	if err != nil {
		return KafkaState{}, false, err
	}
	defer unlock()

	st, running, err := c.status(ctx, true)
	if running {
		c.logf("%s %s already running at %s (pid %d)", st.Product, st.Version, st.Address, st.PID)
		return st, false, nil
	}
	if err != nil {
		return st, false, fmt.Errorf("%w; stop it with `bench brokers down`", err)
	}

	dataDir := filepath.Join(c.stateDir, detachedDataDir)
	if err := os.RemoveAll(dataDir); err != nil {
		return KafkaState{}, false, fmt.Errorf("clear kafka data directory: %w", err)
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return KafkaState{}, false, fmt.Errorf("create kafka data directory: %w", err)
	}
	_, st, err = c.launch(ctx, dataDir, false)
	if err != nil {
		err = keepFailedLog(err, filepath.Join(dataDir, logFile), filepath.Join(c.stateDir, failedLogFile))
		os.RemoveAll(dataDir)
		return KafkaState{}, false, err
	}
	if err := writeState(filepath.Join(c.stateDir, stateFile), st); err != nil {
		// Unrecorded, nobody could find it again: don't leave it running.
		stopPID(context.Background(), st.PID, stopGrace)
		os.RemoveAll(dataDir)
		return KafkaState{}, false, err
	}
	return st, true, nil
}

// KafkaStatus reports the detached broker recorded in the state directory. running is
// true when its JVM is alive, is our kafka.Kafka process, and answers at its address.
// With no broker recorded it returns running false and no error. State left by a broker
// that has died is removed. A live broker that does not answer is returned with running
// false and an error saying so.
func KafkaStatus(ctx context.Context, o KafkaOptions) (st KafkaState, running bool, err error) {
	c, err := o.resolve()
	if err != nil {
		return KafkaState{}, false, err
	}
	return c.status(ctx, false)
}

// DownKafka stops the detached broker recorded in the state directory (SIGTERM, up to 15s,
// then SIGKILL) and removes its state and data. With none recorded it does nothing.
func DownKafka(ctx context.Context, o KafkaOptions) error {
	c, err := o.resolve()
	if err != nil {
		return err
	}
	if _, err := os.Stat(c.stateDir); errors.Is(err, os.ErrNotExist) {
		c.logf("no detached %s running (no state in %s)", KafkaProduct, c.stateDir)
		return nil
	}
	unlock, err := lockState(ctx, c.stateDir)
	if err != nil {
		return err
	}
	defer unlock()
	st, ok, err := readState(filepath.Join(c.stateDir, stateFile))
	if err != nil {
		return err
	}
	if !ok {
		c.logf("no detached %s running (no state in %s)", KafkaProduct, c.stateDir)
		return nil
	}
	if isKafkaProcess(st.PID, st.ConfigPath) {
		c.logf("stopping %s at %s (pid %d)…", st.Product, st.Address, st.PID)
		killed, err := stopPID(ctx, st.PID, stopGrace)
		if err != nil {
			return fmt.Errorf("stop kafka at %s: %w", st.Address, err)
		}
		if killed {
			c.logf("kafka at %s (pid %d) did not shut down within %s; killed it", st.Address, st.PID, stopGrace)
		}
	} else {
		c.logf("kafka at %s (pid %d) was no longer running", st.Address, st.PID)
	}
	return c.removeState()
}

// status reads the state file and checks the broker it names. locked says the caller holds
// the state lock; otherwise stale state is removed only if the lock is free right now, so
// that a status query never waits for an UpKafka that is still fetching jars.
func (c kafkaConfig) status(ctx context.Context, locked bool) (KafkaState, bool, error) {
	path := filepath.Join(c.stateDir, stateFile)
	st, ok, err := readState(path)
	if err != nil || !ok {
		return KafkaState{}, false, err
	}
	if !isKafkaProcess(st.PID, st.ConfigPath) {
		if !locked {
			unlock, ok := tryLockState(c.stateDir)
			if !ok {
				return KafkaState{}, false, nil
			}
			defer unlock()
			// Re-read: an UpKafka may have replaced the state before we got the lock.
			if cur, ok, err := readState(path); err != nil || !ok || cur.PID != st.PID {
				return c.status(ctx, true)
			}
		}
		c.logf("removing stale state of %s at %s (pid %d is gone)", st.Product, st.Address, st.PID)
		return KafkaState{}, false, c.removeState()
	}
	if err := ping(ctx, st.Address); err != nil {
		return st, false, fmt.Errorf("kafka pid %d is running but does not answer at %s: %w", st.PID, st.Address, err)
	}
	return st, true, nil
}

// removeState deletes the state file and the detached data directory. The data directory
// is always the one inside the state directory, whatever the state file says, so that a
// damaged state file cannot make us delete anything else.
func (c kafkaConfig) removeState() error {
	if err := os.RemoveAll(filepath.Join(c.stateDir, detachedDataDir)); err != nil {
		return fmt.Errorf("remove kafka data directory: %w", err)
	}
	if err := os.Remove(filepath.Join(c.stateDir, stateFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove kafka state file: %w", err)
	}
	return nil
}

// ping asks the broker at addr for metadata, giving up after a few seconds.
func ping(ctx context.Context, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DialTimeout(2*time.Second))
	if err != nil {
		return fmt.Errorf("create kafka client: %w", err)
	}
	defer cl.Close()
	return cl.Ping(ctx)
}

// readState loads a state file; ok is false if there is none.
func readState(path string) (st KafkaState, ok bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return KafkaState{}, false, nil
	}
	if err != nil {
		return KafkaState{}, false, fmt.Errorf("read kafka state: %w", err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return KafkaState{}, false, fmt.Errorf("read kafka state %s: %w (remove the file if no broker is running)", path, err)
	}
	if st.PID <= 0 || st.Address == "" {
		return KafkaState{}, false, fmt.Errorf("read kafka state %s: no pid or address (remove the file if no broker is running)", path)
	}
	return st, true, nil
}

// writeState saves st through a temporary file and a rename, so a reader never sees half
// a state file.
func writeState(path string, st KafkaState) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("encode kafka state: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".kafka-state-")
	if err != nil {
		return fmt.Errorf("write kafka state: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("write kafka state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write kafka state: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write kafka state: %w", err)
	}
	return nil
}

// lockState takes the state directory's lock, which serialises UpKafka and DownKafka across
// processes, waiting for it until ctx ends. The lock goes with the process if it dies.
func lockState(ctx context.Context, dir string) (unlock func(), err error) {
	return lockFile(ctx, filepath.Join(dir, stateLockFile),
		"another `bench brokers` command running?")
}

// tryLockState takes the state lock only if it is free.
func tryLockState(dir string) (unlock func(), ok bool) {
	unlock, ok, err := lockFileNB(filepath.Join(dir, stateLockFile))
	return unlock, ok && err == nil
}
