package report

import (
	"bytes"
	"html/template"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// htmlCase is a report the HTML tests render, and the charts it must have, in order.
type htmlCase struct {
	name   string
	load   func(t *testing.T) []*Result
	charts []string
	// emulator lists the charts that draw the emulator's numbers, whose legend must say
	// so.
	emulator []string
}

func htmlCases() []htmlCase {
	timeline := []string{"latency-distribution-end-to-end", "latency-distribution-publish", "latency-over-time", "throughput-over-time"}
	return []htmlCase{
		{"timeline", func(t *testing.T) []*Result { return loadHTML(t, "timeline") }, timeline, timeline},
		{"sweep", func(t *testing.T) []*Result { return loadHTML(t, "sweep") },
			append(slices.Clone(timeline), "sweep-kafka-linger-throughput", "sweep-kafka-linger-p99",
				"sweep-kinesis-batch-records-throughput", "sweep-kinesis-batch-records-p99"),
			append(slices.Clone(timeline), "sweep-kinesis-batch-records-throughput", "sweep-kinesis-batch-records-p99")},
		// Results without intervals (an older bench) have no charts over time.
		{"no-intervals", func(t *testing.T) []*Result { return load(t, "small-msgs") }, timeline[:2], timeline[:2]},
	}
}

// TestHTMLStructure checks the page of each case: it parses, has one SVG per chart and
// plotted lines in each, names the scenario, the machine and the date, labels the
// emulator wherever its numbers are, and refers to nothing outside itself.
func TestHTMLStructure(t *testing.T) {
	for _, tc := range htmlCases() {
		t.Run(tc.name, func(t *testing.T) {
			results := tc.load(t)
			var out bytes.Buffer
			if err := HTML(&out, Groups(results)); err != nil {
				t.Fatal(err)
			}
			doc, err := html.Parse(bytes.NewReader(out.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			checkSelfContained(t, doc)

			var ids []string
			for _, svg := range findAll(doc, func(n *html.Node) bool { return n.Data == "svg" }) {
				id := attr(svg, "id")
				ids = append(ids, id)
				if n := len(findAll(svg, isPlotted)); n == 0 {
					t.Errorf("chart %s has no plotted line", id)
				}
				legend := textOf(svg)
				if slices.Contains(tc.emulator, id) != strings.Contains(legend, "[EMULATOR]") {
					t.Errorf("chart %s: emulator label in its text is %v, want %v:\n%s", id, !slices.Contains(tc.emulator, id), slices.Contains(tc.emulator, id), legend)
				}
				if !strings.Contains(legend, "(ms") && !strings.Contains(legend, "msg/s") {
					t.Errorf("chart %s has no axis label with a unit:\n%s", id, legend)
				}
			}
			if !slices.Equal(ids, tc.charts) {
				t.Errorf("charts\n %q, want\n %q", ids, tc.charts)
			}

			r := results[0]
			title := textOf(findAll(doc, func(n *html.Node) bool { return n.Data == "title" })[0])
			for _, want := range []string{r.Scenario.Name, r.Host.Hostname, r.Host.CPUModel, r.StartedAt.Format("2006-01-02")} {
				if !strings.Contains(title, want) {
					t.Errorf("title %q does not name %q", title, want)
				}
			}
			header := textOf(findAll(doc, func(n *html.Node) bool { return n.Data == "header" })[0])
			for _, want := range []string{r.Scenario.Name, r.Host.Hostname, "8 CPUs", r.Host.CPUModel, r.StartedAt.Format("2006-01-02")} {
				if !strings.Contains(header, want) {
					t.Errorf("heading %q does not name %q", header, want)
				}
			}
			// The emulator's badge is beside its name in the targets table and at the
			// head of its column in the comparison.
			page := out.String()
			for _, g := range Groups(results) {
				if g.Runs[0].Target.Emulator {
					named := template.HTMLEscapeString(g.Label) + ` <span class="badge">EMULATOR</span></th>`
					if n := strings.Count(page, named); n != 2 {
						t.Errorf("page has %q %d times, want 2", named, n)
					}
				}
			}
			for _, want := range []string{`<li class="warning">warning: kinesis`, "<details>"} {
				if !strings.Contains(page, want) {
					t.Errorf("page lacks %q", want)
				}
			}
		})
	}
}

// checkSelfContained fails t when the page has a script, an event handler, or refers
// to anything it would have to fetch. xmlns attributes name namespaces and are not
// fetched.
func checkSelfContained(t *testing.T, doc *html.Node) {
	t.Helper()
	external := regexp.MustCompile(`(?i)(https?:|^//|javascript:|url\(|@import)`)
	for _, n := range findAll(doc, func(*html.Node) bool { return true }) {
		switch n.Data {
		case "script", "link", "iframe", "object", "embed", "img", "base", "audio", "video", "source":
			t.Errorf("page has a <%s> element", n.Data)
		case "style":
			if css := textOf(n); external.MatchString(css) {
				t.Errorf("stylesheet refers outside the page: %s", external.FindString(css))
			}
		}
		for _, a := range n.Attr {
			if a.Namespace == "xmlns" || a.Key == "xmlns" {
				continue
			}
			if strings.HasPrefix(a.Key, "on") {
				t.Errorf("<%s %s=…>: an event handler", n.Data, a.Key)
			}
			if external.MatchString(a.Val) {
				t.Errorf("<%s %s=%q> refers outside the page", n.Data, a.Key, a.Val)
			}
		}
	}
}

// isPlotted reports whether n is a line of data: a path stroked in a colour of the
// palette, not the black of the axes nor the grey of the grid, with several segments.
func isPlotted(n *html.Node) bool {
	if n.Data != "path" {
		return false
	}
	style, d := attr(n, "style"), attr(n, "d")
	stroke := regexp.MustCompile(`stroke:#([0-9A-Fa-f]{6})`).FindStringSubmatch(style)
	return stroke != nil && stroke[1] != "000000" && stroke[1] != "E1E1E1" && strings.Contains(d, "L")
}

func findAll(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	for c := range n.Descendants() {
		if c.Type == html.ElementNode && match(c) {
			out = append(out, c)
		}
	}
	return out
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func textOf(n *html.Node) string {
	var b strings.Builder
	for c := range n.Descendants() {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
			b.WriteString(" ")
		}
	}
	return b.String()
}

// TestHTMLSweepAxes: a sweep of durations is drawn on a numeric axis in milliseconds, a
// sweep of counts on a numeric axis.
func TestHTMLSweepAxes(t *testing.T) {
	var out bytes.Buffer
	if err := HTML(&out, Groups(loadHTML(t, "sweep"))); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{">kafka.linger (ms)<", ">kinesis.batch_records<", ">kafka [EMULATOR]<"} {
		if got := strings.Contains(out.String(), want); got != (want != ">kafka [EMULATOR]<") {
			t.Errorf("page has %q: %v", want, got)
		}
	}
}

func TestSweeps(t *testing.T) {
	got := sweeps(Groups(loadHTML(t, "sweep")))
	if len(got) != 2 || got[0].setting != "kafka.linger" || got[1].setting != "kinesis.batch_records" {
		t.Fatalf("sweeps %+v, want kafka.linger and kinesis.batch_records", got)
	}
	for _, tc := range []struct {
		s        sweep
		target   string
		emulator bool
		values   []string
		runs     []int
	}{
		{got[0], "kafka", false, []string{"0ms", "5ms", "20ms"}, []int{1, 2, 1}},
		{got[1], "kinesis", true, []string{"100", "500"}, []int{1, 1}},
	} {
		if len(tc.s.lines) != 1 {
			t.Fatalf("%s: %d lines, want 1", tc.s.setting, len(tc.s.lines))
		}
		l := tc.s.lines[0]
		var values []string
		var runs []int
		for _, p := range l.points {
			values, runs = append(values, p.value), append(runs, len(p.group.Runs))
		}
		if l.target != tc.target || l.info.Emulator != tc.emulator || l.fixed != "" || !slices.Equal(values, tc.values) || !slices.Equal(runs, tc.runs) {
			t.Errorf("%s: line %s (emulator %v, fixed %q) through %q with %v runs, want %s (%v) through %q with %v runs",
				tc.s.setting, l.target, l.info.Emulator, l.fixed, values, runs, tc.target, tc.emulator, tc.values, tc.runs)
		}
	}
}

// TestSweepsMatrix: a matrix of two settings gives a line per value of the other
// setting; the settings of another driver's block, and a setting with one value, give
// none.
func TestSweepsMatrix(t *testing.T) {
	base := loadHTML(t, "sweep")[0]
	var results []*Result
	for _, point := range [][2]string{{"0ms", "16384"}, {"0ms", "65536"}, {"5ms", "16384"}, {"5ms", "65536"}, {"20ms", "16384"}} {
		r := *base
		r.Sweep = map[string]string{"kafka.linger": point[0], "kafka.batch_max_bytes": point[1], "kinesis.batch_records": "500", "workload.message_size": "100"}
		results = append(results, &r)
	}
	var got []string
	for _, s := range sweeps(Each(results)) {
		for _, l := range s.lines {
			var values []string
			for _, p := range l.points {
				values = append(values, p.value)
			}
			got = append(got, s.setting+" | "+l.fixed+" | "+strings.Join(values, " "))
		}
	}
	want := []string{
		"kafka.batch_max_bytes | kafka.linger 0ms, workload.message_size 100 | 16384 65536",
		"kafka.batch_max_bytes | kafka.linger 5ms, workload.message_size 100 | 16384 65536",
		"kafka.linger | kafka.batch_max_bytes 16384, workload.message_size 100 | 0ms 5ms 20ms",
		"kafka.linger | kafka.batch_max_bytes 65536, workload.message_size 100 | 0ms 5ms",
	}
	if !slices.Equal(got, want) {
		t.Errorf("lines\n %q, want\n %q", got, want)
	}
}

func TestNumericValues(t *testing.T) {
	for _, tc := range []struct {
		values []string
		want   []float64 // nil: not numeric
		unit   string
	}{
		{[]string{"100", "500", "2.5"}, []float64{100, 500, 2.5}, ""},
		{[]string{"0ms", "5ms", "1s"}, []float64{0, 5, 1000}, "ms"},
		{[]string{"0", "250us"}, []float64{0, 0.25}, "ms"},
		{[]string{"none", "lz4", "zstd"}, nil, ""},
		{[]string{"1", "lz4"}, nil, ""},
	} {
		at, unit, ok := numericValues(tc.values)
		var got []float64
		for _, v := range tc.values {
			if ok {
				got = append(got, at[v])
			}
		}
		if ok != (tc.want != nil) || !slices.Equal(got, tc.want) || unit != tc.unit {
			t.Errorf("numericValues(%q) = %v %q %v, want %v %q", tc.values, got, unit, ok, tc.want, tc.unit)
		}
	}
}

func TestPercentileTicks(t *testing.T) {
	var labels []string
	for _, tk := range (percentileTicks{}).Ticks(0, 5) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if want := []string{"0%", "90%", "99%", "99.9%", "99.99%", "99.999%"}; !slices.Equal(labels, want) {
		t.Errorf("percentile labels %q, want %q", labels, want)
	}
	for _, tc := range []struct {
		lo, hi float64
		want   []string
	}{
		{0.8, 7, []string{"1", "2", "5"}},
		{0.05, 100, []string{"0.05", "0.1", "0.2", "0.5", "1", "2", "5", "10", "20", "50", "100"}},
		{0.05, 4000, []string{"0.1", "1", "10", "100", "1000"}},
	} {
		labels = nil
		for _, tk := range (logTicks{}).Ticks(math.Log10(tc.lo), math.Log10(tc.hi)) {
			if tk.Label != "" {
				labels = append(labels, tk.Label)
			}
		}
		if !slices.Equal(labels, tc.want) {
			t.Errorf("log ticks from %v to %v: %q, want %q", tc.lo, tc.hi, labels, tc.want)
		}
	}
}

// TestWriteHTML: the file is replaced whole, and left as it was when the report
// cannot be made; no temporary file stays behind.
func TestWriteHTML(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.html")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(path, nil); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("WriteHTML of no results: %v, want an error naming %s", err, path)
	}
	if data, _ := os.ReadFile(path); string(data) != "old" {
		t.Errorf("a failed WriteHTML changed the file: %q", data)
	}
	if err := WriteHTML(path, loadHTML(t, "timeline")); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil || !bytes.HasPrefix(data, []byte("<!DOCTYPE html>")) {
		t.Errorf("WriteHTML wrote %.40q, %v", data, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the directory holds %d files, want the report alone", len(entries))
	}
}
