package main

import (
	"math"
	"strings"
	"testing"

	"streambench/bench"
)

// A ramp through the whole command on the loopback driver: the result records the
// shape, and each second's offered count is the ramp's integral over that second.
func TestRunRampOnLoopback(t *testing.T) {
	out := t.TempDir()
	sc := writeScenario(t, `
name: cli-ramp
targets: [loopback]
warmup: 0s
drain: 1s
workload:
  rate:
    - ramp: {from: 1000, to: 4000}
      for: 3s
`)
	_, stderr := mustRun(t, "run", sc, "--out", out)
	if !strings.Contains(stderr, "ramp 1000 to 4000 msg/s over 3s") {
		t.Errorf("the output does not state the shape:\n%s", stderr)
	}
	r, _ := onlyResult(t, out)
	w := r.Scenario.Workload
	if len(w.Rate.Stages) != 1 || w.Rate.Stages[0].Kind != bench.StageRamp || r.Scenario.Duration.D().Seconds() != 3 || w.Arrivals != bench.ArrivalsUniform {
		t.Fatalf("the result's scenario: rate %v, duration %s, arrivals %q", w.Rate, r.Scenario.Duration, w.Arrivals)
	}
	// Messages due by t seconds: 1000·t + 500·t² on the ramp.
	due := func(t float64) float64 {
		t = min(max(t, 0), 3)
		return 1000*t + 500*t*t
	}
	var offered int64
	measured := 0
	for _, iv := range r.Intervals {
		offered += iv.Offered
		want := due(iv.Start+iv.Seconds) - due(iv.Start)
		if math.Abs(float64(iv.Offered)-want) > 2 {
			t.Errorf("interval at %.3f s (%.3f s long, %s): offered %d, the ramp says %.1f", iv.Start, iv.Seconds, iv.Phase, iv.Offered, want)
		}
		if iv.Phase == bench.PhaseMeasure && iv.Seconds > 0.5 {
			measured++
		}
	}
	if measured < 2 {
		t.Errorf("%d measured intervals of the 3 s ramp", measured)
	}
	// Offered rates grow along the ramp, and add up to what was requested.
	if offered != r.Counts.Requested || math.Abs(float64(offered)-due(3)) > 2 {
		t.Errorf("offered %d in all, requested %d, the ramp's 7500", offered, r.Counts.Requested)
	}
	if r.Throughput.RequestedMsgsPerS == nil || *r.Throughput.RequestedMsgsPerS != 2500 {
		t.Errorf("requested msg/s %v, want the ramp's mean 2500", r.Throughput.RequestedMsgsPerS)
	}

	// A constant --rate cannot replace the shape.
	if code, _, stderr := runBench("run", sc, "--rate", "500", "--out", out); code != exitUsage || !strings.Contains(stderr, "--rate: the scenario's workload.rate is a list of stages") {
		t.Errorf("--rate on a shaped rate: exit %d, stderr %q", code, stderr)
	}
	if code, _, stderr := runBench("run", sc, "--duration", "5s", "--out", out); code != exitUsage || !strings.Contains(stderr, "conflicts with workload.rate's stages") {
		t.Errorf("--duration against the stages: exit %d, stderr %q", code, stderr)
	}
}
