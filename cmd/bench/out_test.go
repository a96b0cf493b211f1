package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"streambench/report"
)

// loopbackScenario is a short run without a broker.
const loopbackScenario = "name: lb\ntargets: [loopback]\nduration: 2s\nwarmup: 0s\ndrain: 1s\nworkload:\n  rate: 100\n"

// TestRunOutCheckedFirst: an --out where no result can be written (here a file) is
// refused before anything runs (issue 17: the whole run happened, then its result was
// lost).
func TestRunOutCheckedFirst(t *testing.T) {
	out := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(out, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runBench("run", "--out", out, writeScenario(t, loopbackScenario))
	want := "--out " + out + ": results cannot be written there, so nothing was run: mkdir " + out + ": not a directory"
	if code != exitUsage || !strings.HasPrefix(stderr, want) || stdout != "" || strings.Contains(stderr, "load started") {
		t.Errorf("exit %d, want %d, and stderr starting %q, without a run:\nstdout:\n%s\nstderr:\n%s", code, exitUsage, want, stdout, stderr)
	}
}

// TestRunKeepsResultWhenOutFails: when --out, fine before the run, cannot be written at
// its end (here replaced by a file during the run), the result is kept under the state
// directory, the HTML report beside it, and bench says where and exits 1.
func TestRunKeepsResultWhenOutFails(t *testing.T) {
	state := t.TempDir()
	t.Setenv("BENCH_STATE_DIR", state)
	out := filepath.Join(t.TempDir(), "out")
	go func() {
		// CheckDir makes out/lb before the run; the run lasts 2s.
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if _, err := os.Stat(filepath.Join(out, "lb")); err == nil {
				break
			}
		}
		time.Sleep(500 * time.Millisecond)
		os.RemoveAll(out)
		os.WriteFile(out, nil, 0o644)
	}()
	code, _, stderr := runBench("run", "--out", out, writeScenario(t, loopbackScenario))
	m := regexp.MustCompile(`the result was kept at (\S+\.json) instead`).FindStringSubmatch(stderr)
	if code != exitFailed || m == nil {
		t.Fatalf("exit %d, want %d and the place the result was kept:\n%s", code, exitFailed, stderr)
	}
	if !strings.HasPrefix(m[1], filepath.Join(state, "results", "lb")+string(filepath.Separator)) {
		t.Errorf("result kept at %s, want it under %s", m[1], filepath.Join(state, "results"))
	}
	if _, err := report.Read(m[1]); err != nil {
		t.Errorf("the kept result does not read: %v", err)
	}
	if html, _ := filepath.Glob(filepath.Join(filepath.Dir(m[1]), "*-report.html")); len(html) != 1 {
		t.Errorf("HTML reports beside the kept result: %v, want one\n%s", html, stderr)
	}
	if strings.Contains(stderr, "no such file or directory") {
		t.Errorf("a message blames a missing file:\n%s", stderr)
	}
}
