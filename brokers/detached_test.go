package brokers

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// detachedKind is one kind of broker as the tests of the shared detached logic see it.
type detachedKind struct {
	name string
	// state describes a broker of this kind with the given pid, for a state file.
	state func(pid int, dataDir string) any
	// status, down and precheck run KafkaStatus, DownKafka and the status check UpKafka
	// makes under its lock (or their Kinesis twins) against cacheDir and stateDir.
	status   func(ctx context.Context, cacheDir, stateDir string) (running bool, err error)
	down     func(ctx context.Context, cacheDir, stateDir string) error
	precheck func(ctx context.Context, cacheDir, stateDir string) (running bool, err error)
}

// kindOf makes a detachedKind from the detached logic of a kind and its state.
func kindOf[S record](name string, d func(cacheDir, stateDir string) detached[S],
	state func(pid int, dataDir string) S) detachedKind {
	return detachedKind{
		name:  name,
		state: func(pid int, dataDir string) any { return state(pid, dataDir) },
		status: func(ctx context.Context, cache, st string) (bool, error) {
			_, running, err := d(cache, st).status(ctx, false)
			return running, err
		},
		down: func(ctx context.Context, cache, st string) error { return d(cache, st).down(ctx) },
		precheck: func(ctx context.Context, cache, st string) (bool, error) {
			_, running, err := d(cache, st).status(ctx, true)
			return running, err
		},
	}
}

var detachedKinds = []detachedKind{
	kindOf("kafka",
		func(cache, state string) detached[KafkaState] {
			return KafkaOptions{CacheDir: cache, StateDir: state}.detached()
		},
		func(pid int, dataDir string) KafkaState {
			return KafkaState{Product: KafkaProduct, Version: KafkaVersion, Address: "127.0.0.1:1",
				PID: pid, DataDir: dataDir, ConfigPath: filepath.Join(dataDir, configFile)}
		}),
	kindOf("kinesis",
		func(cache, state string) detached[KinesisState] {
			return KinesisOptions{Engine: EngineKinesisMock, CacheDir: cache, StateDir: state}.detached()
		},
		func(pid int, dataDir string) KinesisState {
			return KinesisState{Product: KinesisProduct, Version: KinesisVersion, Endpoint: "http://127.0.0.1:1",
				PID: pid, DataDir: dataDir, Script: "/cache/kinesis-local-0.6.2/node_modules/kinesis-local/main.js"}
		}),
}

func TestStaleState(t *testing.T) {
	pids := []struct {
		name string
		pid  func(t *testing.T) int
	}{
		{"dead pid", deadPID},
		// Alive, but not the broker: a recycled pid must not pass for ours.
		{"pid reused by another program", func(*testing.T) int { return os.Getpid() }},
	}
	for _, kind := range detachedKinds {
		for _, tt := range pids {
			for _, op := range []string{"status", "down", "up-precheck"} {
				t.Run(kind.name+"/"+tt.name+"/"+op, func(t *testing.T) {
					cache, state := t.TempDir(), t.TempDir()
					dataDir := filepath.Join(state, kind.name)
					os.MkdirAll(dataDir, 0o755)
					statePath := filepath.Join(state, kind.name+".json")
					if err := writeState(statePath, kind.name, kind.state(tt.pid(t), dataDir)); err != nil {
						t.Fatal(err)
					}
					var running bool
					var err error
					switch op {
					case "status":
						running, err = kind.status(t.Context(), cache, state)
					case "down":
						err = kind.down(t.Context(), cache, state)
					case "up-precheck":
						running, err = kind.precheck(t.Context(), cache, state)
					}
					if running || err != nil {
						t.Fatalf("%s = running %v, err %v; want stale state dropped", op, running, err)
					}
					for _, p := range []string{statePath, dataDir} {
						if _, err := os.Stat(p); !os.IsNotExist(err) {
							t.Errorf("%s not removed (%v)", p, err)
						}
					}
				})
			}
		}
	}
	if !pidAlive(os.Getpid()) {
		t.Error("down on stale state hurt the test process")
	}
}

func TestDetachedBadOptions(t *testing.T) {
	o := KinesisOptions{Engine: EngineKinesisMock, Port: 70000, StateDir: t.TempDir()}
	_, _, upErr := UpKinesis(t.Context(), o)
	_, _, statusErr := KinesisStatus(t.Context(), o)
	downErr := DownKinesis(t.Context(), o)
	for _, err := range []error{upErr, statusErr, downErr} {
		if err == nil || !strings.Contains(err.Error(), "port 70000 out of range") {
			t.Errorf("err = %v, want the options' error", err)
		}
	}
	if left, _ := os.ReadDir(o.StateDir); len(left) > 0 {
		t.Errorf("bad options still touched the state directory: %v", left)
	}
}

func TestStatusNoState(t *testing.T) {
	for _, kind := range detachedKinds {
		t.Run(kind.name, func(t *testing.T) {
			cache, state := t.TempDir(), filepath.Join(t.TempDir(), "absent")
			if running, err := kind.status(t.Context(), cache, state); running || err != nil {
				t.Errorf("status = running %v, err %v", running, err)
			}
			if err := kind.down(t.Context(), cache, state); err != nil {
				t.Errorf("down with nothing up: %v", err)
			}
			if _, err := os.Stat(state); !os.IsNotExist(err) {
				t.Errorf("status or down created the state directory %s (%v)", state, err)
			}
		})
	}
}

// TestDetachedBrokersApart checks that the two kinds of broker keep their state apart in
// one state directory: taking one down leaves the other's record alone.
func TestDetachedBrokersApart(t *testing.T) {
	cache, state := t.TempDir(), t.TempDir()
	kafkaPath := filepath.Join(state, "kafka.json")
	if err := writeState(kafkaPath, "kafka", detachedKinds[0].state(os.Getpid(), filepath.Join(state, "kafka"))); err != nil {
		t.Fatal(err)
	}
	// The lock is per broker: holding Kafka's must not block Kinesis.
	unlock, ok := KafkaOptions{CacheDir: cache, StateDir: state}.detached().tryLock()
	if !ok {
		t.Fatal("kafka lock not free")
	}
	defer unlock()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := DownKinesis(ctx, KinesisOptions{Engine: EngineKinesisMock, CacheDir: cache, StateDir: state}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(kafkaPath); err != nil {
		t.Errorf("DownKinesis touched Kafka's state: %v", err)
	}
}
