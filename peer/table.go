package peer

import (
	"fmt"
	"io"
	"math"
	"strings"

	"streambench/report"
)

// spreadOf is the spread of one figure over a tool's repetitions.
func spreadOf(samples []Sample, tool, key string) report.Spread {
	var vs []float64
	for _, s := range samples {
		if v, ok := s.Values[key]; ok && s.Tool == tool {
			vs = append(vs, v)
		}
	}
	return report.SpreadOf(vs)
}

// Markdown writes one table per measurement: each figure's median [min–max] over the
// repetitions for bench and for its peer, and the ratio of the medians, then the
// targets bench is held to and whether they were met.
func Markdown(w io.Writer, outs []Outcome) error {
	var b strings.Builder
	for _, o := range outs {
		fmt.Fprintf(&b, "### %s: bench vs %s\n\n%s\n\n", o.Title, o.Peer, o.Settings)
		fmt.Fprintf(&b, "| | bench | %s | bench / %s |\n|---|---:|---:|---:|\n", o.Peer, o.Peer)
		for _, m := range o.Metrics {
			bs, ps := spreadOf(o.Samples, "bench", m.Key), spreadOf(o.Samples, peerClass(o.Peer), m.Key)
			r := "" // no ratio for a count
			if m.Better != "" {
				r = report.Ratio2.FormatOK(bs.Over(ps))
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", m.Name, bs.Text(report.Grouped), ps.Text(report.Grouped), r)
		}
		fmt.Fprintf(&b, "\n%s\n\n", repetitions(o))
		if o.Err != "" {
			fmt.Fprintf(&b, "**Stopped early:** %s\n\n", o.Err)
		}
	}
	if t := Targets(outs); len(t) > 0 {
		b.WriteString("### Targets\n\n| target | measured | |\n|---|---|---|\n")
		for _, x := range t {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", x.Target, x.Measured, x.Verdict)
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func repetitions(o Outcome) string {
	n := 0
	for _, s := range o.Samples {
		n = max(n, s.Rep)
	}
	order := "bench, then " + o.Peer
	if len(o.Samples) > 0 && o.Samples[0].Tool != "bench" {
		order = o.Peer + ", then bench"
	}
	return fmt.Sprintf("Medians of %d repetitions, [least–greatest]; in each, %s ran.", n, order)
}

// peerClass maps a short name back to the class samples are labelled with.
func peerClass(short string) string {
	for _, c := range []string{ProducerPerformance, ConsumerPerformance, EndToEndLatency} {
		if shortName(c) == short {
			return c
		}
	}
	return short
}

// Target is one of the figures bench is held to, as measured.
type Target struct {
	Target, Measured, Verdict string
}

// Targets judges the targets of the measurements taken: bench's producer at least 1.2×
// ProducerPerformance's records/s with 100-byte records and at most 0.5× its CPU per
// record; its consumer at least 1.0× ConsumerPerformance's; its end-to-end p50 within
// 10% of EndToEndLatency's; and the stall visible in its latency.
func Targets(outs []Outcome) []Target {
	var ts []Target
	find := func(name string) *Outcome {
		for i := range outs {
			if outs[i].Name == name {
				return &outs[i]
			}
		}
		return nil
	}
	medians := func(o *Outcome, key string) (b, p report.Spread) {
		return spreadOf(o.Samples, "bench", key), spreadOf(o.Samples, peerClass(o.Peer), key)
	}
	judge := func(target string, b, p report.Spread, ok func(r float64) bool) {
		r, measured := b.Over(p)
		if !measured {
			ts = append(ts, Target{target, "not measured", "–"})
			return
		}
		v := "missed"
		if ok(r) {
			v = "met"
		}
		ts = append(ts, Target{target, fmt.Sprintf("%s (%s vs %s)", report.Ratio2.Format(r), report.Grouped.Format(b.Median), report.Grouped.Format(p.Median)), v})
	}
	if o := find(Produce100); o != nil {
		b, p := medians(o, kRecordsPerS)
		judge("producer records/s, 100-byte records: ≥ 1.2× ProducerPerformance", b, p, func(r float64) bool { return r >= 1.2 })
		b, p = medians(o, kCPUPerM)
		judge("producer CPU s per million records: ≤ 0.5× ProducerPerformance", b, p, func(r float64) bool { return r <= 0.5 })
	}
	if o := find(Consume); o != nil {
		b, p := medians(o, kRecordsPerS)
		judge("consumer records/s over the same backlog: ≥ 1.0× ConsumerPerformance", b, p, func(r float64) bool { return r >= 1.0 })
	}
	if o := find(EndToEnd); o != nil {
		b, p := medians(o, "p50_whole_ms")
		judge("end-to-end p50 within 10% of EndToEndLatency's (at its whole-ms resolution)", b, p, func(r float64) bool { return math.Abs(r-1) <= 0.1 })
		b, p = medians(o, "mean_ms")
		judge("end-to-end mean within 10% of EndToEndLatency's (its only sub-ms figure)", b, p, func(r float64) bool { return math.Abs(r-1) <= 0.1 })
	}
	if o := find(Stall); o != nil {
		b := spreadOf(o.Samples, "bench", "max_ms")
		v := "missed"
		if b.Runs > 0 && b.Min >= float64(stallFor.Milliseconds())*0.75 {
			v = "met"
		}
		if b.Runs == 0 {
			v = "–"
		}
		ts = append(ts, Target{fmt.Sprintf("the %s stall shows in bench's publish latency (max ≥ ¾ of it in every run)", stallFor),
			fmt.Sprintf("max %s ms", b.Text(report.Grouped)), v})
	}
	return ts
}
