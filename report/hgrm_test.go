package report

import (
	"bytes"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"streambench/bench"
)

// hgrmLine is one parsed row of an .hgrm table.
type hgrmLine struct {
	value      float64 // ms
	percentile string  // as written, 12 decimals
	count      int64
	inverse    string // 1/(1-Percentile); "" on the last line
}

// parseHGRM reads an .hgrm text back: its rows, and the footer's numbers by name.
func parseHGRM(t *testing.T, text string) ([]hgrmLine, map[string]float64) {
	t.Helper()
	const header = "       Value     Percentile TotalCount 1/(1-Percentile)\n\n"
	body, ok := strings.CutPrefix(text, header)
	if !ok {
		t.Fatalf("header is not Java's:\n%s", text)
	}
	var rows []hgrmLine
	footer := map[string]float64{}
	row := regexp.MustCompile(`^ {0,11}(\d+\.\d{3}) (\d\.\d{12}) {1,10}(\d{1,10})(?: {1,14}(\d+\.\d{2}))?$`)
	field := regexp.MustCompile(`([A-Za-z ]+?) += +([\d.]+)`)
	for _, l := range strings.Split(strings.TrimSuffix(body, "\n"), "\n") {
		if strings.HasPrefix(l, "#[") {
			for _, m := range field.FindAllStringSubmatch(l, -1) {
				v, _ := strconv.ParseFloat(m[2], 64)
				footer[strings.TrimSpace(m[1])] = v
			}
			continue
		}
		m := row.FindStringSubmatch(l)
		width := 12 + 1 + 14 + 1 + 10 // %12.3f %2.12f %10d
		if m != nil && m[4] != "" {
			width += 1 + 14 // %14.2f
		}
		if m == nil || len(l) != width {
			t.Fatalf("row %q is not in Java's %%12.3f %%2.12f %%10d %%14.2f layout", l)
		}
		v, _ := strconv.ParseFloat(m[1], 64)
		n, _ := strconv.ParseInt(m[3], 10, 64)
		rows = append(rows, hgrmLine{v, m[2], n, m[4]})
	}
	return rows, footer
}

// TestHGRM checks the .hgrm output against an independent walk of the recorded values,
// done as Java's PercentileIterator does: values far enough apart to sit in buckets of
// their own, with known counts.
func TestReportHGRM(t *testing.T) {
	values := map[int64]int64{} // nanoseconds: how many
	var total int64
	for i := range 1500 {
		v := int64(math.Round(1e5 * math.Pow(1.006, float64(i)))) // 0.1 ms to about 800 ms
		values[v] = int64(1 + (i*7)%5)
		total += values[v]
	}
	h := recordAll(t, values)
	var out bytes.Buffer
	if err := HGRM(&out, h); err != nil {
		t.Fatal(err)
	}
	rows, footer := parseHGRM(t, out.String())

	// The walk: stay on a value while the percentile level it reaches is due.
	sorted := slices.Sorted(func(yield func(int64) bool) {
		for v := range values {
			if !yield(v) {
				return
			}
		}
	})
	type step struct {
		value, count int64
		level        float64
	}
	var want []step
	level, cum := 0.0, int64(0)
	for _, v := range sorted {
		cum += values[v]
		for 100*float64(cum)/float64(total) >= level {
			want = append(want, step{v, cum, level})
			ticks := hgrmTicks * int64(math.Pow(2, float64(int64(math.Log(100/(100-level))/math.Log(2))+1)))
			level += 100 / float64(ticks)
			if cum == total {
				break
			}
		}
	}
	want = append(want, step{sorted[len(sorted)-1], total, 100})

	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d:\n%s", len(rows), len(want), out.String())
	}
	for i, w := range want {
		got := rows[i]
		// The value shown is the top of the value's bucket (at most 1/1024 above it),
		// rounded to the microsecond.
		lo, hi := float64(w.value)/1e6-0.0005, float64(w.value)*(1+1.0/1024)/1e6+0.0005
		q, _ := strconv.ParseFloat(got.percentile, 64)
		if got.count != w.count || math.Abs(q-w.level/100) > 5e-13 || got.value < lo || got.value > hi {
			t.Errorf("row %d: %+v, want count %d, percentile %.12f, value in [%.4f, %.4f] ms", i, got, w.count, w.level/100, lo, hi)
		}
		last := i == len(want)-1
		inv, _ := strconv.ParseFloat(got.inverse, 64)
		if last != (got.inverse == "") || !last && math.Abs(inv-1/(1-w.level/100)) > 0.005 {
			t.Errorf("row %d: 1/(1-Percentile) %q, want %.4f (none on the last row)", i, got.inverse, 1/(1-w.level/100))
		}
	}
	if want[1].level != 10 || want[5].level != 50 || want[6].level != 55 || want[10].level != 75 || want[11].level != 77.5 {
		t.Errorf("levels %v…: want 5 steps per half distance (0, 10, …, 50, 55, …, 75, 77.5, …)", want[:12])
	}
	var mean float64
	for v, n := range values {
		mean += float64(v*n) / float64(total) / 1e6
	}
	if footer["Total count"] != float64(total) || math.Abs(footer["Max"]-float64(sorted[len(sorted)-1])/1e6) > 1 ||
		math.Abs(footer["Mean"]-mean)/mean > 0.001 || footer["StdDeviation"] <= 0 {
		t.Errorf("footer %v: want total count %d, max %.3f, mean %.3f", footer, total, float64(sorted[len(sorted)-1])/1e6, mean)
	}
	// The geometry, which hdrhistogram-go keeps to itself, as its own printer gives it.
	var theirs bytes.Buffer
	if _, err := h.PercentilesPrint(&theirs, hgrmTicks, 1e6); err != nil {
		t.Fatal(err)
	}
	if b, s := geometry(h); !strings.Contains(theirs.String(), fmt.Sprintf("#[Buckets = %12d, SubBuckets     = %12d]", b, s)) || footer["Buckets"] != float64(b) || footer["SubBuckets"] != float64(s) {
		t.Errorf("buckets %d, sub-buckets %d, footer %v; hdrhistogram-go says:\n%s", b, s, footer, theirs.String()[strings.LastIndex(theirs.String(), "#"):])
	}
}

