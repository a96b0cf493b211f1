package verify

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"streambench/report"
)

// Evaluate judges every claim of c against results. The runs a reference matches (its
// scenario, its target, and its sweep settings) are repetitions: a figure is their
// median, with their minimum and maximum as its spread.
func Evaluate(c *Claims, results []*report.Result) *Report {
	rep := &Report{ClaimsFile: c.Path, Prices: c.Prices, When: time.Now().UTC(), Results: len(results)}
	if len(results) > 0 {
		rep.Host = results[0].Host
	}
	e := evaluator{results: results, prices: c.Prices}
	for _, cl := range c.Claims {
		var checks []CheckResult
		for _, ch := range cl.Checks {
			fig := e.figure(ch.Left, ch.Right)
			res := CheckResult{Says: ch.Says, Rule: ch.rule(), Op: ch.Op, Threshold: ch.Threshold, Figure: fig, Outcome: fig.outcome(ch)}
			if len(fig.Caveats) > 0 && res.Outcome != NoData && res.Outcome != NoValue {
				// An emulator's speed is no evidence either way.
				res.Outcome = EmulatorOnly
			}
			checks = append(checks, res)
		}
		v := verdict(cl, checks)
		v.References = cl.References
		for _, in := range cl.Info {
			v.Info = append(v.Info, InfoResult{Label: in.Label, Quantity: quantity(in.Left, in.Right), Figure: e.figure(in.Left, in.Right)})
		}
		rep.Claims = append(rep.Claims, v)
	}
	return rep
}

// outcome judges the figure by the check's threshold.
func (f Figure) outcome(ch Check) Outcome {
	switch {
	case f.Left.outcome != "":
		return f.Left.outcome
	case f.Right != nil && f.Right.outcome != "":
		return f.Right.outcome
	case f.Value.Runs == 0:
		return NoValue
	}
	return judge(f.Value, ch.Op, ch.Threshold)
}

type evaluator struct {
	results []*report.Result
	prices  *Prices
}

// figure measures left, or left/right. With as many runs on each side, the ratio is
// taken run by run, pairing the runs in start order; otherwise it is the ratio of the
// medians, its spread the extreme ratios of the two spreads.
func (e evaluator) figure(left Ref, right *Ref) Figure {
	f := Figure{Left: e.side(left)}
	f.Unit = f.Left.Unit
	f.Caveats, f.QuotaNotes = e.caveats(left)
	if right == nil {
		f.Value = f.Left.Value
		f.Missing = f.Left.missing
		return f
	}
	r := e.side(*right)
	f.Right, f.Unit = &r, ""
	caveats, notes := e.caveats(*right)
	f.Caveats = appendNew(f.Caveats, caveats...)
	f.QuotaNotes = appendNew(f.QuotaNotes, notes...)
	switch {
	case f.Left.missing != "":
		f.Missing = f.Left.missing
		return f
	case r.missing != "":
		f.Missing = r.missing
		return f
	}
	if len(f.Left.values) == len(r.values) {
		var ratios []float64
		for i, lv := range f.Left.values {
			rv := r.values[i]
			if lv == nil || rv == nil {
				continue
			}
			if *rv == 0 && *lv == 0 {
				f.Missing = fmt.Sprintf("%s and %s are both 0 in run %d of %d: no ratio", left, right, i+1, len(r.values))
				return f
			}
			// Something over nothing (a broker that delivered nothing in the window
			// against one that did) is infinitely more: it meets any at_least.
			ratios = append(ratios, *lv / *rv)
		}
		f.Value = spread(ratios)
		if f.Value.Runs == 0 {
			f.Missing = fmt.Sprintf("no run of %s has a value together with its pair of %s", left, right)
		}
		return f
	}
	l, rs := f.Left.Value, r.Value
	if rs.Min <= 0 && rs.Max >= 0 {
		f.Missing = fmt.Sprintf("%s ranges over 0 [%s–%s]: no ratio", right, report.Trimmed.Format(rs.Min), report.Trimmed.Format(rs.Max))
		return f
	}
	ends := []float64{l.Min / rs.Min, l.Min / rs.Max, l.Max / rs.Min, l.Max / rs.Max}
	f.Value = report.Spread{Min: slices.Min(ends), Median: l.Median / rs.Median, Max: slices.Max(ends), Runs: min(l.Runs, rs.Runs)}
	return f
}

// matches are the results a reference names, in start order.
func (e evaluator) matches(ref Ref) []*report.Result {
	var out []*report.Result
	for _, r := range e.results {
		if r.Scenario.Name != ref.Scenario || r.Target.Name != ref.Target {
			continue
		}
		ok := true
		for k, v := range ref.Sweep {
			if got, has := r.Sweep[k]; !has || got != v {
				ok = false
			}
		}
		if ok {
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b *report.Result) int { return a.StartedAt.Compare(b.StartedAt) })
	return out
}

