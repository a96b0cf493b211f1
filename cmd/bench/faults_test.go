package main

import (
	"path/filepath"
	"strings"
	"testing"

	"streambench/bench"
	"streambench/report"
)

// TestFaultScenarios runs every shipped fault scenario, at 0.4 of its length, against the
// brokers of 'bench brokers up' (scripts/test starts them; the broker faults need a
// broker bench runs itself), and checks what each must show: its fault's window and
// effect in the result, and the integrity counts a correct broker and harness give.
func TestFaultScenarios(t *testing.T) {
	needUpBrokers(t, "the faults pause and kill the local Kafka")

	// exact says which targets must lose and duplicate nothing: Kafka with acks=all and
	// idempotence through every fault. The emulator and the weak acks are measured, not
	// judged; a run that loses what it acknowledged must still account for every message.
	for _, tc := range []struct {
		file   string
		faults []string
		exact  map[string]bool
		// atLeast is what the highest end-to-end latency must reach, in ms: three
		// quarters of a 2 s pause or cut (the scenarios' 5 s at 0.4), which a message
		// due just after the fault began waits out.
		atLeast map[string]float64
	}{
		{"broker-pause", []string{bench.ActionPauseBroker}, map[string]bool{"kafka": true}, map[string]float64{"kafka": 1500, "kinesis": 1500}},
		{"broker-kill", []string{bench.ActionKillBroker}, map[string]bool{"kafka": true}, map[string]float64{"kafka": 1000}},
		{"broker-kill-acks", []string{bench.ActionKillBroker}, nil, nil},
		{"network-slow", []string{bench.ActionSlowNetwork, bench.ActionSlowNetwork}, map[string]bool{"kafka": true}, map[string]float64{"kafka": 100, "kinesis": 100}},
		{"network-cut", []string{bench.ActionCutNetwork}, map[string]bool{"kafka": true}, map[string]float64{"kafka": 1500, "kinesis": 1500}},
		{"consumer-kill", []string{bench.ActionKillConsumers}, map[string]bool{"kafka": true}, map[string]float64{"kafka": 500}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			runFaultScenario(t, "../../scenarios/faults/"+tc.file+".yaml", tc.faults, tc.exact, tc.atLeast)
		})
	}
}

// runFaultScenario runs the fault scenario file at 0.4 of its length (unless args give
// another --time-scale, which comes later and wins), with the bench flags args, and checks each target's result: its faults (checkFaults), counts that add
// up, nothing lost or duplicated for the targets exact names, a complete replay. It
// returns the results.
func runFaultScenario(t *testing.T, file string, faults []string, exact map[string]bool, atLeast map[string]float64, args ...string) []*report.Result {
	t.Helper()
	out := t.TempDir()
	args = append(append([]string{"run", "--time-scale", "0.4", "--out", out}, args...), file)
	code, _, stderr := runBench(args...)
	if code != exitOK {
		t.Fatalf("bench %s: exit %d\n%s", strings.Join(args, " "), code, stderr)
	}
	name := strings.TrimSuffix(filepath.Base(file), ".yaml")
	files, _ := filepath.Glob(filepath.Join(out, name, "*.json"))
	if len(files) == 0 {
		t.Fatalf("no result\n%s", stderr)
	}
	var results []*report.Result
	for _, f := range files {
		r, err := report.Read(f)
		if err != nil {
			t.Fatal(err)
		}
		name := r.Target.Name
		if len(r.Sweep) > 0 {
			name += " " + filepath.Base(f)
		}
		checkFaults(t, name, r, faults, atLeast[r.Target.Name])
		checkCounts(t, name, r, exact[r.Target.Name])
		t.Logf("%s: counts %+v; %s", name, r.Counts, strings.Join(r.Notes, "; "))
		results = append(results, r)
	}
	return results
}

// checkCounts checks that the result's counts add up, that nothing was lost or duplicated
// where exact says the target must deliver exactly, and that a replay found the log whole.
func checkCounts(t *testing.T, name string, r *report.Result, exact bool) {
	t.Helper()
	c := r.Counts
	if c.Sent+c.NotSent != c.Requested || c.Acked+c.SendErrors != c.Sent || c.Received+c.Lost != c.Acked+c.Unacknowledged {
		t.Errorf("%s: counts do not add up: %+v", name, c)
	}
	if exact && (c.Lost != 0 || c.Duplicated != 0 || c.SendErrors != 0) {
		t.Errorf("%s: acks=all with idempotence lost or duplicated messages: %+v", name, c)
	}
	if r.Replay != nil && (r.Replay.Missing != 0 || r.Replay.Read != r.Replay.Distinct) {
		t.Errorf("%s: the replay found the log incomplete or with copies: %+v", name, *r.Replay)
	}
}

// checkFaults checks that the result holds the faults asked for, each done, with a
// window as long as the fault and an effect on latency.
func checkFaults(t *testing.T, name string, r *report.Result, want []string, atLeastMs float64) {
	t.Helper()
	if len(r.Actions) != len(want) {
		t.Errorf("%s: actions %+v, want %v", name, r.Actions, want)
		return
	}
	for i, a := range r.Actions {
		planned := r.Scenario.Actions[i]
		switch {
		case a.Do != want[i] || a.Error != "" || a.Effect == nil:
			t.Errorf("%s: action %d = %+v, want %s done, with an effect", name, i, a, want[i])
		case a.TookS < planned.For().D().Seconds():
			t.Errorf("%s: %s window %.2fs, shorter than its %s", name, a.Do, a.TookS, planned.For())
		case a.Effect.BaselineP99Ms <= 0 || a.Effect.MaxEndToEndMs <= 0:
			t.Errorf("%s: %s effect %+v", name, a.Do, *a.Effect)
		}
	}
	if top := r.Actions[0].Effect; top != nil && top.MaxEndToEndMs < atLeastMs {
		t.Errorf("%s: the highest end-to-end latency from the fault on is %.0f ms: no spike of at least %.0f ms", name, top.MaxEndToEndMs, atLeastMs)
	}
}