func TestReportHGRMOfResult(t *testing.T) {
	r := load(t, "small-msgs/20261124T140000Z-kafka.json")[0]
	var out bytes.Buffer
	if err := HGRMOf(&out, r, Metrics()[1]); err != nil {
		t.Fatal(err)
	}
	rows, footer := parseHGRM(t, out.String())
	e := r.Latency.EndToEnd
	if last := rows[len(rows)-1]; last.count != e.Count || footer["Total count"] != float64(e.Count) || math.Abs(last.value-e.Max/1e3) > 0.001 {
		t.Errorf("last row %+v, footer %v: want %d values up to %.3f ms", last, footer, e.Count, e.Max/1e3)
	}
	for _, row := range rows {
		if row.percentile == "0.500000000000" && math.Abs(row.value-e.P50/1e3) > 0.001 {
			t.Errorf("median row %+v, want the result's p50 %.3f ms", row, e.P50/1e3)
		}
	}
	empty, err := Summarize(bench.NewHistogram())
	if err != nil {
		t.Fatal(err)
	}
	r.Latency.Publish = empty
	if err := HGRMOf(&out, r, Metrics()[0]); err == nil || !strings.Contains(err.Error(), "publish latency: no values recorded") {
		t.Errorf("empty histogram: error %v", err)
	}
	r.Latency.Service.HDR = "not base64!"
	if err := HGRMOf(&out, r, Metrics()[2]); err == nil || !strings.Contains(err.Error(), "service latency") {
		t.Errorf("corrupt histogram: error %v", err)
	}
}

func TestReportJavaFixed(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		prec int
		want string
	}{
		{0.15, 1, "0.2"}, // Go's %.1f: 0.1 (0.15 is 0.1499… in binary)
		{0.125, 2, "0.13"},
		{0.99978027343750, 12, "0.999780273438"},
		{1.0, 12, "1.000000000000"},
		{0, 3, "0.000"},
		{9.9996, 3, "10.000"},
		{99.5, 0, "100"},
		{1137.7777777777778, 2, "1137.78"},
		{1e-7, 3, "0.000"},
	} {
		if got := javaFixed(tc.v, tc.prec); got != tc.want {
			t.Errorf("javaFixed(%v, %d) = %q, want %q", tc.v, tc.prec, got, tc.want)
		}
	}
}
