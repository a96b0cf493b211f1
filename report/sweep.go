package report

import (
	"cmp"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// sweep is what the results say about one swept setting: for each target, the groups
// that differ in that setting alone, as a line through its values.
type sweep struct {
	// setting is the swept setting's path, as the scenario's matrix names it.
	setting string
	lines   []sweepLine
}

// sweepLine is one target's groups along a swept setting, the other swept settings
// held at one value.
type sweepLine struct {
	target string
	// info describes the target, for the legend.
	info Target
	// fixed names the other swept settings and their values along the line
	// ("kafka.batch_max_bytes 16384"), or is empty.
	fixed  string
	points []sweepPoint
}

type sweepPoint struct {
	value string
	group Group
}

// sweeps finds, among groups, the sweep points of one target that differ in exactly
// one swept setting: a sweep per setting, a line per target (and per value of the
// other swept settings), in the order of the settings' names and of the groups.
func sweeps(groups []Group) []sweep {
	bySetting := map[string]*sweep{}
	var targets []string
	for _, g := range groups {
		if name := g.Runs[0].Target.Name; !slices.Contains(targets, name) {
			targets = append(targets, name)
		}
	}
	for _, target := range targets {
		var swept []Group
		settings := map[string]bool{}
		for _, g := range groups {
			point := sweepOf(g.Runs[0])
			if g.Runs[0].Target.Name != target || len(point) == 0 {
				continue
			}
			swept = append(swept, g)
			for k := range point {
				settings[k] = true
			}
		}
		for _, k := range sortedKeys(settings) {
			for _, l := range linesAlong(k, swept) {
				if bySetting[k] == nil {
					bySetting[k] = &sweep{setting: k}
				}
				bySetting[k].lines = append(bySetting[k].lines, l)
			}
		}
	}
	var out []sweep
	for _, k := range sortedKeys(bySetting) {
		out = append(out, *bySetting[k])
	}
	return out
}

// sweepOf is r's sweep point without the settings of other drivers' blocks, which do
// not change how r's target ran.
func sweepOf(r *Result) map[string]string {
	out := map[string]string{}
	for k, v := range r.Sweep {
		block, _, _ := strings.Cut(strings.TrimPrefix(k, "drivers."), ".")
		if _, isDriver := r.Scenario.Drivers[block]; isDriver && block != r.Target.Driver {
			continue
		}
		out[k] = v
	}
	return out
}

// linesAlong makes the lines of groups (one target's sweep points) along setting k:
// one per value of the other swept settings that has at least two values of k.
func linesAlong(k string, groups []Group) []sweepLine {
	var lines []*sweepLine
	for _, g := range groups {
		point := sweepOf(g.Runs[0])
		v, ok := point[k]
		if !ok {
			continue
		}
		var fixed []string
		for _, other := range sortedKeys(point) {
			if other != k {
				fixed = append(fixed, other+" "+point[other])
			}
		}
		key := strings.Join(fixed, ", ")
		i := slices.IndexFunc(lines, func(l *sweepLine) bool { return l.fixed == key })
		if i < 0 {
			r := g.Runs[0]
			lines = append(lines, &sweepLine{target: r.Target.Name, info: r.Target, fixed: key})
			i = len(lines) - 1
		}
		l := lines[i]
		if !slices.ContainsFunc(l.points, func(p sweepPoint) bool { return p.value == v }) {
			l.points = append(l.points, sweepPoint{v, g})
		}
	}
	var out []sweepLine
	for _, l := range lines {
		if len(l.points) > 1 {
			out = append(out, *l)
		}
	}
	return out
}

// axis places the sweep's values on the x axis: numbers where all of them are numbers
// (durations in milliseconds; on a log scale when they span a factor of 100 or more),
// else one place each, in the order first given. It returns each value's place.
func (s sweep) axis(a *plot.Axis) map[string]float64 {
	var values []string
	for _, l := range s.lines {
		for _, p := range l.points {
			if !slices.Contains(values, p.value) {
				values = append(values, p.value)
			}
		}
	}
	a.Label.Text = s.setting
	if at, unit, ok := numericValues(values); ok {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, x := range at {
			lo, hi = min(lo, x), max(hi, x)
		}
		if lo > 0 && hi/lo >= 100 {
			logAxis(a, lo/1.5, hi*1.5)
			for v, x := range at {
				at[v] = math.Log10(x)
			}
		}
		if unit != "" {
			a.Label.Text += " (" + unit + ")"
		}
		return at
	}
	at := map[string]float64{}
	var ticks plot.ConstantTicks
	for i, v := range values {
		at[v] = float64(i)
		ticks = append(ticks, plot.Tick{Value: float64(i), Label: v})
	}
	a.Tick.Marker = ticks
	a.Min, a.Max = -0.5, float64(len(values))-0.5
	return at
}

// numericValues reads values as numbers, or else as durations (in milliseconds).
func numericValues(values []string) (map[string]float64, string, bool) {
	numbers, durations := map[string]float64{}, map[string]float64{}
	for _, v := range values {
		if n, err := strconv.ParseFloat(v, 64); err == nil {
			numbers[v] = n
		}
		if d, err := time.ParseDuration(v); err == nil {
			durations[v] = float64(d) / float64(time.Millisecond)
		}
	}
	switch {
	case len(numbers) == len(values):
		return numbers, "", true
	case len(durations) == len(values):
		return durations, "ms", true
	}
	return nil, "", false
}

// sweepFigure is what a sweep chart shows of each point.
type sweepFigure struct {
	id, title, yLabel string
	f                 Figure
	latency           bool
}

func sweepFigures() []sweepFigure {
	received, _ := FigureClaimed("throughput.received_msgs_per_s")
	p99, _ := FigureClaimed("latency.end_to_end.p99")
	return []sweepFigure{
		{"throughput", "Throughput", "received msg/s", received, false},
		{"p99", "End-to-end p99 latency", "end-to-end p99 latency (ms)", p99, true},
	}
}

// sweepCharts draws, for each swept setting, the received throughput and the
// end-to-end p99 against the setting's values.
func sweepCharts(groups []Group, pal palette) ([]chart, error) {
	var out []chart
	for _, s := range sweeps(groups) {
		for _, sf := range sweepFigures() {
			c, err := sweepChart(s, sf, pal)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// glyphs tell apart the lines of one target in a sweep chart.
var glyphs = [...]draw.GlyphDrawer{draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{}, draw.RingGlyph{}, draw.BoxGlyph{}, draw.PyramidGlyph{}}

func sweepChart(s sweep, sf sweepFigure, pal palette) (chart, error) {
	c := newCanvas("")
	at := s.axis(&c.p.X)
	// spreads[i][j] is point j of line i, its points in the order of the x axis.
	spreads := make([][]Spread, len(s.lines))
	var ys []float64
	for i, l := range s.lines {
		slices.SortStableFunc(l.points, func(a, b sweepPoint) int { return cmp.Compare(at[a.value], at[b.value]) })
		for _, p := range l.points {
			sp := sf.f.Spread(p.group.Runs).Map(sf.f.InUnit)
			spreads[i] = append(spreads[i], sp)
			ys = append(ys, sp.Min, sp.Max)
		}
	}
	tr := linearFrom0(&c.p.Y, sf.yLabel, ys)
	if sf.latency {
		tr = yScale(&c.p.Y, sf.yLabel, ys)
	}
	perTarget := map[string]int{}
	for _, l := range s.lines {
		perTarget[l.target]++
	}
	nth := map[string]int{}
	for i, l := range s.lines {
		col := shade(pal.target[l.target], nth[l.target], perTarget[l.target])
		glyph := glyphs[nth[l.target]%len(glyphs)]
		nth[l.target]++
		var pts plotter.XYs
		var errs plotter.YErrors
		for j, p := range l.points {
			if sp := spreads[i][j]; sp.Runs > 0 {
				lo, mid, hi := tr(sp.Min), tr(sp.Median), tr(sp.Max)
				pts = append(pts, plotter.XY{X: at[p.value], Y: mid})
				errs = append(errs, struct{ Low, High float64 }{mid - lo, hi - mid})
			}
		}
		if err := sweepLineOn(c, sweepName(l), col, glyph, pts, errs); err != nil {
			return chart{}, err
		}
	}
	id := "sweep-" + chartID(s.setting) + "-" + sf.id
	title := sf.title + " against " + s.setting
	out := chart{ID: id, Title: title,
		Caption: "One point per sweep point of the scenario's matrix: the median over its runs, with a bar from the " +
			"least to the greatest where it ran more than once. A line is one target, the other swept settings held " +
			"where the legend says."}
	svg, err := c.svg(id, title)
	out.SVG = svg
	return out, err
}

// sweepLineOn draws one sweep line: a line through the points, a glyph on each, and
// a bar over each point's spread.
func sweepLineOn(c *canvas, name string, col color.RGBA, glyph draw.GlyphDrawer, pts plotter.XYs, errs plotter.YErrors) error {
	l, sc, err := plotter.NewLinePoints(pts)
	if err != nil {
		return fmt.Errorf("sweep chart %s: %w", name, err)
	}
	l.LineStyle = solid(col)
	sc.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Points(3.5), Shape: glyph}
	bars, err := plotter.NewYErrorBars(struct {
		plotter.XYs
		plotter.YErrors
	}{pts, errs})
	if err != nil {
		return fmt.Errorf("sweep chart %s: %w", name, err)
	}
	bars.LineStyle = solid(col)
	bars.LineStyle.Width = vg.Points(1)
	c.p.Add(l, bars, sc)
	c.legend = append(c.legend, legendEntry{name, []plot.Thumbnailer{l, sc}})
	return nil
}

func sweepName(l sweepLine) string {
	name := legendName(l.target, l.info)
	if l.fixed != "" {
		name += ", " + l.fixed
	}
	return name
}

// chartID makes a setting's path fit an element id: kafka.linger is kafka-linger.
func chartID(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '-'
	}, s)
}
