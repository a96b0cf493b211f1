package bench

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

const shapeHead = "name: a\ntargets: [kafka]\n"

func TestParseStages(t *testing.T) {
	s, err := Parse("s.yaml", []byte(shapeHead+`workload:
  rate:
    - hold: 1000
      for: 30s
    - ramp: {from: 1000, to: 20000}
      for: 2m
    - steps: [5000, 1e4, 20_000]
      each: 30s
  arrivals: poisson
  seed: 42
`), testRegistry(), testTargets)
	if err != nil {
		t.Fatal(err)
	}
	want := Rate{Stages: []Stage{
		{Kind: StageHold, Rates: []float64{1000}, For: 30 * time.Second},
		{Kind: StageRamp, Rates: []float64{1000, 20000}, For: 2 * time.Minute},
		{Kind: StageSteps, Rates: []float64{5000, 10000, 20000}, For: 30 * time.Second},
	}}
	if !reflect.DeepEqual(s.Workload.Rate, want) {
		t.Errorf("rate = %+v, want %+v", s.Workload.Rate, want)
	}
	// The duration defaults to the stages' total; the warm-up keeps its own default.
	if s.Duration.D() != 4*time.Minute || s.Warmup.D() != DefaultWarmup {
		t.Errorf("duration %s, warm-up %s; want 4m (the stages' total) and %s", s.Duration, s.Warmup, DefaultWarmup)
	}
	if s.Workload.Arrivals != ArrivalsPoisson || s.Workload.Seed != 42 {
		t.Errorf("arrivals %q seed %d", s.Workload.Arrivals, s.Workload.Seed)
	}
	if got := s.Workload.Rate.String(); got != "hold 1000 msg/s for 30s, ramp 1000 to 20000 msg/s over 2m0s, steps 5000/10000/20000 msg/s each 30s" {
		t.Errorf("String() = %q", got)
	}
	// Mean: (30·1000 + 120·10500 + 30·35000) / 240 s.
	if got, want := s.Workload.Rate.Mean(), (30*1000+120*10500+30*35000)/240.0; abs(got-want) > 1e-6 {
		t.Errorf("Mean() = %v, want %v", got, want)
	}
	if s.Workload.Rate.Peak() != 20000 {
		t.Errorf("Peak() = %v", s.Workload.Rate.Peak())
	}
	// As a result file holds it, and back.
	data, err := json.Marshal(s.Workload)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"rate":[{"hold":1000,"for":"30s"},{"ramp":{"from":1000,"to":20000},"for":"2m0s"},{"steps":[5000,10000,20000],"each":"30s"}],"arrivals":"poisson","seed":42`) {
		t.Errorf("JSON: %s", data)
	}
	var back Workload
	if err := json.Unmarshal(data, &back); err != nil || !reflect.DeepEqual(back, s.Workload) {
		t.Errorf("JSON read back: %+v, %v", back, err)
	}

	// Defaults: uniform, seed 1, a scalar rate as before.
	s, err = Parse("s.yaml", []byte(shapeHead), testRegistry(), testTargets)
	if err != nil || s.Workload.Arrivals != ArrivalsUniform || s.Workload.Seed != DefaultSeed || s.Workload.Rate.Stages != nil {
		t.Errorf("defaults: %+v, %v", s.Workload, err)
	}
}

func abs(x float64) float64 { return max(x, -x) }

func TestParseStagesBad(t *testing.T) {
	for _, tt := range []struct {
		name, yaml string
		want       []string
	}{
		{"each stage's mistakes, at their places", `workload:
  rate:
    - hold: max
      for: 30s
    - ramp: {from: 1000}
      for: 2m
    - steps: [5000, -1]
      for: 30s
    - hold: 5
      ramp: {from: 1, to: 2}
      for: 1s
    - hold: 5
    - hold: 5
      for: 0s
    - hold: 5
      for: 5
    - {}
    - hld: 4
      for: 1s
`, []string{
			`s.yaml:5:13: workload.rate[0].hold: a stage's rate is a number of messages per second: max (a closed loop) has no schedule to shape`,
			`s.yaml:7:13: workload.rate[1].ramp.to: required: the ramp's to rate in messages per second`,
			`s.yaml:9:7: workload.rate[2].each: required: each step's length, e.g. each: 30s`,
			`s.yaml:9:21: workload.rate[2].steps[1]: rate must be max or a number of messages per second above 0 and at most 1e9, not "-1"`,
			`s.yaml:10:7: workload.rate[2].for: steps takes each (its length), not for`,
			`s.yaml:11:7: workload.rate[3]: a stage is one of hold, ramp or steps, not hold and ramp together: write one stage each`,
			`s.yaml:14:7: workload.rate[4].for: required: the hold's length, e.g. for: 30s`,
			`s.yaml:16:12: workload.rate[5].for: must be more than 0 and at most 24h`,
			`s.yaml:18:12: workload.rate[6].for: a duration needs a unit, e.g. 30s, 500ms, 2h or 7d, not the bare number 5`,
			`s.yaml:19:7: workload.rate[7]: a stage needs one of hold, ramp or steps, e.g. {hold: 1000, for: 30s}`,
			`s.yaml:20:7: workload.rate[8].hld: unknown field (did you mean "hold"?)`,
			`s.yaml:20:7: workload.rate[8]: a stage needs one of hold, ramp or steps, e.g. {hold: 1000, for: 30s}`,
		}},
		{"an empty list", "workload:\n  rate: []\n", []string{
			`s.yaml:4:9: workload.rate: empty list of stages: give at least one, e.g. [{hold: 1000, for: 30s}]`,
		}},
		{"a stage that is not a mapping", "workload:\n  rate: [1000]\n", []string{
			`s.yaml:4:10: workload.rate[0]: want a mapping of fields (hold, ramp, steps, for, each), not the number 1000`,
		}},
		{"a duration that conflicts", "duration: 1m\nworkload:\n  rate:\n    - hold: 1000\n      for: 30s\n", []string{
			`s.yaml:3:11: duration: 1m0s conflicts with workload.rate's stages, which last 30s: leave duration out, and it is their total`,
		}},
		{"stages longer than a run may be", "workload:\n  rate:\n    - steps: [1, 2]\n      each: 13h\n", []string{
			`s.yaml:5:5: workload.rate: the stages last 26h0m0s, more than the 24h a run may`,
		}},
		{"arrivals and seed", "workload:\n  arrivals: poison\n  seed: -1\n", []string{
			`s.yaml:4:13: workload.arrivals: must be uniform or poisson, not "poison"`,
			`s.yaml:5:9: workload.seed: must not be negative, not -1`,
		}},
		{"poisson without a rate", "workload:\n  arrivals: poisson\n  rate: max\n", []string{
			`s.yaml:4:13: workload.arrivals: poisson needs a rate: with rate max the producers send as fast as acknowledgements allow, on no schedule`,
		}},
		{"stages as a matrix value", "matrix:\n  workload.rate: [1000, [{hold: 5, for: 1s}]]\n", []string{
			`s.yaml:4:25: matrix.workload.rate[1]: a list of stages cannot be a value of a matrix: a shape is swept by a scenario file each, a matrix sweeps constant rates`,
		}},
		{"a swept duration against the stages", "matrix:\n  duration: [1m, 30s]\nworkload:\n  rate:\n    - hold: 1000\n      for: 30s\n", []string{
			`s.yaml:4:14: duration: 1m0s conflicts with workload.rate's stages, which last 30s: leave duration out, and it is their total (in the run duration=1m)`,
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("s.yaml", []byte(shapeHead+tt.yaml), testRegistry(), testTargets)
			checkErrors(t, err, "", tt.want)
		})
	}
}

