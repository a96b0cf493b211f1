package bench

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"

	"streambench/drivers"
	"streambench/internal/strictyaml"
	"streambench/internal/yamlast"
)

// SLO is one service-level objective of a scenario: a figure of each run, named as
// claims files name it (latency.end_to_end.p99, counts.lost), held to a bound. Package
// report, which owns the figures, judges it.
type SLO struct {
	// Metric names the figure: one of the names SLOMetrics holds.
	Metric string `yaml:"metric" json:"metric"`
	// Max and Min bound it, inclusive; at least one is given.
	Max *Bound `yaml:"max" json:"max,omitempty"`
	Min *Bound `yaml:"min" json:"min,omitempty"`
	// Targets are the targets it applies to; empty means all of the scenario's.
	Targets []string `yaml:"targets" json:"targets,omitempty"`
}

// AppliesTo says whether the objective is judged on runs of target.
func (o SLO) AppliesTo(target string) bool {
	return len(o.Targets) == 0 || slices.Contains(o.Targets, target)
}

// String writes the objective as a reader wants it: "latency.end_to_end.p99 ≤ 50ms",
// "throughput.received_percent_of_requested ≥ 99%", "cpu.percent 10%–90%".
func (o SLO) String() string {
	switch {
	case o.Max != nil && o.Min != nil:
		return fmt.Sprintf("%s %s–%s", o.Metric, o.Min, o.Max)
	case o.Max != nil:
		return fmt.Sprintf("%s ≤ %s", o.Metric, o.Max)
	case o.Min != nil:
		return fmt.Sprintf("%s ≥ %s", o.Metric, o.Min)
	}
	return o.Metric
}

// BoundKind is what a bound is written as, which must be what its figure measures.
type BoundKind int

// The kinds of bound.
const (
	// BoundNumber is a plain number: a count, a rate in msgs/s or MB/s.
	BoundNumber BoundKind = iota + 1
	// BoundDuration is a duration with its unit: a latency (50ms), a time (2s).
	BoundDuration
	// BoundPercent is a percentage: 99%.
	BoundPercent
)

func (k BoundKind) String() string {
	switch k {
	case BoundNumber:
		return "a number, e.g. 0"
	case BoundDuration:
		return "a duration with its unit, e.g. 50ms"
	case BoundPercent:
		return "a percentage, e.g. 99%"
	}
	return "no kind of bound"
}

// Bound is the limit of an SLO: a number, a duration or a percentage, never negative.
type Bound struct {
	Kind BoundKind
	// Value is the number, or the percentage (99 for 99%); for a duration, its seconds.
	Value float64
	// D is the duration, for BoundDuration.
	D time.Duration
}

// boundForms says in words what a bound may be written as.
const boundForms = "a number (0), a percentage (99%) or a duration with its unit (50ms)"

func (b Bound) String() string {
	switch b.Kind {
	case BoundDuration:
		return FormatDuration(b.D)
	case BoundPercent:
		return strconv.FormatFloat(b.Value, 'g', -1, 64) + "%"
	}
	return strconv.FormatFloat(b.Value, 'g', -1, 64)
}

// MarshalJSON writes a number as a number, a duration or a percentage as its text.
func (b Bound) MarshalJSON() ([]byte, error) {
	if b.Kind == BoundNumber {
		return json.Marshal(b.Value)
	}
	return json.Marshal(b.String())
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (b *Bound) UnmarshalJSON(data []byte) error {
	var v float64
	if err := json.Unmarshal(data, &v); err == nil {
		return b.set(Bound{Kind: BoundNumber, Value: v}, string(data))
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("a bound is %s, not %s", boundForms, data)
	}
	return b.UnmarshalText([]byte(s))
}

// UnmarshalText reads a number, "99%" or a duration with its unit, within the range
// rule; on error b is left as it was.
func (b *Bound) UnmarshalText(data []byte) error {
	s := strings.TrimSpace(string(data))
	if p, ok := strings.CutSuffix(s, "%"); ok {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return boundError(s)
		}
		return b.set(Bound{Kind: BoundPercent, Value: v}, s)
	}
	if v, err := strconv.ParseFloat(s, 64); err == nil {
		return b.set(Bound{Kind: BoundNumber, Value: v}, s)
	}
	d, err := drivers.ParseDuration(s)
	if err != nil {
		return boundError(s)
	}
	return b.set(Bound{Kind: BoundDuration, Value: d.Seconds(), D: d}, s)
}

