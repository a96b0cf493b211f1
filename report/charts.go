package report

import (
	"bytes"
	"fmt"
	"html/template"
	"image/color"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// chart is one figure of the HTML report: an SVG drawn by gonum/plot, with the words
// that say what it shows.
type chart struct {
	// ID is the SVG element's id, stable for tests and links.
	ID      string
	Title   string
	Caption string
	SVG     template.HTML
}

// The size of a chart: its plot, and the legend below it. Browsers scale it to the
// page's width.
const (
	chartWidth = 10 * vg.Inch
	plotHeight = 3.4 * vg.Inch
	chartPad   = vg.Length(6)
)

// sans is the charts' font. Its metrics (Liberation Sans) are those of Arial and
// Helvetica, which the page names as fallbacks, so text lands where the plot measured it.
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

// canvas is a chart being drawn: the plot, and the entries of its legend, which goes
// below the plot, where it cannot hide a line.
type canvas struct {
	p      *plot.Plot
	legend []legendEntry
	// together is how many legend entries in a row belong together (a target's p99 and
	// p50): the legend's columns are a multiple of it, when it has that many.
	together int
}

type legendEntry struct {
	name   string
	thumbs []plot.Thumbnailer
}

func newCanvas(xLabel string) *canvas {
	p := plot.New()
	p.X.Label.Text = xLabel
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sans, 11)
		a.Tick.Label.Font = font.From(sans, 10)
	}
	p.X.Tick.Marker, p.Y.Tick.Marker = niceTicks{}, niceTicks{}
	grid := plotter.NewGrid()
	grid.Vertical.Color = color.Gray{Y: 225}
	grid.Horizontal.Color = color.Gray{Y: 225}
	p.Add(grid)
	return &canvas{p: p}
}

// line draws pts, one line broken where a y is NaN (no value in that interval). name
// adds a legend entry, unless it is empty.
func (c *canvas) line(name string, style draw.LineStyle, pts plotter.XYs) error {
	var first *plotter.Line
	for _, seg := range segments(pts) {
		l, err := plotter.NewLine(seg)
		if err != nil {
			return fmt.Errorf("chart line %s: %w", name, err)
		}
		l.LineStyle = style
		c.p.Add(l)
		if first == nil {
			first = l
		}
	}
	if name != "" && first != nil {
		c.legend = append(c.legend, legendEntry{name, []plot.Thumbnailer{first}})
	}
	return nil
}

// segments splits pts where a y is NaN, leaving out segments of no points.
func segments(pts plotter.XYs) []plotter.XYs {
	var out []plotter.XYs
	start := 0
	for i := 0; i <= len(pts); i++ {
		if i == len(pts) || math.IsNaN(pts[i].Y) {
			if i > start {
				out = append(out, pts[start:i])
			}
			start = i + 1
		}
	}
	return out
}

// newLegend is a legend of the charts' style, its entries from the top left down.
func newLegend() plot.Legend {
	l := plot.NewLegend()
	l.TextStyle.Font = font.From(sans, 10)
	l.Top, l.Left = true, true
	l.Padding = vg.Points(3)
	return l
}

// svg draws the chart: the plot, and below it the legend in as many columns as fit,
// filled row by row (so that a target's p99 and p50 sit side by side).
func (c *canvas) svg(id, title string) (template.HTML, error) {
	l := newLegend()
	var widest vg.Length
	for _, e := range c.legend {
		widest = max(widest, l.TextStyle.Width(e.name))
	}
	// Room for the thumbnail, and for a fallback font a little wider than Liberation.
	column := l.ThumbnailWidth + widest*1.15 + 6*chartPad
	cols := max(1, min(len(c.legend), int((chartWidth-2*chartPad)/column)))
	if c.together > 1 && cols > c.together {
		cols -= cols % c.together
	}
	rows := (len(c.legend) + cols - 1) / cols
	row := l.TextStyle.Height("Xg") + l.Padding
	legendHeight := vg.Length(rows)*row + 2*chartPad
	if rows == 0 {
		legendHeight = 0
	}
	height := plotHeight + legendHeight
	img := vgsvg.New(chartWidth, height)
	dc := draw.New(img)
	c.p.Draw(draw.Crop(dc, chartPad, -chartPad, legendHeight, -chartPad))
	for col := range cols {
		l := newLegend()
		for i := col; i < len(c.legend); i += cols {
			l.Add(c.legend[i].name, c.legend[i].thumbs...)
		}
		left := 3*chartPad + vg.Length(col)*column
		l.Draw(draw.Crop(dc, left, -(chartWidth - left - column), 0, -(height - legendHeight + chartPad)))
	}
	var buf bytes.Buffer
	if _, err := img.WriteTo(&buf); err != nil {
		return "", fmt.Errorf("drawing chart %s: %w", id, err)
	}
	return inlineSVG(buf.String(), id, title), nil
}

