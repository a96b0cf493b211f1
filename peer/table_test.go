package peer

import (
	"strings"
	"testing"

	"streambench/report"
)

func samples(tool string, key string, vs ...float64) []Sample {
	var out []Sample
	for i, v := range vs {
		out = append(out, Sample{Tool: tool, Rep: i + 1, Values: map[string]float64{key: v}})
	}
	return out
}

func TestSpread(t *testing.T) {
	ss := samples("bench", "x", 3, 1, 2, 10)
	s := spreadOf(ss, "bench", "x")
	if s.Runs != 4 || s.Median != 2.5 || s.Min != 1 || s.Max != 10 {
		t.Errorf("spread %+v: want 4 values, median 2.5 (mean of the middle two), 1 to 10", s)
	}
	if got := s.Text(report.Grouped); got != "2.50 [1.00–10.0]" {
		t.Errorf("Text() = %q", got)
	}
	if got := spreadOf(ss, "other", "x").Text(report.Grouped); got != "–" {
		t.Errorf("no samples: %q, want –", got)
	}
	for v, want := range map[float64]string{1234567.8: "1,234,568", 512.4: "512", 51.24: "51.2", 5.124: "5.12", 0.5124: "0.512"} {
		if got := report.Grouped.Format(v); got != want {
			t.Errorf("Grouped.Format(%g) = %q, want %q", v, got, want)
		}
	}
}

func TestTargets(t *testing.T) {
	outs := []Outcome{
		{Name: Produce100, Peer: "ProducerPerformance", Samples: append(append(
			samples("bench", kRecordsPerS, 300, 310, 290),
			samples(ProducerPerformance, kRecordsPerS, 200, 260, 240)...),
			append(samples("bench", kCPUPerM, 1, 1, 1), samples(ProducerPerformance, kCPUPerM, 1.9, 2, 2.1)...)...)},
		{Name: Consume, Peer: "ConsumerPerformance", Samples: append(samples("bench", kRecordsPerS, 90), samples(ConsumerPerformance, kRecordsPerS, 100)...)},
		{Name: EndToEnd, Peer: "EndToEndLatency", Samples: append(samples("bench", "p50_whole_ms", 1), samples(EndToEndLatency, "p50_whole_ms", 1)...)},
		{Name: Stall, Peer: "ProducerPerformance", Samples: samples("bench", "max_ms", 1010, 700)},
	}
	got := Targets(outs)
	want := []string{
		"producer records/s|1.25× (300 vs 240)|met",
		"producer CPU|0.50× (1.00 vs 2.00)|met",
		"consumer records/s|0.90× (90.0 vs 100)|missed",
		"end-to-end p50|1.00× (1.00 vs 1.00)|met",
		"end-to-end mean|not measured|–",
		"stall|max 855 [700–1,010] ms|missed", // one run of the two did not show it
	}
	if len(got) != len(want) {
		t.Fatalf("got %d targets, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		f := strings.Split(w, "|")
		if !strings.Contains(got[i].Target, f[0]) || got[i].Measured != f[1] || got[i].Verdict != f[2] {
			t.Errorf("target %d = %+v, want %q", i, got[i], w)
		}
	}
}

func TestMarkdown(t *testing.T) {
	o := Outcome{Name: Consume, Title: "Consumer throughput", Peer: "ConsumerPerformance", Settings: "same backlog",
		Metrics: []Metric{{kRecordsPerS, "records/s", "higher"}, {kRecords, "records", ""}},
		Samples: []Sample{
			{Tool: "bench", Rep: 1, Values: map[string]float64{kRecordsPerS: 300000, kRecords: 1000}},
			{Tool: ConsumerPerformance, Rep: 1, Values: map[string]float64{kRecordsPerS: 150000, kRecords: 1000}},
		},
		Err: "ConsumerPerformance failed"}
	var b strings.Builder
	if err := Markdown(&b, []Outcome{o}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"### Consumer throughput: bench vs ConsumerPerformance",
		"| records/s | 300,000 | 150,000 | 2.00× |",
		"| records | 1,000 | 1,000 |  |", // no ratio for a count
		"in each, bench, then ConsumerPerformance ran.",
		"**Stopped early:** ConsumerPerformance failed",
		"| consumer records/s over the same backlog: ≥ 1.0× ConsumerPerformance | 2.00× (300,000 vs 150,000) | met |",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("missing %q in:\n%s", want, b.String())
		}
	}
}