// DecodeNode reads a bound from a YAML scalar: a number by its value, a percentage or
// a duration by its text.
func (b *Bound) DecodeNode(n ast.Node) error {
	if v, ok := yamlast.NumberValue(n); ok {
		return b.set(Bound{Kind: BoundNumber, Value: v}, n.GetToken().Value)
	}
	text, ok := yamlast.StringValue(n)
	if !ok {
		return fmt.Errorf("want %s, not %s", boundForms, yamlast.Describe(n))
	}
	return b.UnmarshalText([]byte(text))
}

// set makes b v if the range rule holds (a finite value, not negative); text is how v
// was written, for the error.
func (b *Bound) set(v Bound, text string) error {
	if math.IsNaN(v.Value) || math.IsInf(v.Value, 0) || v.Value < 0 || v.D < 0 {
		return fmt.Errorf("a bound must be finite and not negative, not %q", text)
	}
	*b = v
	return nil
}

func boundError(text string) error {
	return fmt.Errorf("a bound is %s, not %q", boundForms, text)
}

// SLOMetrics are the figures an SLO may name, each with the kind of bound it takes.
// Package report makes them from its figure catalogue (report.SLOMetrics): the engine,
// which report imports, cannot read the catalogue itself.
type SLOMetrics map[string]BoundKind

// Known is what a scenario may name that the engine does not define itself.
type Known struct {
	// Registry holds the drivers whose settings blocks a scenario may hold; nil means
	// none.
	Registry *drivers.Registry
	// Targets are the target names the program can run.
	Targets []string
	// Metrics are the figures SLOs may name; without them, any SLO is refused.
	Metrics SLOMetrics
}

// LoadWith reads and validates a scenario file, SLOs included, as Load does.
func LoadWith(path string, k Known) (Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Scenario{}, fmt.Errorf("read scenario: %w", err)
	}
	return ParseWith(path, data, k)
}

// checkSLOs reports the rules of the scenario's SLOs that need no catalogue: a metric
// and a bound given, the bounds in order, and targets the scenario runs.
func (s *Scenario) checkSLOs(report func(path, msg string)) {
	for i, o := range s.SLO {
		path := fmt.Sprintf("slo[%d]", i)
		if o.Metric == "" {
			report(path+".metric", "required: the figure to hold to a bound, e.g. latency.end_to_end.p99")
		}
		switch {
		case o.Max == nil && o.Min == nil:
			report(path, "required: max, min or both, e.g. {metric: latency.end_to_end.p99, max: 50ms}")
		case o.Max != nil && o.Min != nil && o.Max.Kind == o.Min.Kind && o.Min.Value > o.Max.Value:
			report(path+".min", fmt.Sprintf("%s is above max (%s): no run could hold it", o.Min, o.Max))
		}
		seen := map[string]bool{}
		for j, t := range o.Targets {
			tpath := fmt.Sprintf("%s.targets[%d]", path, j)
			switch {
			case seen[t]:
				report(tpath, fmt.Sprintf("duplicate target %q", t))
			case !slices.Contains(s.Targets, t):
				report(tpath, fmt.Sprintf("%q is not a target of the scenario (%s)", t, strictyaml.Hint(t, s.Targets)))
			}
			seen[t] = true
		}
	}
}

// reportSLOMetrics reports, where each was written, the SLOs' metrics that are not in
// metrics, and the bounds not of the kind their metric takes.
func (d *decoder) reportSLOMetrics(s *Scenario, metrics SLOMetrics) {
	names := make([]string, 0, len(metrics))
	for name := range metrics {
		names = append(names, name)
	}
	for i, o := range s.SLO {
		path := fmt.Sprintf("slo[%d]", i)
		if o.Metric == "" || d.FailedAt(path+".metric") {
			continue
		}
		kind, ok := metrics[o.Metric]
		if !ok {
			msg := fmt.Sprintf("unknown metric %q (%s)", o.Metric, strictyaml.Hint(o.Metric, names))
			if len(names) == 0 {
				msg = fmt.Sprintf("unknown metric %q (this loader knows no metrics)", o.Metric)
			}
			d.ErrorAt(d.Lookup(path+".metric"), path+".metric", msg)
			continue
		}
		for _, b := range []struct {
			key   string
			bound *Bound
		}{{"max", o.Max}, {"min", o.Min}} {
			if b.bound != nil && b.bound.Kind != kind && !d.FailedAt(path+"."+b.key) {
				d.ErrorAt(d.Lookup(path+"."+b.key), path+"."+b.key,
					fmt.Sprintf("%s takes %s, not %s", o.Metric, kind, b.bound))
			}
		}
	}
}
