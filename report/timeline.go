package report

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/HdrHistogram/hdrhistogram-go"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"

	"streambench/bench"
)

// distributionChart draws metric m's latency at each percentile, one line per group,
// on HdrHistogram's 1/(1−q) axis. It reports false when no group has a value.
func distributionChart(groups []Group, pal palette, m Metric) (chart, bool, error) {
	c := newCanvas("percentile")
	c.p.X.Tick.Marker = percentileTicks{}
	var ys []float64
	maxX := 0.0 // log10 of 1/(1−q)
	type line struct {
		g   Group
		pts plotter.XYs
	}
	var lines []line
	for _, g := range groups {
		h, err := mergedHistogram(g, m)
		if err != nil {
			return chart{}, false, err
		}
		if h.TotalCount() == 0 {
			continue
		}
		var pts plotter.XYs
		for _, b := range h.CumulativeDistributionWithTicks(hgrmTicks) {
			if b.Quantile >= 100 {
				continue // 1/(1−q) is infinite: the max is in the table
			}
			x, y := math.Log10(1/(1-b.Quantile/100)), float64(b.ValueAt)/1e6
			pts = append(pts, plotter.XY{X: x, Y: y})
			ys, maxX = append(ys, y), max(maxX, x)
		}
		lines = append(lines, line{g, pts})
	}
	if len(lines) == 0 {
		return chart{}, false, nil
	}
	tr := yScale(&c.p.Y, m.Title+" latency (ms)", ys)
	c.p.X.Min, c.p.X.Max = 0, math.Ceil(maxX)
	for _, l := range lines {
		r := l.g.Runs[0]
		for i := range l.pts {
			l.pts[i].Y = tr(l.pts[i].Y)
		}
		if err := c.line(legendName(l.g.Label, r.Target), solid(pal.group[l.g.Label]), l.pts); err != nil {
			return chart{}, false, err
		}
	}
	out := chart{
		ID:    "latency-distribution-" + m.Name,
		Title: "Latency by percentile: " + m.Title,
		Caption: "The " + m.Title + " latency at each percentile, drawn as HdrHistogram's plotter draws it: the x axis is 1/(1−q) " +
			"on a log scale, so that 90%, 99%, 99.9% … are equally far apart. One line per target; the runs of a target " +
			"are merged into one distribution. The maximum is in the table below.",
	}
	svg, err := c.svg(out.ID, out.Title)
	out.SVG = svg
	return out, true, err
}

// mergedHistogram is metric m of all of g's runs, merged.
func mergedHistogram(g Group, m Metric) (*hdrhistogram.Histogram, error) {
	var all *hdrhistogram.Histogram
	for _, r := range g.Runs {
		h, err := m.Of(r.Latency).Histogram()
		if err != nil {
			return nil, fmt.Errorf("%s: %s latency: %w", g.Label, m.Title, err)
		}
		if all == nil {
			all = h
			continue
		}
		if dropped := all.Merge(h); dropped > 0 {
			return nil, fmt.Errorf("%s: %s latency: %d values out of the histogram's range when merging runs", g.Label, m.Title, dropped)
		}
	}
	return all, nil
}

// percentileTicks labels an axis of log10(1/(1−q)) with percentiles: 0 is 0%, 1 is
// 90%, 2 is 99%, 3 is 99.9%.
type percentileTicks struct{}

