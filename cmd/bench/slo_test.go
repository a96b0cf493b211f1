package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"streambench/report"
	"streambench/session"
)

// sloScenario is a short loopback scenario with the given slo block.
func sloScenario(t *testing.T, extra, slo string) string {
	t.Helper()
	return writeScenario(t, "name: slo\ntargets: [loopback]\nduration: 1s\nwarmup: 0s\ndrain: 1s\nworkload:\n  rate: 500\n"+extra+"slo:\n"+slo)
}

// TestSLOExitCodes runs bench through its command path on the loopback target: an
// SLO no run can hold exits with the SLO code, generous ones with 0, a figure that
// cannot be measured fails, and the verdicts are printed and written into the result.
func TestSLOExitCodes(t *testing.T) {
	t.Run("impossible", func(t *testing.T) {
		out := t.TempDir()
		sc := sloScenario(t, "", "  - {metric: latency.end_to_end.p99, max: 1ns}\n  - {metric: counts.lost, max: 0}\n")
		code, stdout, stderr := runBench("run", sc, "--out", out)
		if code != exitSLO {
			t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitSLO, stdout, stderr)
		}
		for _, want := range []string{"\nSLOs:\n", "  loopback: latency.end_to_end.p99 ≤ 1ns: FAILED (", " ms)\n", "  loopback: counts.lost ≤ 0: held (0)\n"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("stdout lacks %q:\n%s", want, stdout)
			}
		}
		if !strings.Contains(stderr, "bench run: an SLO did not hold") {
			t.Errorf("stderr:\n%s", stderr)
		}
		r, _ := onlyResult(t, out)
		if len(r.SLO) != 2 || r.SLO[0].Held || r.SLO[0].Value == nil || *r.SLO[0].Value <= 0 || !r.SLO[1].Held || !r.SLO[1].Integrity {
			t.Errorf("verdicts in the result: %+v", r.SLO)
		}
		// bench report shows them.
		code, stdout, _ = runBench("report", onlyPath(t, out))
		if code != exitOK || !strings.Contains(stdout, "SLO latency.end_to_end.p99 ≤ 1ns: FAILED (") {
			t.Errorf("bench report: exit %d\n%s", code, stdout)
		}
	})
	t.Run("generous", func(t *testing.T) {
		sc := sloScenario(t, "", "  - {metric: latency.end_to_end.p99, max: 1h}\n  - {metric: counts.lost, max: 0}\n"+
			"  - {metric: counts.duplicated, max: 0}\n  - {metric: throughput.received_percent_of_requested, min: 50%}\n")
		code, stdout, stderr := runBench("run", sc, "--out", t.TempDir())
		if code != exitOK || strings.Count(stdout, ": held (") != 4 || strings.Contains(stdout, "FAILED") {
			t.Errorf("exit %d, want 0 and four held\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
	})
	t.Run("not measured", func(t *testing.T) {
		// Without consumers nothing is received: no end-to-end latency, which fails.
		sc := sloScenario(t, "  consumers: 0\n", "  - {metric: latency.end_to_end.p99, max: 1h}\n")
		code, stdout, stderr := runBench("run", sc, "--out", t.TempDir())
		if code != exitSLO || !strings.Contains(stdout, "loopback: latency.end_to_end.p99 ≤ 1h0m0s: FAILED, not measured: no end_to_end latency was recorded") {
			t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
	})
}

// onlyPath is the path of the one result file under dir.
func onlyPath(t *testing.T, dir string) string {
	t.Helper()
	_, path := onlyResult(t, dir)
	return path
}

// TestSLORepeat: with --repeat 2 each run is judged and so is the median, which sets
// the exit code.
func TestSLORepeat(t *testing.T) {
	out := t.TempDir()
	sc := sloScenario(t, "", "  - {metric: latency.end_to_end.p99, max: 1ns}\n  - {metric: latency.end_to_end.p50, max: 1h}\n")
	code, stdout, stderr := runBench("run", sc, "--repeat", "2", "--out", out)
	if code != exitSLO {
		t.Errorf("exit %d, want %d\nstderr:\n%s", code, exitSLO, stderr)
	}
	for _, want := range []string{
		"SLOs (each run, then the median of its repetitions, which the exit code follows):",
		"  loopback, run 1 of 2: latency.end_to_end.p99 ≤ 1ns: FAILED (",
		"  loopback, run 2 of 2: latency.end_to_end.p99 ≤ 1ns: FAILED (",
		"  loopback, run 1 of 2: latency.end_to_end.p50 ≤ 1h0m0s: held (",
		"  loopback, median of 2 runs: latency.end_to_end.p99 ≤ 1ns: FAILED (",
		"  loopback, median of 2 runs: latency.end_to_end.p50 ≤ 1h0m0s: held (",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	files, _ := filepath.Glob(filepath.Join(out, "slo", "*.json"))
	if len(files) != 2 {
		t.Fatalf("result files %v", files)
	}
	for _, f := range files {
		if r, err := report.Read(f); err != nil || len(r.SLO) != 2 || r.SLO[0].Held || !r.SLO[1].Held {
			t.Errorf("%s: %v, verdicts %+v", f, err, r.SLO)
		}
	}
}

// TestSLOIntegrityExitCode: a failed SLO on lost or duplicated messages exits with the
// integrity code. The loopback target loses nothing honestly (a consumer it stops is
// never replaced: the scenario is refused, or the run fails, which is a harness error),
// so the code is tested from the session's error, the one mainCode maps; judging
// lost messages into that error is report's TestJudge and TestJudgeMedian.
func TestSLOIntegrityExitCode(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{&session.SLOError{Outcome: report.IntegrityFailed}, exitIntegrity},
		{fmt.Errorf("wrapped: %w", &session.SLOError{Outcome: report.IntegrityFailed}), exitIntegrity},
		{&session.SLOError{Outcome: report.SLOFailed}, exitSLO},
	} {
		if got := sloExit(tc.err); got != tc.want {
			t.Errorf("%v: exit %d, want %d", tc.err, got, tc.want)
		}
	}
	if exitSLO != 99 || exitIntegrity != 98 || exitIntegrity == exitSLO || exitIntegrity == exitFailed || exitSLO == exitUsage || exitSLO == exitInterrupted {
		t.Error("the exit codes collide")
	}
}

// TestValidateSLO: bench validate and bench run refuse a misspelt metric and a target
// the scenario does not run, at their place, with a suggestion.
func TestValidateSLO(t *testing.T) {
	sc := sloScenario(t, "", "  - {metric: latency.end_to_end.p99x, max: 50ms}\n  - {metric: counts.lost, max: 0, targets: [kafka]}\n")
	for _, cmd := range [][]string{{"validate", sc}, {"run", sc, "--out", t.TempDir()}} {
		code, _, stderr := runBench(cmd...)
		if code != exitUsage {
			t.Errorf("%s: exit %d, want %d", cmd[0], code, exitUsage)
		}
		for _, want := range []string{
			sc + `:9:14: slo[0].metric: unknown metric "latency.end_to_end.p99x" (did you mean "latency.end_to_end.p99"?)`,
			sc + `:10:45: slo[1].targets[0]: "kafka" is not a target of the scenario (known: loopback)`,
		} {
			if !strings.Contains(stderr, want) {
				t.Errorf("%s: stderr lacks %q:\n%s", cmd[0], want, stderr)
			}
		}
	}
	good := sloScenario(t, "", "  - {metric: latency.end_to_end.p99, max: 50ms}\n")
	if code, stdout, stderr := runBench("validate", good); code != exitOK || !strings.Contains(stdout, ": ok") {
		t.Errorf("validate a good slo block: exit %d\n%s%s", code, stdout, stderr)
	}
}
