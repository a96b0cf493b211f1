package brokers

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Helpers shared by the tests of both kinds of broker.

// deadPID returns the pid of a process that has exited and been reaped.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

// pathWith returns a directory to use as PATH holding the named tools: "java" with an empty
// body links to the real one; anything else is a shell script with the given body.
func pathWith(t *testing.T, tools map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range tools {
		if name == "java" && body == "" {
			real, err := exec.LookPath("java")
			if err != nil {
				t.Skip("java not on PATH")
			}
			if err := os.Symlink(real, filepath.Join(dir, "java")); err != nil {
				t.Fatal(err)
			}
			continue
		}
		// The scripts run with PATH set to dir alone: give them the usual tools back.
		script := "#!/bin/sh\nPATH=/usr/bin:/bin\n" + body + "\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// integration skips a test that runs real brokers with -short, or when one of the tools
// it needs is not on PATH; in CI (when $CI is non-empty) a missing tool fails it instead,
// so that it is never mistaken for a passing test.
func integration(t *testing.T, tools ...string) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a real broker; skipped with -short")
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is required in CI: %v", tool, err)
			}
			t.Skipf("%s not on PATH", tool)
		}
	}
}

// errMentions fails the test unless err mentions every one of wants; what names the case.
func errMentions(t *testing.T, what string, err error, wants ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want one mentioning %q", what, wants)
		return
	}
	for _, w := range wants {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%s: error does not mention %q:\n%v", what, w, err)
		}
	}
}

// toolRuns points the environment variable env at a fresh file, in which a fake tool
// records each run, and returns a function that counts the runs so far.
func toolRuns(t *testing.T, env string) func() int {
	path := filepath.Join(t.TempDir(), "runs")
	t.Setenv(env, path)
	return func() int {
		b, _ := os.ReadFile(path)
		return strings.Count(string(b), "run")
	}
}

func assertNoFetchLeftovers(t *testing.T, cacheDir string) {
	t.Helper()
	left, _ := filepath.Glob(filepath.Join(cacheDir, ".*"))
	if len(left) > 0 {
		t.Errorf("temporary directories left in cache: %v", left)
	}
}

// assertInstallFailed checks what a failed install into cacheDir leaves: no directory for
// the version, and no temporary one.
func assertInstallFailed(t *testing.T, cacheDir, versionDir string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(cacheDir, versionDir)); !os.IsNotExist(err) {
		t.Errorf("failed install left a version directory (%v)", err)
	}
	assertNoFetchLeftovers(t, cacheDir)
}

// assertStartFailed checks what a failed run-scoped start of the broker called name leaves
// in cacheDir and stateDir: no process, no data directory, and its log kept beside the data
// directories, holding logWant (unless empty).
func assertStartFailed(t *testing.T, cacheDir, stateDir, name, logWant string) {
	t.Helper()
	if left := processesMentioning(cacheDir); len(left) > 0 {
		t.Errorf("processes left running: %v", left)
	}
	runDir := filepath.Join(stateDir, runDirName)
	kept := failedLogFileName(name)
	left, _ := filepath.Glob(filepath.Join(runDir, name+"-*"))
	left = slices.DeleteFunc(left, func(p string) bool { return filepath.Base(p) == kept })
	if len(left) > 0 {
		t.Errorf("data directories left: %v", left)
	}
	if logWant != "" {
		b, _ := os.ReadFile(filepath.Join(runDir, kept))
		if !strings.Contains(string(b), logWant) {
			t.Errorf("kept log %s = %q, want it to hold %q", kept, b, logWant)
		}
	}
}

// waitFor polls cond for up to 5s, failing the test with what if it never holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal(what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// testDiesWithParent runs the calling test again in a child process, in which start
// starts a run-scoped broker and the child exits without stopping it. The parent-death
// signal must take the broker down with the child, and the next start's sweep must remove
// the data directory the child left.
func testDiesWithParent(t *testing.T, start func() (pid int, dataDir string, err error)) {
	t.Helper()
	if !parentDeathSignal {
		t.Skip("no parent-death signal on this OS")
	}
	if os.Getenv("BROKERS_TEST_ORPHAN") == t.Name() {
		pid, dir, err := start()
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(2)
		}
		// Busy goroutines that lock and leave threads: the thread that started the broker
		// must not be among those retired.
		for range 8 {
			go func() { runtimeLockAndExit() }()
		}
		time.Sleep(500 * time.Millisecond)
		fmt.Printf("pid=%d dir=%s\n", pid, dir)
		os.Exit(0) // no Stop: that is the point
	}
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v=false")
	cmd.Env = append(os.Environ(), "BROKERS_TEST_ORPHAN="+t.Name())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	var pid int
	var dir string
	for _, line := range strings.Split(string(out), "\n") {
		if _, err := fmt.Sscanf(line, "pid=%d dir=%s", &pid, &dir); err == nil {
			break
		}
	}
	if pid == 0 {
		t.Fatalf("child printed no pid:\n%s", out)
	}
	if !waitGone(t.Context(), pid, 10*time.Second) {
		signalGroup(pid, syscall.SIGKILL)
		t.Fatalf("broker pid %d outlived the process that started it", pid)
	}
	sweepRunDirs(filepath.Dir(dir))
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("orphaned data dir %s not swept (%v)", dir, err)
	}
}

// processesMentioning lists pids whose command line contains s.
func processesMentioning(s string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(b), s) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// runtimeLockAndExit retires its OS thread, as a goroutine that locks its thread and
// returns does.
func runtimeLockAndExit() {
	runtime.LockOSThread()
}

func syscallKill(pid int) {
	if pid > 0 {
		syscall.Kill(pid, syscall.SIGKILL)
	}
}
