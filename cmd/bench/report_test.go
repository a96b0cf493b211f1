package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"streambench/report"
)

// The result files the report package's tests generate and check in.
var testResults = filepath.Join("..", "..", "report", "testdata", "results")

func result(parts ...string) string { return filepath.Join(append([]string{testResults}, parts...)...) }

func TestReportCommand(t *testing.T) {
	code, stdout, stderr := runBench("report", result("small-msgs"))
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, want := range []string{"small-msgs · kafka — real broker, local", "small-msgs · kinesis — EMULATOR (not the real service)", "runs:     3,", "driver: throttled", "end-to-end    min"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, stdout)
		}
	}

	code, stdout, _ = runBench("report", "--format", "json", result("small-msgs"), "--each")
	var summary struct{ Groups []struct{ Label string } }
	if err := json.Unmarshal([]byte(stdout), &summary); code != exitOK || err != nil || len(summary.Groups) != 6 {
		t.Errorf("json --each: exit %d, %v, %d groups, want 6:\n%s", code, err, len(summary.Groups), stdout)
	}

	r, err := report.Read(result("other", "20261125T090000Z-kafka.json"))
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = runBench("report", "--format", "hgrm", "--metric", "publish", result("other"))
	footer := fmt.Sprintf("#[Max     = %12.3f, Total count    = %12d]", r.Latency.Publish.Max/1e3, r.Latency.Publish.Count)
	if code != exitOK || !strings.HasPrefix(stdout, "       Value     Percentile TotalCount 1/(1-Percentile)\n\n") || !strings.Contains(stdout, footer) {
		t.Errorf("hgrm: exit %d, want the publish histogram, ending %q:\n%s%s", code, footer, stdout, stderr)
	}
}

func TestReportOutputFile(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "report.md")
	_, want, _ := runBench("report", "--format", "markdown", result("other"))
	if code, stdout, stderr := runBench("report", "--format", "markdown", "-o", out, result("other")); code != exitOK || stdout != "" {
		t.Fatalf("exit %d, stdout %q\n%s", code, stdout, stderr)
	}
	got, err := os.ReadFile(out)
	if err != nil || string(got) != want || !strings.HasPrefix(want, "## small-msgs · kafka") {
		t.Errorf("-o wrote %q (%v), want what standard output gets:\n%s", got, err, want)
	}
	// A failure leaves the file as it was, and no temporary file behind.
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"report", "-o", out, result("other"), bad},
		{"compare", "-o", out, result("small-msgs"), bad},
	} {
		if code, _, stderr := runBench(args...); code != exitFailed || !strings.Contains(stderr, bad) {
			t.Errorf("%v: exit %d, want %d and the bad file named:\n%s", args, code, exitFailed, stderr)
		}
	}
	if again, _ := os.ReadFile(out); !bytes.Equal(again, got) {
		t.Errorf("a failed report changed %s", out)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("%d files in %s, want report.md and bad.json only", len(entries), dir)
	}
	if code, _, stderr := runBench("report", "-o", filepath.Join(dir, "no", "such", "dir", "r.txt"), result("other")); code != exitFailed || !strings.Contains(stderr, "-o ") {
		t.Errorf("-o into a missing directory: exit %d\n%s", code, stderr)
	}
}

func TestCompareCommand(t *testing.T) {
	code, stdout, stderr := runBench("compare", result("small-msgs", "20261124T140000Z-kafka.json"), result("small-msgs", "20261124T140100Z-kinesis.json"))
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, want := range []string{"warning: kinesis ran against an emulator", "vs kafka", "50.1×", "one run each: no spread, ratios are single measurements."} {
		if !strings.Contains(stdout, want) {
			t.Errorf("compare lacks %q:\n%s", want, stdout)
		}
	}
	// The same target across runs: before and after a change, three runs each.
	code, stdout, stderr = runBench("compare", "--format", "markdown", result("small-msgs", "20261124T140000Z-kafka.json"),
		result("small-msgs", "20261124T140200Z-kafka.json"), result("small-msgs", "20261124T140400Z-kafka.json"), result("after"))
	if code != exitOK || !strings.Contains(stdout, "| kafka (bench v0.1.0) | kafka (bench v0.2.0) |") || !strings.Contains(stdout, "(n.s.)") {
		t.Errorf("before/after: exit %d\n%s%s", code, stdout, stderr)
	}
	// --each makes a column of every run.
	if code, stdout, _ := runBench("compare", "--each", result("after")); code != exitOK || !strings.Contains(stdout, "kafka (2026-11-24 14:32:00)") {
		t.Errorf("--each: exit %d\n%s", code, stdout)
	}
}

func TestReportCompareUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"report"},
		{"report", "--format", "pdf", result("other")},
		{"report", "--metric", "publish", result("other")},
		{"report", "--format", "hgrm", "--metric", "e2e", result("other")},
		{"report", "--format", "hgrm", result("small-msgs")},
		{"report", "--nope", result("other")},
		{"compare"},
		{"compare", result("other")},
		{"compare", result("after")},
		{"compare", "--format", "json", result("small-msgs")},
	} {
		if code, _, stderr := runBench(args...); code != exitUsage || !strings.Contains(stderr, "Usage: bench "+args[0]) {
			t.Errorf("%v: exit %d, want %d with the command's help\n%s", args, code, exitUsage, stderr)
		}
	}
	for _, cmd := range []string{"report", "compare"} {
		if code, stdout, _ := runBench("help", cmd); code != exitOK || !strings.Contains(stdout, "Examples:\n  bench "+cmd) {
			t.Errorf("help %s: exit %d\n%s", cmd, code, stdout)
		}
	}
	if _, stdout, _ := runBench("help"); !strings.Contains(stdout, "bench report RESULT") || !strings.Contains(stdout, "bench compare RESULT RESULT") {
		t.Errorf("bench help does not list report and compare:\n%s", stdout)
	}
}

// TestReportBadFiles: a file that is not a result, or an empty directory, fails every
// command that reads results (report, compare, verify --from) with exit status 1, no
// help, a message naming it, and nothing written: no output on standard output, no -o
// file, no verdicts.
func TestReportBadFiles(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile(result("other", "20261125T090000Z-kafka.json"))
	if err != nil {
		t.Fatal(err)
	}
	noVersion := bytes.Replace(good, []byte(`"schema_version": 2,`), nil, 1)
	if bytes.Equal(noVersion, good) {
		t.Fatal("the good result has no schema_version to remove")
	}
	claims := filepath.Join("..", "..", "scenarios", "claims", "tutorial.yaml")
	for _, tc := range []struct {
		name string
		data []byte // nil: no such file, or an empty directory
		want string
	}{
		{"text.json", []byte("not json"), "not a result file (not JSON"},
		{"truncated.json", good[:len(good)/2], "not a result file (not JSON: unexpected end of JSON input)"},
		{"scenario.json", []byte(`{"name": "x", "targets": ["kafka"]}`), "not a result file (no schema_version)"},
		{"no-version.json", noVersion, "not a result file (no schema_version)"},
		{"v99.json", bytes.Replace(good, []byte(`"schema_version": 2`), []byte(`"schema_version": 99`), 1), "result schema_version 99, this bench reads versions 1 to 2"},
		// Values that cannot be (issue 17: these printed "-5 / …", and exit 0).
		{"negative.json", bytes.Replace(good, []byte(`"sent": 17500,`), []byte(`"sent": -5,`), 1), "counts.sent: -5 is negative"},
		{"bad-hdr.json", bytes.Replace(good, []byte(`"hdr": "HISTFAAA`), []byte(`"hdr": "!HISTFAAA`), 1), "latency.publish.hdr: histogram does not decode"},
		{"missing.json", nil, "no such file or directory"},
		{"empty", nil, "no result files (*.json) in this directory"},
	} {
		// Each bad file alone in a directory of its own, for verify --from.
		from := filepath.Join(dir, tc.name+".d")
		path := filepath.Join(from, tc.name)
		if err := os.Mkdir(from, 0o755); err != nil {
			t.Fatal(err)
		}
		switch {
		case tc.data != nil:
			err = os.WriteFile(path, tc.data, 0o644)
		case tc.name == "empty":
			from, path = filepath.Join(from, "empty"), filepath.Join(from, "empty")
			err = os.Mkdir(path, 0o755)
		default:
			from = path // verify --from a directory that is not there
		}
		if err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, tc.name+".out")
		for _, args := range [][]string{
			{"report", path, result("small-msgs")},
			{"report", "-o", out, path, result("small-msgs")},
			{"compare", path, result("small-msgs")},
			{"compare", "-o", out, "--format", "markdown", result("small-msgs"), path},
			{"verify", "--from", from, claims},
		} {
			code, stdout, stderr := runBench(args...)
			if code != exitFailed || !strings.Contains(stderr, path+": "+tc.want) || strings.Contains(stderr, "Usage:") {
				t.Errorf("%s: exit %d, want %d and %q:\n%s", strings.Join(args, " "), code, exitFailed, path+": "+tc.want, stderr)
			}
			if stdout != "" {
				t.Errorf("%s: wrote to standard output:\n%s", strings.Join(args, " "), stdout)
			}
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("%s: a failed report wrote %s (%v)", tc.name, out, err)
		}
		if written, _ := filepath.Glob(filepath.Join(from, "verdicts.*")); len(written) != 0 {
			t.Errorf("%s: a failed verify wrote %v", tc.name, written)
		}
	}
}
