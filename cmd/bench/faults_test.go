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
			out := t.TempDir()
			code, _, stderr := runBench("run", "--time-scale", "0.4", "--out", out, "../../scenarios/faults/"+tc.file+".yaml")
			if code != exitOK {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			files, _ := filepath.Glob(filepath.Join(out, tc.file, "*.json"))
			if len(files) == 0 {
				t.Fatalf("no result\n%s", stderr)
			}
			for _, f := range files {
				r, err := report.Read(f)
				if err != nil {
					t.Fatal(err)
				}
				name := r.Target.Name
				if len(r.Sweep) > 0 {
					name += " " + filepath.Base(f)
				}
				checkFaults(t, name, r, tc.faults, tc.atLeast[r.Target.Name])
				c := r.Counts
				if c.Sent+c.NotSent != c.Requested || c.Acked+c.SendErrors != c.Sent || c.Received+c.Lost != c.Acked+c.Unacknowledged {
					t.Errorf("%s: counts do not add up: %+v", name, c)
				}
				if tc.exact[r.Target.Name] && (c.Lost != 0 || c.Duplicated != 0 || c.SendErrors != 0) {
					t.Errorf("%s: acks=all with idempotence lost or duplicated messages: %+v", name, c)
				}
				if r.Replay != nil && (r.Replay.Missing != 0 || r.Replay.Read != r.Replay.Distinct) {
					t.Errorf("%s: the replay found the log incomplete or with copies: %+v", name, *r.Replay)
				}
				t.Logf("%s: counts %+v; %s", name, c, strings.Join(r.Notes, "; "))
			}
		})
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
		case a.TookS < planned.For.D().Seconds():
			t.Errorf("%s: %s window %.2fs, shorter than its %s", name, a.Do, a.TookS, planned.For)
		case a.Effect.BaselineP99Ms <= 0 || a.Effect.MaxEndToEndMs <= 0:
			t.Errorf("%s: %s effect %+v", name, a.Do, *a.Effect)
		}
	}
	if top := r.Actions[0].Effect; top != nil && top.MaxEndToEndMs < atLeastMs {
		t.Errorf("%s: the highest end-to-end latency from the fault on is %.0f ms: no spike of at least %.0f ms", name, top.MaxEndToEndMs, atLeastMs)
	}
}
