package brokers

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestRunScopedDataUnderStateDir checks that a run-scoped broker's data directory is made
// under the state directory, not the cache directory that every job on the machine
// shares: two jobs with their own BENCH_STATE_DIR must never meet there.
func TestRunScopedDataUnderStateDir(t *testing.T) {
	cache, state := t.TempDir(), t.TempDir()
	c := baseConfig{name: "kafka", cacheDir: cache, stateDir: state}
	var got string
	_, _, err := startRunScoped(c, func(dataDir string) (*child, KafkaState, error) {
		got = dataDir
		return nil, KafkaState{}, errors.New("no broker in this test")
	})
	if err == nil {
		t.Fatal("startRunScoped succeeded with a launch that fails")
	}
	if want := filepath.Join(state, runDirName) + string(filepath.Separator); !strings.HasPrefix(got, want) {
		t.Errorf("data directory %s, want it under %s", got, want)
	}
	if _, err := os.Stat(filepath.Join(cache, "run")); !os.IsNotExist(err) {
		t.Errorf("cache directory has a run directory (%v): run-scoped data must not land there", err)
	}
}

// TestCleanRunData checks what 'bench brokers down' does with the data directory of a
// bench killed with SIGKILL (its owner.pid names a process that is gone): it is removed,
// while that of a bench still running (this test) is kept.
func TestCleanRunData(t *testing.T) {
	if !parentDeathSignal {
		t.Skip("no parent-death signal on this OS: a broker may outlive its bench, so its data is never swept")
	}
	state := t.TempDir()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	left := filepath.Join(state, runDirName, "kafka-killed")
	mine := filepath.Join(state, runDirName, "kinesis-running")
	for dir, pid := range map[string]int{left: dead.Process.Pid, mine: os.Getpid()} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(strconv.Itoa(pid)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	removed := CleanRunData(state)
	if len(removed) != 1 || removed[0] != left {
		t.Errorf("CleanRunData removed %v, want [%s]", removed, left)
	}
	if _, err := os.Stat(left); !os.IsNotExist(err) {
		t.Errorf("the killed bench's data %s is still there (%v)", left, err)
	}
	if _, err := os.Stat(mine); err != nil {
		t.Errorf("the running bench's data %s was removed: %v", mine, err)
	}
}
