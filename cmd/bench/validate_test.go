package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestValidateBadInput: 'bench validate' fails (exit status 2) on files from the
// loader's bad-input corpus and on generated ones, printing each problem as
// file:line:col, and prints nothing on standard output for them.
func TestValidateBadInput(t *testing.T) {
	corpus := func(name string) string { return filepath.Join("..", "..", "bench", "testdata", "scenarios", name) }
	deep := writeScenario(t, "name: deep\ntargets: "+strings.Repeat("[", 10_000)+"\n")
	for _, tc := range []struct {
		file string
		want []string // after "file:"
	}{
		{corpus("bad-huge.yaml"), []string{
			`3:11: duration: invalid duration "99999999999h": out of range: at most 2562047h, about 292 years`,
			`7:16: topology.replication: 9223372036854775808 is out of range`,
			`12:14: workload.consumers: -9223372036854775809 is out of range`,
		}},
		{corpus("bad-documents-empty.yaml"), []string{
			`5:1: YAML: a document follows an empty one (--- with nothing under it), and the parser would drop it: remove the empty one`,
		}},
		{corpus("bad-random.yaml"), []string{
			`1:1: invalid UTF-8 (byte 0xa5): a scenario must be a YAML text file`,
		}},
		{corpus("bad-alias-bomb.yaml"), []string{
			`15:9: probes: aliases (*i) are not supported: write the value out in full`,
		}},
		{deep, []string{
			`2:110: YAML: nested more than 100 levels deep`,
		}},
	} {
		code, stdout, stderr := runBench("validate", tc.file)
		if code != exitUsage || stdout != "" {
			t.Errorf("validate %s: exit %d, want %d; stdout %q", tc.file, code, exitUsage, stdout)
		}
		for _, want := range tc.want {
			if !strings.Contains(stderr, tc.file+":"+want+"\n") {
				t.Errorf("validate %s: stderr lacks %q:\n%s", tc.file, tc.file+":"+want, stderr)
			}
		}
	}
}
