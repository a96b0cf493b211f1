package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"streambench/peer"
)

func TestPeerUsage(t *testing.T) {
	for _, args := range [][]string{
		{"peer", "--only", "nosuch"},
		{"peer", "--repeat", "0"},
		{"peer", "--scale", "-1"},
		{"peer", "extra"},
	} {
		code, _, stderr := runBench(args...)
		if code != exitUsage || !strings.Contains(stderr, "Usage: bench peer") {
			t.Errorf("%v: exit %d, want %d with the usage\n%s", args, code, exitUsage, stderr)
		}
	}
}

// TestPeer runs the whole comparison, shortened, against the shared broker: each
// measurement must have a sample of bench and one of its peer, with figures, and the
// stall must show in bench's latency. The figures themselves are docs/performance.md's
// business, measured on a quiet machine: here the machine is busy with the tests.
func TestPeer(t *testing.T) {
	needUpKafka(t, "bench peer pauses the broker of 'bench brokers up' for its stall")
	dir := t.TempDir()
	bin := filepath.Join(dir, "bench")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out := filepath.Join(dir, "out")
	cmd := exec.Command(bin, "peer", "--scale", "0.02", "--repeat", "1", "--out", out)
	stdout, err := cmd.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("bench peer: %v\n%s\n%s", err, stdout, stderr)
	}
	files, _ := filepath.Glob(filepath.Join(out, "peer", "*", "peer.json"))
	if len(files) != 1 {
		t.Fatalf("peer.json files: %v", files)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var outs []peer.Outcome
	if err := json.Unmarshal(data, &outs); err != nil {
		t.Fatal(err)
	}
	if len(outs) != len(peer.Names()) {
		t.Fatalf("%d measurements, want %d", len(outs), len(peer.Names()))
	}
	for _, o := range outs {
		tools := map[string]bool{}
		for _, s := range o.Samples {
			tools[s.Tool] = true
			if len(s.Values) == 0 || s.Values["records"] <= 0 {
				t.Errorf("%s: %s sample without figures: %+v", o.Name, s.Tool, s)
			}
			if _, err := os.Stat(s.Output); err != nil {
				t.Errorf("%s: %s output: %v", o.Name, s.Tool, err)
			}
		}
		if len(tools) != 2 || !tools["bench"] || o.Err != "" {
			t.Errorf("%s: tools %v, error %q: want bench and %s", o.Name, tools, o.Err, o.Peer)
		}
		if !strings.Contains(string(stdout), "### "+o.Title+": bench vs "+o.Peer) {
			t.Errorf("no table for %s on stdout", o.Name)
		}
		if o.Name == peer.Stall {
			for _, s := range o.Samples {
				if s.Tool == "bench" && s.Values["max_ms"] < 750 {
					t.Errorf("bench's highest publish latency %.0f ms through a 1 s stall: the stall does not show", s.Values["max_ms"])
				}
			}
		}
	}
	md, err := os.ReadFile(filepath.Join(filepath.Dir(files[0]), "peer.md"))
	if err != nil || !strings.Contains(string(md), "### Targets") {
		t.Errorf("peer.md: %v; want the tables and the targets", err)
	}
}
