package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"

	"streambench/internal/strictyaml"
)

// StageKind is what a stage of a load shape does with the rate.
type StageKind string

// The stage kinds.
const (
	// StageHold keeps one rate for the stage's length.
	StageHold StageKind = "hold"
	// StageRamp goes linearly from one rate to another over the stage's length.
	StageRamp StageKind = "ramp"
	// StageSteps holds each of its rates in turn, each for the same length.
	StageSteps StageKind = "steps"
)

// Stage is one part of a load shape (a rate written as a list of stages).
type Stage struct {
	Kind StageKind
	// Rates in messages per second: hold's one, ramp's from and to, each step's.
	Rates []float64
	// For is the stage's length (hold, ramp), or each step's (steps).
	For time.Duration
}

// Limits of a load shape: a shape is a few lines of a scenario.
const (
	maxStages = 100
	maxSteps  = 100
)

// length is how long the stage lasts.
func (st Stage) length() time.Duration {
	if st.Kind == StageSteps {
		return st.For * time.Duration(len(st.Rates))
	}
	return st.For
}

// problem is what Validate says of the stage, or "".
func (st Stage) problem() string {
	want := map[StageKind]int{StageHold: 1, StageRamp: 2, StageSteps: -1}[st.Kind]
	switch {
	case want == 0:
		return fmt.Sprintf("a stage must be hold, ramp or steps, not %q", st.Kind)
	case want > 0 && len(st.Rates) != want, len(st.Rates) == 0, len(st.Rates) > maxSteps:
		return fmt.Sprintf("%s has %d rates", st.Kind, len(st.Rates))
	case st.For <= 0 || st.For > maxDuration:
		return "a stage's length must be more than 0 and at most 24h"
	}
	for _, r := range st.Rates {
		if !(Rate{PerSecond: r}).valid() {
			return "a stage's rate must be a number of messages per second above 0 and at most 1e9"
		}
	}
	return ""
}

func (st Stage) String() string {
	rates := make([]string, len(st.Rates))
	for i, r := range st.Rates {
		rates[i] = strconv.FormatFloat(r, 'f', -1, 64)
	}
	d := FormatDuration(st.For)
	switch st.Kind {
	case StageRamp:
		return fmt.Sprintf("ramp %s to %s msg/s over %s", rates[0], rates[len(rates)-1], d)
	case StageSteps:
		return fmt.Sprintf("steps %s msg/s each %s", strings.Join(rates, "/"), d)
	}
	return fmt.Sprintf("hold %s msg/s for %s", strings.Join(rates, "/"), d)
}

// stageJSON is a stage as a result file holds it: as the scenario writes it.
type stageJSON struct {
	Hold  *float64  `json:"hold,omitempty"`
	Ramp  *rampJSON `json:"ramp,omitempty"`
	Steps []float64 `json:"steps,omitempty"`
	For   string    `json:"for,omitempty"`
	Each  string    `json:"each,omitempty"`
}

type rampJSON struct {
	From float64 `json:"from"`
	To   float64 `json:"to"`
}