// inlineSVG makes vgsvg's document an element of an HTML page: no XML prolog, and an
// id, a class and an accessible name on the <svg> element.
func inlineSVG(doc, id, title string) template.HTML {
	i := strings.Index(doc, "<svg")
	if i < 0 {
		return template.HTML(template.HTMLEscapeString(doc))
	}
	attrs := fmt.Sprintf(`<svg id="%s" class="chart" role="img" aria-label="%s"`,
		template.HTMLEscapeString(id), template.HTMLEscapeString(title))
	return template.HTML(attrs + doc[i+len("<svg"):])
}

// palette gives colours: one hue per target, by the order targets first appear in the
// groups, so that a target has the same colour in every chart. Groups of one target
// (sweep points, before and after) get shades of its hue, darkest first.
type palette struct {
	target map[string]color.RGBA
	group  map[string]color.RGBA // by group label
}

// hues are the Okabe–Ito colours, which stay apart for colour-blind readers, without
// the yellow, which is hard to see on white.
var hues = [...]color.RGBA{
	{0x00, 0x72, 0xB2, 0xFF}, // blue
	{0xD5, 0x5E, 0x00, 0xFF}, // vermillion
	{0x00, 0x9E, 0x73, 0xFF}, // bluish green
	{0xCC, 0x79, 0xA7, 0xFF}, // reddish purple
	{0xE6, 0x9F, 0x00, 0xFF}, // orange
	{0x56, 0xB4, 0xE9, 0xFF}, // sky blue
	{0x00, 0x00, 0x00, 0xFF}, // black
}

func newPalette(groups []Group) palette {
	p := palette{target: map[string]color.RGBA{}, group: map[string]color.RGBA{}}
	byTarget := map[string][]Group{}
	var order []string
	for _, g := range groups {
		name := g.Runs[0].Target.Name
		if _, ok := byTarget[name]; !ok {
			order = append(order, name)
		}
		byTarget[name] = append(byTarget[name], g)
	}
	for i, name := range order {
		hue := hues[i%len(hues)]
		p.target[name] = hue
		same := byTarget[name]
		for j, g := range same {
			p.group[g.Label] = shade(hue, j, len(same))
		}
	}
	return p
}

// shade is the i-th of n shades of c: c itself when n is 1, else from darker than c to
// lighter.
func shade(c color.RGBA, i, n int) color.RGBA {
	if n == 1 {
		return c
	}
	t := -0.35 + 0.9*float64(i)/float64(n-1) // -0.35: towards black, 0.55: towards white
	mix := func(v uint8) uint8 {
		if t < 0 {
			return uint8(float64(v) * (1 + t))
		}
		return uint8(float64(v) + (255-float64(v))*t)
	}
	return color.RGBA{mix(c.R), mix(c.G), mix(c.B), 0xFF}
}

// Line styles: solid for the main figure, dashed for the one beside it (p50 beside
// p99, sent beside received).
func solid(c color.Color) draw.LineStyle { return draw.LineStyle{Color: c, Width: vg.Points(1.6)} }

// dotted is the style of a third figure (the offered rate beside sent and received).
func dotted(c color.Color) draw.LineStyle {
	return draw.LineStyle{Color: c, Width: vg.Points(1.2), Dashes: []vg.Length{vg.Points(1.5), vg.Points(2.5)}}
}

func dashed(c color.Color) draw.LineStyle {
	return draw.LineStyle{Color: c, Width: vg.Points(1.2), Dashes: []vg.Length{vg.Points(5), vg.Points(3)}}
}