// side measures one reference over its repetitions.
func (e evaluator) side(ref Ref) Side {
	s := Side{Ref: ref}
	m, err := parseMetric(ref.Metric)
	if err != nil {
		s.missing, s.outcome = err.Error(), NoValue
		return s
	}
	s.Unit = m.unit
	if m.family == "cost" && e.prices != nil {
		s.Unit = e.prices.Currency
	}
	runs := e.matches(ref)
	s.Matched = len(runs)
	if len(runs) == 0 {
		s.missing, s.outcome = e.noData(ref), NoData
		return s
	}
	if points := distinct(runs, sweepLabel); len(points) > 1 {
		s.missing, s.outcome = fmt.Sprintf("%s/%s matches %d points of the scenario's sweep (%s): pick one with sweep",
			ref.Scenario, ref.Target, len(points), strings.Join(points, "; ")), NoData
		return s
	}
	s.Brokers = distinct(runs, brokerLabel)
	var present []float64
	var why []string
	for _, r := range runs {
		v, err := m.of(r, e.prices)
		if err != nil {
			s.values = append(s.values, nil)
			why = append(why, strings.TrimPrefix(err.Error(), report.ErrNoValue.Error()+": "))
			continue
		}
		s.values = append(s.values, &v)
		present = append(present, v)
	}
	s.Value = spread(present)
	switch {
	case len(present) == 0:
		s.missing, s.outcome = fmt.Sprintf("%s: no value (%s)", ref, strings.Join(slices.Compact(why), "; ")), NoValue
	case len(why) > 0:
		s.Notes = append(s.Notes, fmt.Sprintf("%d of %d runs have no value (%s)", len(why), len(runs), strings.Join(slices.Compact(why), "; ")))
	}
	if !m.performance() {
		for _, p := range distinct(emulators(runs), func(r *report.Result) string { return r.Target.Broker.Product }) {
			s.Notes = append(s.Notes, fmt.Sprintf("from %s, an emulator", p))
		}
	}
	if groups := report.Groups(runs); len(groups) > 1 {
		labels := make([]string, len(groups))
		for i, g := range groups {
			labels[i] = g.Label
		}
		s.Notes = append(s.Notes, fmt.Sprintf("the runs are of %d configurations, taken as repetitions: %s", len(groups), strings.Join(labels, "; ")))
	}
	return s
}

// noData says which reference matched nothing, and what the results hold instead.
func (e evaluator) noData(ref Ref) string {
	msg := fmt.Sprintf("no result of scenario %s, target %s", ref.Scenario, ref.Target)
	if len(ref.Sweep) > 0 {
		msg += ", sweep " + ref.sweepText()
	}
	msg += " (for " + ref.Metric + ")"
	var targets []string
	for _, r := range e.results {
		if r.Scenario.Name == ref.Scenario && !slices.Contains(targets, r.Target.Name) {
			targets = append(targets, r.Target.Name)
		}
	}
	if len(targets) > 0 {
		msg += fmt.Sprintf("; %s has results of %s", ref.Scenario, strings.Join(targets, ", "))
	}
	return msg
}

// caveats are what the figure of ref cannot be evidence of: an emulator's speed says
// nothing about the service it stands in for. Where every run of an emulator was bounded
// by an AWS quota it enforced (quotaBound), the figure is the quota's, and notes say so
// instead.
func (e evaluator) caveats(ref Ref) (caveats, notes []string) {
	m, err := parseMetric(ref.Metric)
	if err != nil || !m.performance() || len(distinct(e.matches(ref), sweepLabel)) != 1 {
		// No figure (or one of several sweep points, which is no figure either).
		return nil, nil
	}
	runs := emulators(e.matches(ref))
	var bound []string
	for _, r := range runs {
		if note, ok := quotaBound(r, m); ok {
			bound = append(bound, note)
		}
	}
	if len(runs) > 0 && len(bound) == len(runs) {
		return nil, appendNew(nil, bound...)
	}
	for _, r := range distinctRuns(runs) {
		caveats = append(caveats, fmt.Sprintf("rests on an emulator's %s (%s %s): it says nothing about %s",
			m.aspect(), r.Target.Broker.Product, r.Target.Broker.Version, realService(r.Target.Driver)))
	}
	return caveats, nil
}

// appendNew appends to list each of items it does not hold yet.
func appendNew(list []string, items ...string) []string {
	for _, it := range items {
		if !slices.Contains(list, it) {
			list = append(list, it)
		}
	}
	return list
}

// realService names what an emulator of the driver's API stands in for.
func realService(driver string) string {
	switch driver {
	case "kinesis":
		return "Amazon Kinesis"
	case "kafka":
		return "Apache Kafka"
	}
	return "the service it stands in for"
}

func emulators(runs []*report.Result) []*report.Result {
	return slices.DeleteFunc(slices.Clone(runs), func(r *report.Result) bool { return !r.Target.Emulator })
}

// distinctRuns keeps the first run of each broker.
func distinctRuns(runs []*report.Result) []*report.Result {
	var out []*report.Result
	seen := map[string]bool{}
	for _, r := range runs {
		if k := brokerLabel(r); !seen[k] {
			seen[k] = true
			out = append(out, r)
		}
	}
	return out
}

// distinct lists the different values of f over runs, in order of appearance.
func distinct(runs []*report.Result, f func(*report.Result) string) []string {
	var out []string
	for _, r := range runs {
		if v := f(r); !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

func brokerLabel(r *report.Result) string {
	s := strings.TrimSpace(r.Target.Broker.Product + " " + r.Target.Broker.Version)
	if r.Target.Emulator {
		s += " EMULATOR"
	}
	return s
}

func sweepLabel(r *report.Result) string {
	var parts []string
	for _, k := range sortedKeys(r.Sweep) {
		parts = append(parts, k+"="+r.Sweep[k])
	}
	return strings.Join(parts, " ")
}

// spread is the spread of vs, leaving out a NaN (a value that is none).
func spread(vs []float64) report.Spread {
	return report.SpreadOf(slices.DeleteFunc(slices.Clone(vs), math.IsNaN))
}