func (percentileTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for k := 0; float64(k) <= hi; k++ {
		for m := 1; m < 10; m++ {
			at := float64(k) + math.Log10(float64(m))
			if at < lo-1e-9 || at > hi+1e-9 {
				continue
			}
			t := plot.Tick{Value: at}
			if m == 1 {
				t.Label = percentileLabel(k)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// percentileLabel is the percentile at 1/(1−q) = 10^k: 0%, 90%, 99%, 99.9% …
func percentileLabel(k int) string {
	if k == 0 {
		return "0%"
	}
	return strconv.FormatFloat(100-math.Pow10(2-k), 'f', max(0, k-2), 64) + "%"
}

// overTime is a chart of figures of each second of the runs.
type overTime struct {
	id, title, yLabel, caption string
	// latency sets a latency axis (see yScale), else a linear one from 0.
	latency bool
	// figures are drawn, the first solid, the second dashed, the third dotted.
	figures []intervalFigure
}

// intervalFigure is one figure of an interval: NaN when the interval has none.
type intervalFigure struct {
	name string
	of   func(bench.Interval) float64
}

// draw draws the figures of each run's intervals against seconds since the run's
// first send: one line per run and figure, in its group's colour. It reports false
// when no run has intervals.
func (o overTime) draw(groups []Group, pal palette) (chart, bool, error) {
	c := newCanvas("seconds since the first send")
	c.together = len(o.figures)
	var ys []float64
	for _, g := range groups {
		for _, r := range g.Runs {
			for _, iv := range r.Intervals {
				for _, f := range o.figures {
					ys = append(ys, f.of(iv))
				}
			}
		}
	}
	if len(ys) == 0 {
		return chart{}, false, nil
	}
	tr := linearFrom0(&c.p.Y, o.yLabel, ys)
	if o.latency {
		tr = yScale(&c.p.Y, o.yLabel, ys)
	}
	c.p.X.Min = 0
	caption := o.caption + shadePhases(c, groups) + shadeFaults(c, groups)
	for _, g := range groups {
		col := pal.group[g.Label]
		for i, r := range g.Runs {
			for n, f := range o.figures {
				pts := make(plotter.XYs, len(r.Intervals))
				for j, iv := range r.Intervals {
					pts[j] = plotter.XY{X: iv.Start + iv.Seconds/2, Y: tr(f.of(iv))}
				}
				style, name := solid(col), ""
				switch {
				case n == 1:
					style = dashed(col)
				case n > 1:
					style = dotted(col)
				}
				if i == 0 {
					name = legendName(g.Label, g.Runs[0].Target) + " " + f.name
				}
				if err := c.line(name, style, pts); err != nil {
					return chart{}, false, err
				}
			}
		}
	}
	if multiRun(groups) {
		caption += " Each run of a target is drawn, in the target's colour."
	}
	out := chart{ID: o.id, Title: o.title, Caption: caption}
	svg, err := c.svg(o.id, o.title)
	out.SVG = svg
	return out, true, err
}

// overTimeCharts are the charts of each second of the runs: end-to-end latency and
// throughput, with the offered rate when a run's result has it.
func overTimeCharts(groups []Group) []overTime {
	ms := func(us float64, iv bench.Interval) float64 {
		if iv.Received == 0 || us <= 0 {
			return math.NaN()
		}
		return us / 1e3
	}
	rate := func(n int64, iv bench.Interval) float64 {
		if iv.Seconds <= 0 {
			return math.NaN()
		}
		return float64(n) / iv.Seconds
	}
	throughput := overTime{"throughput-over-time", "Throughput over time", "messages per second (msg/s)",
		"Messages received (solid) and sent (dashed) in each second.", false,
		[]intervalFigure{
			{"received", func(iv bench.Interval) float64 { return rate(iv.Received, iv) }},
			{"sent", func(iv bench.Interval) float64 { return rate(iv.Sent, iv) }},
		}}
	if offers(groups) {
		throughput.caption = "Messages received (solid), sent (dashed) and offered by the schedule (dotted) in each second."
		throughput.figures = append(throughput.figures, intervalFigure{"offered", func(iv bench.Interval) float64 {
			if iv.Phase == bench.PhaseDrain {
				return math.NaN() // nothing is offered once the load is over
			}
			return rate(iv.Offered, iv)
		}})
	}
	return []overTime{
		{"latency-over-time", "End-to-end latency over time", "end-to-end latency (ms)",
			"The p99 (solid) and p50 (dashed) end-to-end latency of the messages received in each second.", true,
			[]intervalFigure{
				{"p99", func(iv bench.Interval) float64 { return ms(iv.E2EP99, iv) }},
				{"p50", func(iv bench.Interval) float64 { return ms(iv.E2EP50, iv) }},
			}},
		throughput,
	}
}

// offers says whether a run's intervals record the offered rate (results of open-loop
// runs since it was added).
func offers(groups []Group) bool {
	for _, g := range groups {
		for _, r := range g.Runs {
			for _, iv := range r.Intervals {
				if iv.Offered > 0 {
					return true
				}
			}
		}
	}
	return false
}

// shadePhases greys the warm-up and the drain, when all runs share them, and says so.
func shadePhases(c *canvas, groups []Group) string {
	start, end, ok := math.NaN(), math.NaN(), true
	for _, g := range groups {
		for _, r := range g.Runs {
			s, e, found := measuredWindow(r.Intervals)
			if !found {
				continue
			}
			if math.IsNaN(start) {
				start, end = s, e
			}
			ok = ok && math.Abs(s-start) < 0.5 && math.Abs(e-end) < 0.5
		}
	}
	if !ok || math.IsNaN(start) {
		return ""
	}
	grey := color.NRGBA{A: 20} // translucent: the grid shows through
	c.p.Add(band{0, start, grey}, band{end, math.Inf(1), grey})
	return " The grey parts are the warm-up and the drain, outside the measured window."
}

// shadeFaults marks the window of each fault of the runs' timelines in red, and names
// them.
func shadeFaults(c *canvas, groups []Group) string {
	red := color.NRGBA{R: 220, A: 40}
	var names []string
	for _, g := range groups {
		for _, r := range g.Runs {
			for _, a := range r.Actions {
				if a.Effect == nil || a.Error != "" {
					continue
				}
				c.p.Add(band{a.AtS, a.AtS + max(a.TookS, 0.05), red})
				if !slices.Contains(names, a.Do) {
					names = append(names, a.Do)
				}
			}
		}
	}
	if len(names) == 0 {
		return ""
	}
	return " The red bands are the faults' windows (" + strings.Join(names, ", ") + ")."
}

// measuredWindow is the start and end of the measured phase among intervals.
func measuredWindow(ivs []bench.Interval) (start, end float64, ok bool) {
	start, end = math.Inf(1), math.Inf(-1)
	for _, iv := range ivs {
		if iv.Phase == bench.PhaseMeasure {
			start, end, ok = min(start, iv.Start), max(end, iv.Start+iv.Seconds), true
		}
	}
	return start, end, ok
}

// multiRun reports whether a group has several runs.
func multiRun(groups []Group) bool {
	for _, g := range groups {
		if len(g.Runs) > 1 {
			return true
		}
	}
	return false
}

// linearFrom0 sets a linear axis from 0 to a little above the greatest of values, so
// that a line at the greatest is not drawn on the frame.
func linearFrom0(a *plot.Axis, label string, values []float64) func(float64) float64 {
	a.Label.Text, a.Min = label, 0
	for _, v := range values {
		if !math.IsNaN(v) {
			a.Max = max(a.Max, v*1.08)
		}
	}
	return func(v float64) float64 { return v }
}
