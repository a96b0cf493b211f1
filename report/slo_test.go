package report

import (
	"bytes"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"streambench/bench"
)

// sloResult is a run of target with an end-to-end p99 near p99 and lost messages, at
// 100 msg/s requested and received received msg/s.
func sloResult(t *testing.T, target string, p99 time.Duration, lost int64, received float64, slos ...bench.SLO) *Result {
	t.Helper()
	r := sampleResult(t)
	r.Target.Name = target
	r.Scenario.Targets = []string{"kafka", "loopback"}
	r.Scenario.SLO = slos
	r.Latency.EndToEnd.P99 = float64(p99 / time.Microsecond)
	r.Counts.Lost = lost
	rate := 100.0
	r.Throughput.RequestedMsgsPerS, r.Throughput.ReceivedMsgsPerS = &rate, received
	return r
}

func bound(t *testing.T, text string) *bench.Bound {
	t.Helper()
	var b bench.Bound
	if err := b.UnmarshalText([]byte(text)); err != nil {
		t.Fatal(err)
	}
	return &b
}

func TestSLOMetricsAreTheCatalogue(t *testing.T) {
	m := SLOMetrics()
	for _, f := range Figures() {
		if _, ok := m[f.Claim]; ok != (f.Claim != "") {
			t.Errorf("figure %q (claim %q): in SLOMetrics %v", f.Name, f.Claim, ok)
		}
	}
	for name, want := range map[string]bench.BoundKind{
		"latency.end_to_end.p99": bench.BoundDuration, "scale.carries_after_s": bench.BoundDuration,
		"counts.lost": bench.BoundNumber, "throughput.sent_msgs_per_s": bench.BoundNumber,
		"cpu.percent": bench.BoundPercent, "throughput.received_percent_of_requested": bench.BoundPercent,
	} {
		if m[name] != want {
			t.Errorf("%s takes %v, want %v", name, m[name], want)
		}
	}
}

