package report

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"
	"time"
)

// HTML writes the groups as one self-contained HTML page: what produced the numbers,
// warnings, charts (SVG, drawn here: the latency distribution of each target on
// HdrHistogram's percentile axis, latency and throughput over time, and each swept
// setting against its values) and the side-by-side table of CompareText. The page
// needs no network and runs no script.
func HTML(w io.Writer, groups []Group) error {
	if len(groups) == 0 {
		return errors.New("no results to show")
	}
	pal := newPalette(groups)
	charts, err := allCharts(groups, pal)
	if err != nil {
		return err
	}
	v := htmlView{
		Title:    title(groups),
		Scenario: strings.Join(distinct(groups, func(r *Result) string { return r.Scenario.Name }), ", "),
		Machine:  strings.Join(distinct(groups, machine), "; "),
		Date:     dates(groups),
		Version:  Version(),
		Charts:   charts,
	}
	for _, g := range groups {
		v.Targets = append(v.Targets, targetRow(g, pal))
		v.Sweep = v.Sweep || len(g.Runs[0].Sweep) > 0
	}
	emulators := map[string]bool{}
	for _, g := range groups {
		emulators[g.Label] = g.Runs[0].Target.Emulator
	}
	render := func(content func(page, []Group)) (template.HTML, error) {
		var buf bytes.Buffer
		err := write(newHTMLPage(&buf, emulators), content, groups)
		return template.HTML(buf.String()), err
	}
	if v.Warnings, err = render(func(p page, gs []Group) {
		p.lines(warnings(gs))
		var notes []string
		for _, g := range gs {
			notes = append(notes, groupNotes(g, g.Label)...)
		}
		p.lines(notes)
	}); err != nil {
		return err
	}
	if v.Comparison, err = render(func(p page, gs []Group) {
		t, marked := compareTable(gs)
		p.table(t)
		p.lines(footnotes(gs, marked))
	}); err != nil {
		return err
	}
	if v.Details, err = render(describe); err != nil {
		return err
	}
	return pageTemplate.Execute(w, v)
}

// WriteHTML writes the HTML report of results (their repetitions grouped) to path,
// replacing it whole, as HTML writes it.
func WriteHTML(path string, results []*Result) error {
	var buf bytes.Buffer
	if err := HTML(&buf, Groups(results)); err != nil {
		return fmt.Errorf("HTML report %s: %w", path, err)
	}
	if err := WriteFile(path, buf.Bytes()); err != nil {
		return fmt.Errorf("writing HTML report: %w", err)
	}
	return nil
}

// allCharts draws the report's charts, in the order of the page.
func allCharts(groups []Group, pal palette) ([]chart, error) {
	var out []chart
	for _, m := range []string{"end-to-end", "publish"} {
		metric, err := MetricNamed(m)
		if err != nil {
			return nil, err
		}
		c, ok, err := distributionChart(groups, pal, metric)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, c)
		}
	}
	for _, o := range overTimeCharts(groups) {
		c, ok, err := o.draw(groups, pal)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, c)
		}
	}
	sweep, err := sweepCharts(groups, pal)
	return append(out, sweep...), err
}

//go:embed html.tmpl
var pageSource string

var pageTemplate = template.Must(template.New("report").Parse(pageSource))

type htmlView struct {
	Title, Scenario, Machine, Date, Version string
	Targets                                 []htmlTarget
	// Sweep is set when a target ran at a point of a scenario's matrix.
	Sweep                         bool
	Warnings, Comparison, Details template.HTML
	Charts                        []chart
}

type htmlTarget struct {
	Label, Kind, Broker, Runs, Sweep string
	Emulator                         bool
	Color                            template.CSS
}

func targetRow(g Group, pal palette) htmlTarget {
	r := g.Runs[0]
	c := pal.group[g.Label]
	var sweep []string
	for _, k := range sortedKeys(r.Sweep) {
		sweep = append(sweep, k+" "+r.Sweep[k])
	}
	return htmlTarget{
		Label:    g.Label,
		Kind:     r.Target.Kind(),
		Broker:   fmt.Sprintf("%s (%s driver)", brokerName(r), r.Target.Driver),
		Runs:     fmt.Sprint(len(g.Runs)),
		Sweep:    strings.Join(sweep, ", "),
		Emulator: r.Target.Emulator,
		Color:    template.CSS(fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B)),
	}
}

// title names the scenario, the machine and the date, for the browser's tab.
func title(groups []Group) string {
	r := groups[0].Runs[0]
	scenarios := distinct(groups, func(r *Result) string { return r.Scenario.Name })
	hosts := distinct(groups, func(r *Result) string {
		return fmt.Sprintf("%s (%d × %s)", r.Host.Hostname, r.Host.CPUs, r.Host.CPUModel)
	})
	return fmt.Sprintf("%s on %s, %s — streambench", strings.Join(scenarios, ", "), strings.Join(hosts, ", "), r.StartedAt.UTC().Format("2006-01-02"))
}

// machine describes the machine and program that ran r.
func machine(r *Result) string {
	h := r.Host
	return fmt.Sprintf("%s: %d CPUs × %s, %s/%s; bench %s, %s", h.Hostname, h.CPUs, h.CPUModel, h.OS, h.Arch, h.BenchVersion, h.GoVersion)
}

// dates is the span of the groups' runs, in UTC.
func dates(groups []Group) string {
	var first, last time.Time
	for _, g := range groups {
		for _, r := range g.Runs {
			if first.IsZero() || r.StartedAt.Before(first) {
				first = r.StartedAt
			}
			if r.EndedAt.After(last) {
				last = r.EndedAt
			}
		}
	}
	first, last = first.UTC(), last.UTC()
	if first.Format(time.DateOnly) == last.Format(time.DateOnly) {
		return fmt.Sprintf("%s, %s–%s UTC", first.Format(time.DateOnly), first.Format("15:04"), last.Format("15:04"))
	}
	return fmt.Sprintf("%s UTC – %s UTC", first.Format("2006-01-02 15:04"), last.Format("2006-01-02 15:04"))
}

// distinct lists of's values for the groups' first runs, each once, in order.
func distinct(groups []Group, of func(*Result) string) []string {
	var out []string
	for _, g := range groups {
		if v := of(g.Runs[0]); !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}
