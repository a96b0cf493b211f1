package bench_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"streambench/bench"
	"streambench/report"
)

// sloKnown is what bench run knows, as session.Load gives it: the real catalogue.
func sloKnown() bench.Known {
	return bench.Known{Targets: []string{"kafka", "kinesis", "loopback"}, Metrics: report.SLOMetrics()}
}

const sloHead = "name: s\ntargets: [kafka, loopback]\nslo:\n"

func TestSLOParse(t *testing.T) {
	s, err := bench.ParseWith("s.yaml", []byte(sloHead+`  - {metric: latency.end_to_end.p99, max: 50ms}
  - {metric: latency.publish.p999, max: 0.2s, targets: [kafka]}
  - {metric: counts.lost, max: 0}
  - metric: counts.duplicated
    max: 0
  - {metric: throughput.received_percent_of_requested, min: 99%}
  - {metric: throughput.sent_msgs_per_s, min: 1e3, max: 2000}
`), sloKnown())
	if err != nil {
		t.Fatal(err)
	}
	num := func(v float64) *bench.Bound { return &bench.Bound{Kind: bench.BoundNumber, Value: v} }
	dur := func(d time.Duration) *bench.Bound {
		return &bench.Bound{Kind: bench.BoundDuration, Value: d.Seconds(), D: d}
	}
	want := []bench.SLO{
		{Metric: "latency.end_to_end.p99", Max: dur(50 * time.Millisecond)},
		{Metric: "latency.publish.p999", Max: dur(200 * time.Millisecond), Targets: []string{"kafka"}},
		{Metric: "counts.lost", Max: num(0)},
		{Metric: "counts.duplicated", Max: num(0)},
		{Metric: "throughput.received_percent_of_requested", Min: &bench.Bound{Kind: bench.BoundPercent, Value: 99}},
		{Metric: "throughput.sent_msgs_per_s", Min: num(1000), Max: num(2000)},
	}
	if !reflect.DeepEqual(s.SLO, want) {
		t.Errorf("SLOs %+v\nwant %+v", s.SLO, want)
	}
	var texts []string
	for _, o := range s.SLO {
		texts = append(texts, o.String())
	}
	if got := strings.Join(texts, "; "); got != "latency.end_to_end.p99 ≤ 50ms; latency.publish.p999 ≤ 200ms; counts.lost ≤ 0; "+
		"counts.duplicated ≤ 0; throughput.received_percent_of_requested ≥ 99%; throughput.sent_msgs_per_s 1000–2000" {
		t.Errorf("String: %s", got)
	}
	if !s.SLO[1].AppliesTo("kafka") || s.SLO[1].AppliesTo("loopback") || !s.SLO[0].AppliesTo("loopback") {
		t.Error("AppliesTo: want the targets' SLO on kafka only, the others on all")
	}
	if err := s.Validate(sloKnown().Targets); err != nil {
		t.Errorf("Validate after Parse: %v", err)
	}

	// As a result file holds them: written and read back unchanged.
	data, err := json.Marshal(s.SLO)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"max":"50ms"`) || !strings.Contains(string(data), `"min":"99%"`) || !strings.Contains(string(data), `"max":0`) {
		t.Errorf("JSON %s", data)
	}
	var back []bench.SLO
	if err := json.Unmarshal(data, &back); err != nil || !reflect.DeepEqual(back, want) {
		t.Errorf("JSON round trip: %v\n%+v", err, back)
	}
}

func TestSLOParseErrors(t *testing.T) {
	for _, tt := range []struct {
		name, slo string
		want      []string
	}{
		{"misspelt metric", "  - {metric: latency.end_to_end.p90x, max: 50ms}\n", []string{
			`s.yaml:4:14: slo[0].metric: unknown metric "latency.end_to_end.p90x" (did you mean "latency.end_to_end.p90"?)`}},
		{"k6 issue 1526: a name that is almost right", "  - {metric: latency.endtoend.p99, max: 50ms}\n", []string{
			`s.yaml:4:14: slo[0].metric: unknown metric "latency.endtoend.p99" (did you mean "latency.end_to_end.p99"?)`}},
		{"no such metric at all", "  - {metric: nonsense, max: 1}\n", []string{
			`s.yaml:4:14: slo[0].metric: unknown metric "nonsense" (known: counts.acked, `}},
		{"unknown target", "  - {metric: counts.lost, max: 0, targets: [kinesis, kafak]}\n", []string{
			`s.yaml:4:45: slo[0].targets[0]: "kinesis" is not a target of the scenario (known: kafka, loopback)`,
			`s.yaml:4:54: slo[0].targets[1]: "kafak" is not a target of the scenario (did you mean "kafka"?)`}},
		{"no bound", "  - {metric: counts.lost}\n", []string{
			`s.yaml:4:5: slo[0]: required: max, min or both, e.g. {metric: latency.end_to_end.p99, max: 50ms}`}},
		{"no metric", "  - {max: 5ms}\n", []string{
			`s.yaml:4:5: slo[0].metric: required: the figure to hold to a bound, e.g. latency.end_to_end.p99`}},
		{"latency without a unit", "  - {metric: latency.end_to_end.p99, max: 50}\n", []string{
			`s.yaml:4:43: slo[0].max: latency.end_to_end.p99 takes a duration with its unit, e.g. 50ms, not 50`}},
		{"count as a duration", "  - {metric: counts.lost, max: 1s}\n", []string{
			`s.yaml:4:32: slo[0].max: counts.lost takes a number, e.g. 0, not 1s`}},
		{"ratio without %", "  - {metric: throughput.received_percent_of_requested, min: 0.99}\n", []string{
			`s.yaml:4:61: slo[0].min: throughput.received_percent_of_requested takes a percentage, e.g. 99%, not 0.99`}},
		{"negative and bad bounds", "  - {metric: counts.lost, max: -1}\n  - {metric: latency.publish.p99, max: fast}\n  - {metric: counts.sent, min: [1]}\n", []string{
			`s.yaml:4:32: slo[0].max: a bound must be finite and not negative, not "-1"`,
			`s.yaml:5:40: slo[1].max: a bound is a number (0), a percentage (99%) or a duration with its unit (50ms), not "fast"`,
			`s.yaml:6:32: slo[2].min: want a number (0), a percentage (99%) or a duration with its unit (50ms), not a list`}},
		{"min above max", "  - {metric: latency.publish.p99, min: 2s, max: 1s}\n", []string{
			`s.yaml:4:40: slo[0].min: 2s is above max (1s): no run could hold it`}},
		{"unknown field", "  - {metric: counts.lost, maximum: 0}\n", []string{
			`s.yaml:4:5: slo[0]: required: max, min or both, e.g. {metric: latency.end_to_end.p99, max: 50ms}`,
			`s.yaml:4:27: slo[0].maximum: unknown field (known: max, metric, min, targets)`}},
		{"not a list", "  metric: counts.lost\n", []string{
			`s.yaml:4:3: slo: want a list, not a mapping`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := bench.ParseWith("s.yaml", []byte(sloHead+tt.slo), sloKnown())
			if err == nil {
				t.Fatal("accepted")
			}
			got := strings.Split(err.Error(), "\n")
			if len(got) != len(tt.want) {
				t.Fatalf("errors:\n%s\nwant:\n%s", err, strings.Join(tt.want, "\n"))
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(got[i], w) {
					t.Errorf("error %d:\n%s\nwant it to start with:\n%s", i, got[i], w)
				}
			}
		})
	}
}

// TestSLOWithoutCatalogue: a loader that knows no metrics refuses every SLO rather than
// let one pass unchecked.
func TestSLOWithoutCatalogue(t *testing.T) {
	_, err := bench.Parse("s.yaml", []byte(sloHead+"  - {metric: counts.lost, max: 0}\n"), nil, []string{"kafka", "loopback"})
	if err == nil || !strings.Contains(err.Error(), `s.yaml:4:14: slo[0].metric: unknown metric "counts.lost" (this loader knows no metrics)`) {
		t.Errorf("error %v", err)
	}
}
