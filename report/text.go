package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"streambench/bench"
)

// Text writes each group for a reader: what produced the numbers, counts, throughput
// and latency percentiles, notes and errors. A group of several runs shows the least,
// median and greatest value of each figure over its runs; counts are totals.
func Text(w io.Writer, groups []Group) error {
	return write(newTextPage(w), describe, groups)
}

func describe(p page, groups []Group) {
	for _, g := range groups {
		r := g.Runs[0]
		p.heading(fmt.Sprintf("%s · %s — %s", r.Scenario.Name, g.Label, r.Target.Kind()))
		p.fields(about(g))
		p.table(countsTable(g))
		p.table(spreadTable(g, "throughput", throughputFigures()))
		p.table(latencyTable(g))
		p.lines(sloLines(g))
		p.lines(groupNotes(g, ""))
	}
}

// about says what produced a group's numbers.
func about(g Group) [][2]string {
	r := g.Runs[0]
	h, s := r.Host, r.Scenario
	broker := fmt.Sprintf("%s (%s driver)", brokerName(r), r.Target.Driver)
	if r.Target.Address != "" {
		broker += " at " + r.Target.Address
	}
	if r.Target.Security != "" {
		broker += ", " + r.Target.Security
	}
	out := [][2]string{
		{"broker", broker},
		{"host", fmt.Sprintf("%s: %d × %s, %s/%s; bench %s, %s", h.Hostname, h.CPUs, h.CPUModel, h.OS, h.Arch, h.BenchVersion, h.GoVersion)},
		{"scenario", fmt.Sprintf("%s of %d B, %s, %s, %s; %s measured after %s warm-up",
			s.Workload.Rate.Phrase(), s.Workload.MessageSize, plural(s.Topology.Partitions, "partition"),
			plural(s.Workload.Producers, "producer"), plural(s.Workload.Consumers, "consumer"), s.Duration, s.Warmup)},
	}
	const when = "2006-01-02 15:04:05 UTC"
	last := g.Runs[len(g.Runs)-1]
	runs := fmt.Sprintf("1, %s, %.0f s", r.StartedAt.UTC().Format(when), r.EndedAt.Sub(r.StartedAt).Seconds())
	if len(g.Runs) > 1 {
		runs = fmt.Sprintf("%d, from %s to %s", len(g.Runs), r.StartedAt.UTC().Format(when), last.EndedAt.UTC().Format(when))
	}
	return append(out, [2]string{"runs", runs})
}

func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

func brokerName(r *Result) string {
	return strings.TrimSpace(r.Target.Broker.Product + " " + r.Target.Broker.Version)
}

// totals adds up the counts of a group's runs.
func totals(g Group) (bench.Counts, map[string]int64) {
	var c bench.Counts
	driver := map[string]int64{}
	for _, r := range g.Runs {
		x := r.Counts
		c.Requested += x.Requested
		c.Sent += x.Sent
		c.Acked += x.Acked
		c.SendErrors += x.SendErrors
		c.NotSent += x.NotSent
		c.Received += x.Received
		c.Lost += x.Lost
		c.Duplicated += x.Duplicated
		c.Reordered += x.Reordered
		c.Unacknowledged += x.Unacknowledged
		c.Foreign += x.Foreign
		c.Redelivered += x.Redelivered
		for k, v := range r.DriverCounts {
			driver[k] += v
		}
	}
	return c, driver
}

// countRow is one row of counts, several counts joined by " / ".
type countRow struct {
	name string
	of   func(c bench.Counts) []int64
	// quiet rows are left out of comparisons when every count in them is 0.
	quiet bool
}

func countRows() []countRow {
	return []countRow{
		{"requested / not sent", func(c bench.Counts) []int64 { return []int64{c.Requested, c.NotSent} }, false},
		{"sent / received", func(c bench.Counts) []int64 { return []int64{c.Sent, c.Received} }, false},
		{"acked / send errors", func(c bench.Counts) []int64 { return []int64{c.Acked, c.SendErrors} }, false},
		{"lost / duplicated / reordered", func(c bench.Counts) []int64 { return []int64{c.Lost, c.Duplicated, c.Reordered} }, false},
		{"unacknowledged / foreign", func(c bench.Counts) []int64 { return []int64{c.Unacknowledged, c.Foreign} }, true},
		{"redelivered (read again)", func(c bench.Counts) []int64 { return []int64{c.Redelivered} }, true},
	}
}