// MarshalJSON writes the stage as a scenario writes it: {"hold": 1000, "for": "30s"}.
func (st Stage) MarshalJSON() ([]byte, error) {
	var j stageJSON
	d := FormatDuration(st.For)
	switch {
	case st.Kind == StageHold && len(st.Rates) == 1:
		j.Hold, j.For = &st.Rates[0], d
	case st.Kind == StageRamp && len(st.Rates) == 2:
		j.Ramp, j.For = &rampJSON{st.Rates[0], st.Rates[1]}, d
	case st.Kind == StageSteps:
		j.Steps, j.Each = st.Rates, d
	default:
		return nil, fmt.Errorf("stage %q with %d rates", st.Kind, len(st.Rates))
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads what MarshalJSON wrote, strictly.
func (st *Stage) UnmarshalJSON(b []byte) error {
	var j stageJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return err
	}
	var v Stage
	length := j.For
	switch {
	case j.Hold != nil && j.Ramp == nil && j.Steps == nil && j.Each == "":
		v = Stage{Kind: StageHold, Rates: []float64{*j.Hold}}
	case j.Ramp != nil && j.Hold == nil && j.Steps == nil && j.Each == "":
		v = Stage{Kind: StageRamp, Rates: []float64{j.Ramp.From, j.Ramp.To}}
	case j.Steps != nil && j.Hold == nil && j.Ramp == nil && j.For == "":
		v, length = Stage{Kind: StageSteps, Rates: j.Steps}, j.Each
	default:
		return fmt.Errorf("a stage is one of hold and for, ramp and for, or steps and each: not %s", b)
	}
	d, err := ParseDuration(length)
	if err != nil {
		return err
	}
	v.For = d
	*st = v
	return nil
}

// total is how long the stages last together: the measured window of a run with a
// shaped rate.
func (r Rate) total() time.Duration {
	var t time.Duration
	for _, st := range r.Stages {
		t += st.length()
	}
	return t
}

// Peak is the highest rate the load asks for, in messages per second: the rate itself,
// or the highest of its stages' (0 for max).
func (r Rate) Peak() float64 {
	p := r.PerSecond
	for _, st := range r.Stages {
		for _, x := range st.Rates {
			p = max(p, x)
		}
	}
	return p
}

// Mean is the rate over the measured window on average: the rate itself, or the
// messages the stages ask for over their length (0 for max).
func (r Rate) Mean() float64 {
	if len(r.Stages) == 0 {
		return r.PerSecond
	}
	p := newProfile(r, 0)
	secs := r.total().Seconds()
	return p.count(secs) / secs
}

// decodeStages reads a rate written as a list of stages, each a mapping with its kind
// as its key:
//
//	rate:
//	  - hold: 1000                     # msg/s
//	    for: 30s
//	  - ramp: {from: 1000, to: 20000}
//	    for: 2m
//	  - steps: [5000, 10000, 20000]    # each held for `each`
//	    each: 30s
//
// A stage that does not decode is reported, and leaves r as it was.
func (d *decoder) decodeStages(path string, seq *ast.SequenceNode, r *Rate) {
	switch {
	case len(seq.Values) == 0:
		d.Fail(seq, path, "empty list of stages: give at least one, e.g. [{hold: 1000, for: 30s}]")
		return
	case len(seq.Values) > maxStages:
		d.Fail(seq, path, fmt.Sprintf("%d stages, more than the limit of %d", len(seq.Values), maxStages))
		return
	}
	stages := make([]Stage, 0, len(seq.Values))
	for i, elem := range seq.Values {
		p := fmt.Sprintf("%s[%d]", path, i)
		if at := strictyaml.PosOf(elem); at.Line > 0 {
			d.SetPos(p, at)
		}
		if st, ok := d.stage(p, elem); ok {
			stages = append(stages, st)
		}
	}
	if len(stages) == len(seq.Values) {
		*r = Rate{Stages: stages}
	}
}

// stage reads one stage of a load shape.
func (d *decoder) stage(path string, n ast.Node) (Stage, bool) {
	f, ok := d.Fields(path, n, "hold", "ramp", "steps", "for", "each")
	if !ok {
		return Stage{}, false
	}
	var kinds []string
	for _, k := range []string{"hold", "ramp", "steps"} {
		if _, has := f[k]; has {
			kinds = append(kinds, k)
		}
	}
	switch len(kinds) {
	case 0:
		d.Fail(n, path, "a stage needs one of hold, ramp or steps, e.g. {hold: 1000, for: 30s}")
		return Stage{}, false
	case 1:
	default:
		d.Fail(n, path, fmt.Sprintf("a stage is one of hold, ramp or steps, not %s together: write one stage each", strings.Join(kinds, " and ")))
		return Stage{}, false
	}
	st := Stage{Kind: StageKind(kinds[0])}
	lengthKey, other := "for", "each"
	if st.Kind == StageSteps {
		lengthKey, other = "each", "for"
	}
	good := true
	if _, has := f[other]; has {
		at, _ := d.Written(strictyaml.Join(path, other))
		d.ErrorAt(at, strictyaml.Join(path, other), fmt.Sprintf("%s takes %s (its length), not %s", st.Kind, lengthKey, other))
		d.MarkFailed(strictyaml.Join(path, other))
		good = false
	}

	kindPath := strictyaml.Join(path, kinds[0])
	switch st.Kind {
	case StageHold:
		r, ok := d.stageRate(kindPath, f["hold"])
		st.Rates, good = []float64{r}, good && ok
	case StageRamp:
		ramp, ok := d.Fields(kindPath, f["ramp"], "from", "to")
		if !ok {
			good = false
			break
		}
		for _, end := range []string{"from", "to"} {
			v, has := d.Required(ramp, f["ramp"], kindPath, end, "the ramp's "+end+" rate in messages per second")
			if !has {
				good = false
				continue
			}
			r, ok := d.stageRate(strictyaml.Join(kindPath, end), v)
			st.Rates, good = append(st.Rates, r), good && ok
		}
	case StageSteps:
		items, ok := d.List(kindPath, f["steps"])
		switch {
		case !ok:
			good = false
		case len(items) == 0:
			d.Fail(f["steps"], kindPath, "empty list: give the rate of each step, e.g. [5000, 10000]")
			good = false
		case len(items) > maxSteps:
			d.Fail(f["steps"], kindPath, fmt.Sprintf("%d steps, more than the limit of %d", len(items), maxSteps))
			good = false
		}
		if len(items) > maxSteps {
			items = nil
		}
		for i, item := range items {
			r, ok := d.stageRate(fmt.Sprintf("%s[%d]", kindPath, i), item)
			st.Rates, good = append(st.Rates, r), good && ok
		}
	}

	lengthPath := strictyaml.Join(path, lengthKey)
	what := map[StageKind]string{StageHold: "the hold's length", StageRamp: "the ramp's length", StageSteps: "each step's length"}[st.Kind]
	v, has := d.Required(f, n, path, lengthKey, fmt.Sprintf("%s, e.g. %s: 30s", what, lengthKey))
	if !has {
		return Stage{}, false
	}
	if v = d.Present(lengthPath, v); v == nil {
		return Stage{}, false
	}
	var fd fieldDuration
	if err := fd.DecodeNode(v); err != nil {
		d.Fail(v, lengthPath, err.Error())
		return Stage{}, false
	}
	if x := Duration(fd).D(); x <= 0 || x > maxDuration {
		d.Fail(v, lengthPath, "must be more than 0 and at most 24h")
		return Stage{}, false
	}
	st.For = Duration(fd).D()
	return st, good
}

// stageRate reads one rate of a stage, by the scalar rate's own parser and range rule;
// max has no place in a shape.
func (d *decoder) stageRate(path string, n ast.Node) (float64, bool) {
	if n = d.Present(path, n); n == nil {
		return 0, false
	}
	var r Rate
	if err := r.DecodeNode(n); err != nil {
		d.Fail(n, path, err.Error())
		return 0, false
	}
	if r.Max {
		d.Fail(n, path, "a stage's rate is a number of messages per second: max (a closed loop) has no schedule to shape")
		return 0, false
	}
	return r.PerSecond, true
}

// problems of a shaped rate, for check: each stage's, and its length against the
// scenario's duration (the stages are the measured window).
func (s *Scenario) checkStages(report func(path, msg string)) {
	r := s.Workload.Rate
	if len(r.Stages) > maxStages {
		report("workload.rate", fmt.Sprintf("%d stages, more than the limit of %d", len(r.Stages), maxStages))
		return
	}
	for i, st := range r.Stages {
		if msg := st.problem(); msg != "" {
			report(fmt.Sprintf("workload.rate[%d]", i), msg)
			return
		}
	}
	switch total := r.total(); {
	case total > maxDuration:
		report("workload.rate", fmt.Sprintf("the stages last %s, more than the 24h a run may", FormatDuration(total)))
	case s.Duration.D() != total:
		report("duration", fmt.Sprintf("%s conflicts with workload.rate's stages, which last %s: leave duration out, and it is their total",
			s.Duration, FormatDuration(total)))
	}
}

// segment is a stretch of a run where the rate goes linearly from r0 to r1 messages per
// second: from start, for length seconds (+Inf for the last).
type segment struct {
	start, length float64
	r0, slope     float64 // msg/s, and msg/s²
	before        float64 // the messages due before start
}

// profile is the rate over a run's clock, in seconds since the first send: during the
// warm-up the first stage's starting rate, then the stages, then (beyond the load's
// end, where no message is sent) the last stage's final rate. Its integral, count, is
// how many messages are due by a time; its inverse, at, when the x-th is.
type profile struct{ segs []segment }

func newProfile(r Rate, warmup time.Duration) *profile {
	p := &profile{}
	add := func(length, r0, r1 float64) {
		s := segment{length: length, r0: r0}
		if n := len(p.segs); n > 0 {
			last := p.segs[n-1]
			s.start = last.start + last.length
			s.before = last.before + last.r0*last.length + last.slope*last.length*last.length/2
		}
		if !math.IsInf(length, 1) {
			s.slope = (r1 - r0) / length
		}
		p.segs = append(p.segs, s)
	}
	if len(r.Stages) == 0 {
		add(math.Inf(1), r.PerSecond, r.PerSecond)
		return p
	}
	if w := warmup.Seconds(); w > 0 {
		first := r.Stages[0].Rates[0]
		add(w, first, first)
	}
	last := 0.0
	for _, st := range r.Stages {
		secs := st.For.Seconds()
		switch st.Kind {
		case StageRamp:
			add(secs, st.Rates[0], st.Rates[1])
		default:
			for _, x := range st.Rates {
				add(secs, x, x)
			}
		}
		last = st.Rates[len(st.Rates)-1]
	}
	add(math.Inf(1), last, last)
	return p
}

// count is how many messages are due before t seconds (the integrated rate).
func (p *profile) count(t float64) float64 {
	if t <= 0 {
		return 0
	}
	s := p.last(t, func(s *segment) float64 { return s.start })
	tau := t - s.start
	return s.before + s.r0*tau + s.slope*tau*tau/2
}

// at is when, in seconds, the messages due reach x: the inverse of count.
func (p *profile) at(x float64) float64 {
	if x <= 0 {
		return 0
	}
	s := p.last(x, func(s *segment) float64 { return s.before })
	y := x - s.before
	// τ solves slope/2·τ² + r0·τ = y; this form of the root stays exact as the slope
	// goes to 0 (a hold), where the textbook one divides by it.
	disc := max(0, s.r0*s.r0+2*s.slope*y)
	return s.start + 2*y/(s.r0+math.Sqrt(disc))
}

// last is the last segment whose key (its start, or the messages due before it, both
// increasing along the segments) is at most x.
func (p *profile) last(x float64, key func(*segment) float64) *segment {
	lo, hi := 0, len(p.segs)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if key(&p.segs[mid]) <= x {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return &p.segs[lo]
}