func TestJudge(t *testing.T) {
	p99 := func(max string) bench.SLO {
		return bench.SLO{Metric: "latency.end_to_end.p99", Max: bound(t, max)}
	}
	lost := bench.SLO{Metric: "counts.lost", Max: bound(t, "0")}
	kept := bench.SLO{Metric: "throughput.received_percent_of_requested", Min: bound(t, "99%")}
	onlyKafka := bench.SLO{Metric: "latency.publish.p50", Max: bound(t, "1ns"), Targets: []string{"kafka"}}
	r := sloResult(t, "loopback", 3*time.Millisecond, 0, 99.5, p99("50ms"), p99("2999us"), p99("3ms"), lost, kept, onlyKafka)
	vs := Judge(r)
	var got []string
	for _, v := range vs {
		got = append(got, v.String())
	}
	want := []string{
		"latency.end_to_end.p99 ≤ 50ms: held (3.00 ms)",
		"latency.end_to_end.p99 ≤ 2.999ms: FAILED (3.00 ms)",
		"latency.end_to_end.p99 ≤ 3ms: held (3.00 ms)", // the bound is inclusive
		"counts.lost ≤ 0: held (0)",
		"throughput.received_percent_of_requested ≥ 99%: held (99.5 %)",
		// the kafka-only SLO is not judged on a loopback run
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("verdicts:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if OutcomeOf(vs) != SLOFailed {
		t.Errorf("outcome %v, want SLOFailed", OutcomeOf(vs))
	}

	// Lost messages: an integrity failure, which outranks a failed latency SLO.
	r = sloResult(t, "kafka", time.Second, 3, 100, p99("50ms"), lost, onlyKafka)
	vs = Judge(r)
	if len(vs) != 3 || vs[1].Held || !vs[1].Integrity || vs[1].String() != "counts.lost ≤ 0: FAILED (integrity) (3)" {
		t.Errorf("verdicts %+v", vs)
	}
	if OutcomeOf(vs) != IntegrityFailed || OutcomeOf(vs[:1]) != SLOFailed || OutcomeOf(nil) != Held {
		t.Error("outcomes: want integrity above SLO above held")
	}

	// Nothing received: the figure is not measured, which fails.
	r = sloResult(t, "kafka", 0, 0, 0, p99("1h"))
	r.Latency.EndToEnd.Count = 0
	vs = Judge(r)
	if len(vs) != 1 || vs[0].Held || vs[0].Value != nil ||
		vs[0].String() != "latency.end_to_end.p99 ≤ 1h0m0s: FAILED, not measured: no end_to_end latency was recorded" {
		t.Errorf("verdict %+v: %s", vs, vs[0])
	}
	if OutcomeOf(vs) != SLOFailed {
		t.Error("an unmeasured figure must fail")
	}
	// A max rate offers nothing to compare with.
	r = sloResult(t, "kafka", 0, 0, 50, kept)
	r.Throughput.RequestedMsgsPerS = nil
	if vs := Judge(r); vs[0].Held || !strings.Contains(vs[0].Unmeasured, "the rate is max") {
		t.Errorf("received ratio of a max run: %+v", vs[0])
	}
}

func TestJudgeMedian(t *testing.T) {
	slo := bench.SLO{Metric: "latency.end_to_end.p99", Max: bound(t, "10ms")}
	lost := bench.SLO{Metric: "counts.lost", Max: bound(t, "0")}
	runs := []*Result{
		sloResult(t, "kafka", 5*time.Millisecond, 0, 100, slo, lost),
		sloResult(t, "kafka", 40*time.Millisecond, 7, 100, slo, lost), // fails alone
		sloResult(t, "kafka", 8*time.Millisecond, 0, 100, slo, lost),
	}
	vs := JudgeMedian(runs)
	if len(vs) != 2 || !vs[0].Held || *vs[0].Value != 8 || !vs[1].Held || *vs[1].Value != 0 {
		t.Errorf("median verdicts %+v", vs)
	}
	if OutcomeOf(Judge(runs[1])) != IntegrityFailed || OutcomeOf(vs) != Held {
		t.Error("want the second run to fail integrity and the median to hold")
	}
	// Two runs: the median is their mean.
	vs = JudgeMedian(runs[:2])
	if vs[0].Held || *vs[0].Value != 22.5 || vs[1].Held || OutcomeOf(vs) != IntegrityFailed {
		t.Errorf("median of two %+v", vs)
	}
	// One run could not measure it: neither can the median.
	runs[2].Latency.EndToEnd.Count = 0
	if vs := JudgeMedian(runs); vs[0].Held || vs[0].Value != nil || !strings.Contains(vs[0].Unmeasured, "(2 of 3 runs measured it)") {
		t.Errorf("median with an unmeasured run %+v", vs[0])
	}

	for _, r := range runs {
		r.SLO = Judge(r)
	}
	lines := SLOLines(Groups(runs))
	if len(lines) != 8 || lines[0] != "kafka, run 1 of 3: latency.end_to_end.p99 ≤ 10ms: held (5.00 ms)" ||
		!strings.HasPrefix(lines[6], "kafka, median of 3 runs: latency.end_to_end.p99 ≤ 10ms: FAILED, not measured") {
		t.Errorf("lines:\n%s", strings.Join(lines, "\n"))
	}
}

// TestSLOVerdictsInResultFiles: verdicts are written and read back by the strict
// reader, shown by the text, Markdown and HTML reports, and left out of a file without SLOs
// (which reads as before).
func TestSLOVerdictsInResultFiles(t *testing.T) {
	r := sloResult(t, "kafka", 3*time.Millisecond, 0, 100, bench.SLO{Metric: "latency.end_to_end.p99", Max: bound(t, "1ms")})
	r.SLO = Judge(r)
	back, err := Read(mustWrite(t, r))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.SLO, r.SLO) || !reflect.DeepEqual(back.Scenario.SLO, r.Scenario.SLO) {
		t.Errorf("read back %+v\nwant %+v", back.SLO, r.SLO)
	}
	for _, write := range []struct {
		to   func(*bytes.Buffer, []Group) error
		want string
	}{
		{func(b *bytes.Buffer, g []Group) error { return Text(b, g) }, "\nSLO latency.end_to_end.p99 ≤ 1ms: FAILED (3.00 ms)\n"},
		{func(b *bytes.Buffer, g []Group) error { return Markdown(b, g) }, "\n- SLO latency.end\\_to\\_end.p99 ≤ 1ms: FAILED (3.00 ms)\n"},
		{func(b *bytes.Buffer, g []Group) error { return HTML(b, g) }, "SLO latency.end_to_end.p99 ≤ 1ms: FAILED (3.00 ms)"},
	} {
		var b bytes.Buffer
		if err := write.to(&b, Groups([]*Result{back})); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), write.want) {
			t.Errorf("report without the verdict:\n%s", b.String())
		}
	}

	plain := sampleResult(t)
	data, err := os.ReadFile(mustWrite(t, plain))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(`"slo"`)) {
		t.Error("a result without SLOs has an slo field")
	}
	if _, err := Decode("bad.json", bytes.Replace(data, []byte(`"schema_version": 2,`), []byte(`"schema_version": 2, "slo": [{"slo": {"metric": "counts.lost"}, "value": null, "held": true, "extra": 1}],`), 1)); err == nil ||
		!strings.Contains(err.Error(), `unknown field "extra"`) {
		t.Errorf("the strict reader accepted an unknown field in a verdict: %v", err)
	}
}