func joinCounts(ns []int64) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.FormatInt(n, 10)
	}
	return strings.Join(s, " / ")
}

func countsTable(g Group) *table {
	c, driver := totals(g)
	head := "total"
	if len(g.Runs) > 1 {
		head = fmt.Sprintf("total of %d runs", len(g.Runs))
	}
	t := &table{header: []string{"counts", head}, labels: 1}
	for _, row := range countRows() {
		t.add(row.name, joinCounts(row.of(c)))
	}
	for _, k := range sortedKeys(driver) {
		t.add("driver: "+k, strconv.FormatInt(driver[k], 10))
	}
	return t
}

// spreadTable shows figures: their value for one run, else min, median and max.
func spreadTable(g Group, title string, figures []Figure) *table {
	t := &table{header: []string{title, "value"}, labels: 1}
	if len(g.Runs) > 1 {
		t.header = []string{title, "min", "median", "max"}
	}
	for _, f := range figures {
		s := f.Spread(g.Runs)
		if len(g.Runs) == 1 {
			t.add(f.Name, f.text(s))
			continue
		}
		t.add(append([]string{f.Name}, f.cells(s)...)...)
	}
	return t
}

// latencyTable has a row per metric (three, min, median and max, for several runs) and
// a column per percentile.
func latencyTable(g Group) *table {
	multi := len(g.Runs) > 1
	t := &table{header: []string{"latency (ms)", "count"}, labels: 1}
	if multi {
		t.header, t.labels = []string{"latency (ms)", "", "count"}, 2
	}
	for _, p := range percentiles() {
		t.header = append(t.header, p.name)
	}
	for _, m := range Metrics() {
		var count int64
		for _, r := range g.Runs {
			count += m.Of(r.Latency).Count
		}
		n := strconv.FormatInt(count, 10)
		// columns[i] are the cells of percentile i: min, median, max.
		var columns [][]string
		for _, f := range latencyFigures(m) {
			columns = append(columns, f.cells(f.Spread(g.Runs)))
		}
		row := func(i int, lead ...string) []string {
			for _, c := range columns {
				lead = append(lead, c[i])
			}
			return lead
		}
		if !multi {
			t.add(row(1, m.Title, n)...)
			continue
		}
		t.add(row(0, m.Title, "min", n)...)
		t.add(row(1, "", "median", "")...)
		t.add(row(2, "", "max", "")...)
	}
	return t
}

// groupNotes are the notes and errors of a group's runs, each once, with how many runs
// had it when not all did. who names the group, where several are shown together.
func groupNotes(g Group, who string) []string {
	notes, errs := tallyNotes(g)
	tag := func(kind string, runs int) string {
		var parts []string
		if who != "" {
			parts = append(parts, who)
		}
		if runs < len(g.Runs) {
			parts = append(parts, fmt.Sprintf("%d of %d runs", runs, len(g.Runs)))
		}
		if len(parts) == 0 {
			return kind
		}
		return kind + " (" + strings.Join(parts, ", ") + ")"
	}
	var out []string
	for _, n := range notes {
		out = append(out, tag("note", n.runs)+": "+n.key)
	}
	for _, e := range errs {
		out = append(out, fmt.Sprintf("%s: %d × %s, first: %s", tag("errors", e.runs), e.count, e.key, e.first))
	}
	return out
}

// tallyNotes gathers the notes and the errors of g's runs.
func tallyNotes(g Group) (notes, errs tally) {
	for _, r := range g.Runs {
		for _, n := range r.Notes {
			notes.add(n, 0, "")
		}
		for _, e := range r.Errors {
			errs.add(e.Where, e.Count, e.First)
		}
	}
	return notes, errs
}

// tally counts things by key over runs, in the order first seen. A run adds each key
// once (results keep one entry per note and per error place).
type tally []*tallied

type tallied struct {
	key   string
	runs  int
	count int64
	first string
}

func (t *tally) add(key string, count int64, first string) {
	for _, x := range *t {
		if x.key == key {
			x.runs++
			x.count += count
			return
		}
	}
	*t = append(*t, &tallied{key, 1, count, first})
}
