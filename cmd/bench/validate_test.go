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
			`3:11: duration: must be more than 0 and at most 24h`,
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

// TestValidateFirstLineNamesTheRule: the first line of each error names the rule the
// input breaks, not a side effect of it (issue 17): the 24h limit of duration rather than
// the largest duration Go holds, acks' values rather than idempotence's need of acks all,
// and the refusal of anchors and aliases rather than the unknown field an alias bomb
// sits under.
func TestValidateFirstLineNamesTheRule(t *testing.T) {
	bomb := filepath.Join("..", "..", "bench", "testdata", "scenarios", "bad-alias-bomb.yaml")
	for _, tc := range []struct {
		name string
		args []string
		want string // the first line of stderr, after "file:"
	}{
		{"duration", []string{"validate", writeScenario(t, "name: d\ntargets: [loopback]\nduration: 9999999h\n")},
			`3:11: duration: must be more than 0 and at most 24h`},
		{"--duration", []string{"run", "--duration", "9999999h", writeScenario(t, "name: d\ntargets: [loopback]\n")},
			`duration: must be more than 0 and at most 24h`},
		{"acks", []string{"validate", writeScenario(t, "name: a\ntargets: [kafka]\nkafka:\n  acks: sometimes\n")},
			`4:9: kafka.acks: must be all, 1 or 0, not "sometimes"`},
		{"alias bomb", []string{"validate", bomb},
			`6:6: lol.a: anchors (&a) are not supported: write every value out in full`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runBench(tc.args...)
			first, rest, _ := strings.Cut(stderr, "\n")
			if strings.HasSuffix(first, ", after the command-line overrides:") {
				first, _, _ = strings.Cut(rest, "\n") // that line only says where the error is
			}
			if code != exitUsage || !strings.HasSuffix(first, tc.want) {
				t.Errorf("bench %s: exit %d, first line %q; want exit %d and a first line ending %q\n%s",
					strings.Join(tc.args, " "), code, first, exitUsage, tc.want, stderr)
			}
		})
	}
}
