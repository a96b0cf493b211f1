package report

import (
	"fmt"
	"strings"
	"time"

	"streambench/bench"
)

// SLOMetrics are the figures a scenario's SLOs may name: every figure claims files can
// name, each with the kind of bound its unit takes (a duration for a latency or a time,
// a percentage for a share, a number for the rest). They are the catalogue's names, so
// that an SLO and a claim say the same thing in the same words.
func SLOMetrics() bench.SLOMetrics {
	out := bench.SLOMetrics{}
	for _, f := range Figures() {
		if f.Claim != "" {
			out[f.Claim] = boundKind(f)
		}
	}
	return out
}

// boundKind is the kind of bound f's unit takes.
func boundKind(f Figure) bench.BoundKind {
	switch f.Unit {
	case "ms", "s":
		return bench.BoundDuration
	case "%":
		return bench.BoundPercent
	}
	return bench.BoundNumber
}

// boundIn is b in f's Unit, to be compared with the figure's value in that unit.
func boundIn(f Figure, b bench.Bound) float64 {
	if b.Kind != bench.BoundDuration {
		return b.Value
	}
	if f.Unit == "ms" {
		return float64(b.D) / float64(time.Millisecond)
	}
	return b.D.Seconds()
}

// Verdict is one SLO judged on a run, or on the median of repetitions.
type Verdict struct {
	// SLO is the objective, as the scenario gave it.
	SLO bench.SLO `json:"slo"`
	// Value is the figure measured, in Unit; nil when the run has none.
	Value *float64 `json:"value"`
	Unit  string   `json:"unit,omitempty"`
	// Unmeasured says why there is no Value (no message was received, say): a failure.
	Unmeasured string `json:"unmeasured,omitempty"`
	// Held says whether the figure was measured and within the bounds.
	Held bool `json:"held"`
	// Integrity says that the figure counts messages not delivered once each (lost,
	// duplicated): its failure is an integrity failure.
	Integrity bool `json:"integrity,omitempty"`
}

// Judge judges r by its scenario's SLOs that apply to its target.
func Judge(r *Result) []Verdict {
	return judge(r.Scenario.SLO, r.Target.Name, []*Result{r})
}

// JudgeMedian judges the runs of a group (repetitions of one target at one point) by
// their scenario's SLOs, each on the median of the figure over the runs. A figure some
// run could not measure is not measured for the group either.
func JudgeMedian(runs []*Result) []Verdict {
	if len(runs) == 0 {
		return nil
	}
	return judge(runs[0].Scenario.SLO, runs[0].Target.Name, runs)
}

func judge(slos []bench.SLO, target string, runs []*Result) []Verdict {
	var out []Verdict
	for _, o := range slos {
		if o.AppliesTo(target) {
			out = append(out, judgeOne(o, runs))
		}
	}
	return out
}

func judgeOne(o bench.SLO, runs []*Result) Verdict {
	v := Verdict{SLO: o}
	f, ok := FigureClaimed(o.Metric)
	if !ok {
		// A scenario loaded with the catalogue names no other metric; a result file
		// written by another bench might.
		v.Unmeasured = fmt.Sprintf("this bench knows no metric %q", o.Metric)
		return v
	}
	v.Unit, v.Integrity = f.Unit, f.Integrity
	var values []float64
	for _, r := range runs {
		x, err := f.Of(r)
		if err != nil {
			v.Unmeasured = strings.TrimPrefix(err.Error(), ErrNoValue.Error()+": ")
			if len(runs) > 1 {
				v.Unmeasured = fmt.Sprintf("%s (%d of %d runs measured it)", v.Unmeasured, f.Spread(runs).Runs, len(runs))
			}
			return v
		}
		values = append(values, f.InUnit(x))
	}
	m := SpreadOf(values).Median
	v.Value = &m
	v.Held = (o.Max == nil || m <= boundIn(f, *o.Max)) && (o.Min == nil || m >= boundIn(f, *o.Min))
	return v
}

// String says what the verdict is, with the figure measured: "latency.end_to_end.p99 ≤
// 50ms: held (3.21 ms)", "counts.lost ≤ 0: FAILED (12)", "…: FAILED, not measured: no
// end_to_end latency was recorded".
func (v Verdict) String() string {
	if v.Value == nil {
		return fmt.Sprintf("%s: FAILED, not measured: %s", v.SLO, v.Unmeasured)
	}
	word := "held"
	if !v.Held {
		word = "FAILED"
		if v.Integrity {
			word = "FAILED (integrity)"
		}
	}
	return fmt.Sprintf("%s: %s (%s)", v.SLO, word, v.measured())
}

// measured writes the value with its unit, as reports show the figure.
func (v Verdict) measured() string {
	if v.Value == nil {
		return "not measured"
	}
	f, _ := FigureClaimed(v.SLO.Metric)
	s := f.Digits.Format(*v.Value)
	if v.Unit != "" {
		s += " " + v.Unit
	}
	return s
}

// Outcome is what a set of verdicts comes to, worst last.
type Outcome int

// The outcomes, in increasing order of precedence.
const (
	// Held: every SLO held (or there were none).
	Held Outcome = iota
	// SLOFailed: an SLO failed, or its figure could not be measured.
	SLOFailed
	// IntegrityFailed: an SLO on lost or duplicated messages failed.
	IntegrityFailed
)

// OutcomeOf is the worst of verdicts.
func OutcomeOf(verdicts []Verdict) Outcome {
	o := Held
	for _, v := range verdicts {
		switch {
		case v.Held:
		case v.Integrity && v.Value != nil:
			o = max(o, IntegrityFailed)
		default:
			o = max(o, SLOFailed)
		}
	}
	return o
}

// SLOLines says how the groups' runs fared against their SLOs: each run's verdicts
// (as the run judged them) and, for a group of several runs, the median's. Nil when no
// run had an SLO.
func SLOLines(groups []Group) []string {
	var out []string
	for _, g := range groups {
		median := JudgeMedian(g.Runs)
		if len(median) == 0 {
			continue
		}
		if len(g.Runs) == 1 {
			for _, v := range g.Runs[0].SLO {
				out = append(out, fmt.Sprintf("%s: %s", g.Label, v))
			}
			continue
		}
		for i, r := range g.Runs {
			for _, v := range r.SLO {
				out = append(out, fmt.Sprintf("%s, run %d of %d: %s", g.Label, i+1, len(g.Runs), v))
			}
		}
		for _, v := range median {
			out = append(out, fmt.Sprintf("%s, median of %d runs: %s", g.Label, len(g.Runs), v))
		}
	}
	return out
}

// sloLines are a group's verdicts as a report shows them under the group's heading.
func sloLines(g Group) []string {
	lines := SLOLines([]Group{g})
	for i, l := range lines {
		lines[i] = "SLO " + strings.TrimPrefix(l, g.Label+": ")
	}
	return lines
}