// legendName is how a chart's legend names a group or target of t: with the emulator
// label, and whether AWS's quotas applied, which must not be lost when a chart is read
// alone.
func legendName(label string, t Target) string {
	switch {
	case t.Emulator && (t.WriteQuotas || t.ReadQuotas):
		return label + " [EMULATOR, " + strings.TrimSuffix(t.Quotas(), " (emulator)") + "]"
	case t.Emulator:
		return label + " [EMULATOR]"
	}
	return label
}

// yScale sets a latency axis: linear from 0, or logarithmic when the values span more
// than a factor of 50 (a Kafka p50 of 2 ms beside a Kinesis p99 of 300 ms), where a
// linear axis would flatten the smaller ones against the bottom. It returns what turns
// a value into its place on the axis.
//
// A logarithmic axis holds log10 of the values on a linear scale, labelled with the
// values: gonum's own log scale centres the axis label on the arithmetic middle of the
// range, far from the middle of the axis, and shrinks the plot to make room for it.
func yScale(a *plot.Axis, label string, values []float64) func(float64) float64 {
	lo, hi := math.Inf(1), 0.0
	for _, v := range values {
		if v > 0 && !math.IsNaN(v) {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	a.Label.Text = label
	if hi == 0 || hi/lo <= 50 {
		a.Min = 0
		return func(v float64) float64 { return v }
	}
	logAxis(a, lo/1.25, hi*1.25)
	a.Label.Text = label + ", log scale"
	return log10
}

// log10 is math.Log10, with NaN for what has no logarithm (0: no value).
func log10(v float64) float64 {
	if v <= 0 {
		return math.NaN()
	}
	return math.Log10(v)
}

// logAxis makes a an axis of log10 values from lo to hi, labelled with the values.
func logAxis(a *plot.Axis, lo, hi float64) {
	a.Min, a.Max = math.Log10(lo), math.Log10(hi)
	a.Tick.Marker = logTicks{}
}

// logTicks labels an axis of log10 values with the values: at powers of ten, and at 1,
// 2 and 5 times them when the axis spans less than three and a half powers of ten.
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	labelled := map[int]bool{1: true}
	if hi-lo < 3.5 {
		labelled = map[int]bool{1: true, 2: true, 5: true}
	}
	var ticks []plot.Tick
	for k := int(math.Floor(lo)); k <= int(math.Ceil(hi)); k++ {
		for m := 1; m < 10; m++ {
			at := float64(k) + math.Log10(float64(m))
			if at < lo-1e-9 || at > hi+1e-9 {
				continue
			}
			t := plot.Tick{Value: at}
			if labelled[m] {
				t.Label = trimFloat(float64(m) * math.Pow10(k))
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// niceTicks labels a linear axis every 1, 2, 2.5, 5 or 10 times a power of ten: the
// least of them that makes at most five steps, with a minor tick between two labels.
type niceTicks struct{}

func (niceTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) {
		return []plot.Tick{{Value: lo, Label: trimFloat(lo)}}
	}
	raw := (hi - lo) / 5
	power := math.Pow10(int(math.Floor(math.Log10(raw))))
	step := 10 * power
	for _, m := range []float64{1, 2, 2.5, 5} {
		if m*power >= raw {
			step = m * power
			break
		}
	}
	var ticks []plot.Tick
	for i := math.Ceil(lo / step * 2); i/2*step <= hi+step*1e-9; i++ {
		v := i / 2 * step
		t := plot.Tick{Value: v}
		if math.Mod(i, 2) == 0 {
			t.Label = trimFloat(v)
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// trimFloat writes v with at most 12 significant digits and no trailing zeros, so that
// 2×0.1 is written 0.2.
func trimFloat(v float64) string {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 12, 64), 64)
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// band shades the part of a chart between two x values, across its height: the
// warm-up and the drain of a run, which are outside the measured window.
type band struct {
	from, to float64
	color    color.Color
}

func (b band) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	x0, x1 := max(trX(b.from), c.Min.X), min(trX(b.to), c.Max.X)
	if x1 <= x0 {
		return
	}
	c.SetColor(b.color)
	c.Fill(vg.Rectangle{Min: vg.Point{X: x0, Y: c.Min.Y}, Max: vg.Point{X: x1, Y: c.Max.Y}}.Path())
}