// A command-line --duration is checked against the stages by Validate.
func TestValidateStagesDuration(t *testing.T) {
	s, err := Parse("s.yaml", []byte(shapeHead+"workload:\n  rate:\n    - hold: 1000\n      for: 30s\n"), testRegistry(), testTargets)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(testTargets); err != nil {
		t.Fatal(err)
	}
	s.Duration = Duration(time.Minute)
	if err := s.Validate(testTargets); err == nil || !strings.Contains(err.Error(), "duration: 1m0s conflicts with workload.rate's stages, which last 30s") {
		t.Errorf("Validate with a conflicting duration: %v", err)
	}
}

// The profile's integral and its inverse, on a warm-up, a ramp up and down, and steps.
func TestProfile(t *testing.T) {
	r := Rate{Stages: []Stage{
		{Kind: StageRamp, Rates: []float64{1000, 3000}, For: 2 * time.Second},
		{Kind: StageSteps, Rates: []float64{500, 100}, For: time.Second},
		{Kind: StageRamp, Rates: []float64{100, 50}, For: time.Second},
	}}
	p := newProfile(r, time.Second) // the warm-up holds the first rate, 1000
	for _, tt := range []struct{ t, want float64 }{
		{-1, 0}, {0, 0}, {0.5, 500}, {1, 1000},
		{2, 1000 + 1500},      // a second of the ramp: (1000+2000)/2
		{3, 1000 + 4000},      // the whole ramp: 2 s at 2000 on average
		{3.5, 5000 + 250},     // half the first step
		{5, 5000 + 500 + 100}, // both steps
		{6, 5600 + 75},        // the ramp down
		{7, 5675 + 50},        // after the stages: the last rate held
	} {
		if got := p.count(tt.t); abs(got-tt.want) > 1e-9 {
			t.Errorf("count(%v) = %v, want %v", tt.t, got, tt.want)
		}
		if tt.t > 0 {
			if got := p.at(tt.want); abs(got-tt.t) > 1e-9 {
				t.Errorf("at(%v) = %v, want %v", tt.want, got, tt.t)
			}
		}
	}
}

// --time-scale shortens the stages, keeps their rates, and the duration stays their
// total; the scenario copied from keeps its own.
func TestScaleTimeStages(t *testing.T) {
	s, err := Parse("s.yaml", []byte(shapeHead+"workload:\n  rate:\n    - hold: 1000\n      for: 30s\n    - steps: [1, 2]\n      each: 1s\n"), testRegistry(), testTargets)
	if err != nil {
		t.Fatal(err)
	}
	orig := s
	s.ScaleTime(0.1)
	if got := s.Workload.Rate.String(); got != "hold 1000 msg/s for 3s, steps 1/2 msg/s each 100ms" || s.Duration.D() != 3200*time.Millisecond {
		t.Errorf("scaled: %s over %s", got, s.Duration)
	}
	if err := s.Validate(testTargets); err != nil {
		t.Errorf("Validate after ScaleTime: %v", err)
	}
	if orig.Workload.Rate.Stages[0].For != 30*time.Second {
		t.Errorf("the scenario it was copied from changed: %v", orig.Workload.Rate)
	}
}
