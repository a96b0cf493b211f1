package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestRunLargeMessages: 100 MiB messages (the largest message_size) at 1 msg/s run
// through the loopback target (issue 17: the run died of a 50 GiB allocation), and at
// rate max, where 1000 of them in flight per producer would not fit in memory, the run is
// refused before anything starts, naming the fields and the figure.
func TestRunLargeMessages(t *testing.T) {
	// A long drain: under -race on a busy machine, making and checking one 100 MiB message
	// took up to 9 s in CI. The drain ends once both are received.
	const large = "name: large\ntargets: [loopback]\nduration: 2s\nwarmup: 0s\ndrain: 1m\nworkload:\n  message_size: 104857600\n  rate: "
	out := filepath.Join(t.TempDir(), "out")
	if code, stdout, stderr := runBench("run", "--out", out, writeScenario(t, large+"1\n")); code != exitOK {
		t.Fatalf("100 MiB at 1 msg/s: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	r, _ := onlyResult(t, out)
	if r.Counts.Received != 2 || r.Counts.Lost != 0 {
		t.Errorf("100 MiB at 1 msg/s for 2s: counts %+v, want 2 received, none lost", r.Counts)
	}

	code, _, stderr := runBench("run", "--out", out, writeScenario(t, large+"max\n"))
	want := "the run's messages would not fit in memory: workload.rate max keeps workload.producers 1 × workload.max_in_flight 1000 messages of workload.message_size 104857600 bytes"
	if code != exitUsage || !strings.Contains(stderr, want) || strings.Contains(stderr, "load started") {
		t.Errorf("100 MiB at rate max: exit %d, want %d, refused before the load with %q:\n%s", code, exitUsage, want, stderr)
	}
}
