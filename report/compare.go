package report

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// CompareText writes the groups side by side: one column per group, the same figures
// in each, and the ratio of each figure to the first column's. Warning lines come first
// when the columns do not measure the same thing (other settings, another machine, an
// emulator). A group of several runs shows each figure's median and range, and a ratio
// whose ranges overlap is marked not significant.
func CompareText(w io.Writer, groups []Group) error {
	return write(newTextPage(w), compare, groups)
}

// CompareMarkdown writes what CompareText does, as Markdown.
func CompareMarkdown(w io.Writer, groups []Group) error {
	return write(newMarkdownPage(w), compare, groups)
}

// notSignificant marks a ratio whose two columns' ranges overlap.
const notSignificant = " (n.s.)"

func compare(p page, groups []Group) {
	if len(groups) == 0 {
		return
	}
	p.lines(warnings(groups))
	t, marked := compareTable(groups)
	p.table(t)
	p.lines(footnotes(groups, marked))
	var notes []string
	for _, g := range groups {
		notes = append(notes, groupNotes(g, g.Label)...)
	}
	p.lines(notes)
}

// compareTable builds the side-by-side table. It reports whether a ratio was marked
// not significant.
func compareTable(groups []Group) (*table, bool) {
	base := groups[0]
	t := &table{header: []string{""}, labels: 1}
	for i, g := range groups {
		t.header = append(t.header, g.Label)
		if i > 0 {
			t.header = append(t.header, "vs "+base.Label)
		}
	}
	// text adds a row of words, with no ratios.
	text := func(name string, cell func(g Group) string) {
		row := []string{name}
		for i, g := range groups {
			row = append(row, cell(g))
			if i > 0 {
				row = append(row, "")
			}
		}
		t.add(row...)
	}
	marked := false
	numbers := func(f Figure) {
		row := []string{"  " + f.Name}
		s0 := f.Spread(base.Runs)
		for i, g := range groups {
			s := f.Spread(g.Runs)
			row = append(row, f.text(s))
			if i == 0 {
				continue
			}
			r, ns := compareSpreads(s0, s)
			marked = marked || ns
			row = append(row, r)
		}
		t.add(row...)
	}

	text("what it is", func(g Group) string { return g.Runs[0].Target.Kind() })
	text("broker", func(g Group) string { return brokerName(g.Runs[0]) })
	if differ(groups, func(r *Result) string { return r.Target.Security }) {
		text("connection", func(g Group) string { return g.Runs[0].Target.Security })
	}
	if differ(groups, func(r *Result) string { return r.Scenario.Name }) {
		text("scenario", func(g Group) string { return g.Runs[0].Scenario.Name })
	}
	text("runs", func(g Group) string { return strconv.Itoa(len(g.Runs)) })
	for _, row := range countRows() {
		quiet := row.quiet
		for _, g := range groups {
			c, _ := totals(g)
			quiet = quiet && slices.Max(row.of(c)) == 0
		}
		if !quiet {
			text(row.name, func(g Group) string {
				c, _ := totals(g)
				return joinCounts(row.of(c))
			})
		}
	}
	names := map[string]bool{}
	for _, g := range groups {
		_, driver := totals(g)
		for k := range driver {
			names[k] = true
		}
	}
	for _, k := range sortedKeys(names) {
		text("driver: "+k, func(g Group) string {
			_, driver := totals(g)
			if n, ok := driver[k]; ok {
				return strconv.FormatInt(n, 10)
			}
			return "-"
		})
	}

	t.add("throughput")
	text("  requested msg/s", func(g Group) string { return requested(g.Runs[0]) })
	for _, f := range throughputFigures() {
		numbers(f)
	}
	for _, m := range Metrics() {
		t.add(m.Title + " latency (ms)")
		for _, f := range latencyFigures(m) {
			numbers(f)
		}
	}
	return t, marked
}

// compareSpreads is the ratio of s to base, marked not significant when both have a
// spread and their ranges overlap. It reports whether it marked it.
func compareSpreads(base, s Spread) (string, bool) {
	m, ok := s.Over(base)
	if !ok {
		return Ratio.none(), false
	}
	r := Ratio.Format(m)
	if base.Runs > 1 && s.Runs > 1 && base.Overlaps(s) {
		return r + notSignificant, true
	}
	return r, false
}

// footnotes say how to read the cells and ratios.
func footnotes(groups []Group, marked bool) []string {
	var single []string
	for _, g := range groups {
		if len(g.Runs) == 1 {
			single = append(single, g.Label)
		}
	}
	if len(single) == len(groups) {
		if len(groups) == 1 {
			return nil
		}
		return []string{"one run each: no spread, ratios are single measurements."}
	}
	out := []string{"a column of several runs shows each figure's median [min–max] over them; counts are totals."}
	if marked {
		out = append(out, "n.s.: not significant: the min–max ranges of the column and of the first one overlap, so the difference is smaller than the spread between runs.")
	}
	if len(single) > 0 && len(groups) > 1 {
		out = append(out, strings.Join(single, ", ")+": one run, no spread: a ratio involving it is a single measurement and makes no claim of significance.")
	}
	return out
}

// warnings say when the columns do not measure the same thing.
func warnings(groups []Group) []string {
	var out []string
	for _, d := range settingsDiff(groups) {
		out = append(out, "warning: the scenario settings differ: "+d)
	}
	machine := []string{}
	for _, f := range []struct {
		name string
		of   func(r *Result) string
	}{
		{"hostname", func(r *Result) string { return r.Host.Hostname }},
		{"cpus", func(r *Result) string { return strconv.Itoa(r.Host.CPUs) }},
		{"cpu_model", func(r *Result) string { return r.Host.CPUModel }},
		{"os/arch", func(r *Result) string { return r.Host.OS + "/" + r.Host.Arch }},
		{"bench_version", func(r *Result) string { return r.Host.BenchVersion }},
		{"go_version", func(r *Result) string { return r.Host.GoVersion }},
	} {
		if differ(groups, f.of) {
			machine = append(machine, f.name+" ("+perGroup(groups, f.of)+")")
		}
	}
	if len(machine) > 0 {
		out = append(out, "warning: the results come from different machines or programs: "+strings.Join(machine, "; "))
	}
	for _, g := range groups {
		r := g.Runs[0]
		switch {
		case r.Target.Emulator:
			out = append(out, fmt.Sprintf("warning: %s ran against an emulator (%s), not the real service: its latency and throughput say nothing about the real one.", g.Label, brokerName(r)))
		case r.Target.Env == "in-process":
			out = append(out, fmt.Sprintf("warning: %s has no broker (harness only): its numbers measure bench itself.", g.Label))
		}
	}
	return out
}

// differ reports whether of gives different values for the groups.
func differ(groups []Group, of func(r *Result) string) bool {
	for _, g := range groups[1:] {
		if of(g.Runs[0]) != of(groups[0].Runs[0]) {
			return true
		}
	}
	return false
}

// perGroup lists of's value for each group, as "kafka: x, kinesis: y".
func perGroup(groups []Group, of func(r *Result) string) string {
	cells := make([]string, len(groups))
	for i, g := range groups {
		cells[i] = g.Label + ": " + of(g.Runs[0])
	}
	return strings.Join(cells, ", ")
}
