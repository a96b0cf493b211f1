package report

import (
	"strings"
	"testing"
	"time"

	"streambench/drivers"
	"streambench/drivers/kafka"
)

func TestReportGroups(t *testing.T) {
	rs := load(t, "small-msgs", "after", "other")
	var got []string
	for _, g := range Groups(rs) {
		got = append(got, g.Label+":"+strings.Repeat("|", len(g.Runs)))
	}
	// kafka of small-msgs and after differ by bench version; other by its settings
	// (and host) from both, so only the start of its first run tells the three apart.
	want := "kafka (2026-11-24 14:00:00):|||,kinesis:|||,kafka (2026-11-24 14:30:00):|||,kafka (2026-11-25 09:00:00):|"
	if strings.Join(got, ",") != want {
		t.Errorf("groups %v\nwant    %s", got, want)
	}
	if each := Each(rs); len(each) != len(rs) || each[0].Label != "kafka (2026-11-24 14:00:00)" {
		t.Errorf("Each: %d groups, first %q", len(each), each[0].Label)
	}
	// Runs of one configuration at other times, with other topics, are still one group.
	a, b := sampleResult(t), sampleResult(t)
	b.StartedAt, b.Target.Topic, b.Overrides = b.StartedAt.Add(time.Hour), "another", map[string]string{"--out": "x"}
	if g := Groups([]*Result{a, b}); len(g) != 1 || g[0].Label != "kafka" {
		t.Errorf("two runs of one configuration: %+v", g)
	}
	// Another broker version is another configuration.
	a.Target.Broker = drivers.BrokerInfo{Product: "Apache Kafka", Version: "4.1.0"}
	b.Target.Broker = drivers.BrokerInfo{Product: "Apache Kafka", Version: "4.2.0"}
	if g := Groups([]*Result{a, b}); len(g) != 2 || g[0].Label != "kafka (Apache Kafka 4.1.0)" || g[1].Label != "kafka (Apache Kafka 4.2.0)" {
		t.Errorf("two broker versions: %+v", g)
	}
}

func TestReportSpread(t *testing.T) {
	f := Figure{Digits: Rate, Of: func(r *Result) (float64, error) {
		if r.Throughput.SentMsgsPerS == 0 {
			return 0, ErrNoValue
		}
		return r.Throughput.SentMsgsPerS, nil
	}}
	runs := func(vs ...float64) []*Result {
		var out []*Result
		for _, v := range vs {
			out = append(out, &Result{Throughput: Throughput{SentMsgsPerS: v}})
		}
		return out
	}
	for _, tc := range []struct {
		values []float64
		want   Spread
		cell   string
	}{
		{nil, Spread{}, "-"},
		{[]float64{0}, Spread{}, "-"},
		{[]float64{7}, Spread{7, 7, 7, 1}, "7.0"},
		{[]float64{9, 1, 5}, Spread{1, 5, 9, 3}, "5.0 [1.0–9.0]"},
		{[]float64{4, 1, 2, 0, 8}, Spread{1, 3, 8, 4}, "3.0 [1.0–8.0]"},
	} {
		got := f.Spread(runs(tc.values...))
		if got != tc.want || f.text(got) != tc.cell {
			t.Errorf("%v: %+v %q, want %+v %q", tc.values, got, f.text(got), tc.want, tc.cell)
		}
	}
}

func TestCompareSpreads(t *testing.T) {
	for _, tc := range []struct {
		base, s Spread
		want    string
	}{
		{Spread{10, 10, 10, 1}, Spread{480, 480, 480, 1}, "48.0×"},
		{Spread{9, 10, 11, 3}, Spread{10.5, 11, 12, 3}, "1.1× (n.s.)"}, // ranges overlap
		{Spread{9, 10, 11, 3}, Spread{11.5, 12, 13, 3}, "1.2×"},        // they do not
		{Spread{9, 10, 11, 3}, Spread{10.5, 10.5, 10.5, 1}, "1.1×"},    // one run: no claim either way
		{Spread{9, 10, 11, 2}, Spread{3, 5, 8.9, 2}, "0.50×"},          // below, apart
		{Spread{100, 100, 100, 1}, Spread{2.1, 2.1, 2.1, 1}, "0.021×"}, // two significant digits
		{Spread{0, 0, 0, 1}, Spread{1, 1, 1, 1}, "-"},                  // nothing to divide by
		{Spread{1, 1, 1, 1}, Spread{}, "-"},                            // no value
		{Spread{1, 1, 1, 1}, Spread{250, 250, 250, 1}, "250×"},
	} {
		if got, _ := compareSpreads(tc.base, tc.s); got != tc.want {
			t.Errorf("%+v vs %+v: %q, want %q", tc.s, tc.base, got, tc.want)
		}
	}
}

func TestCompareSettingsOnlyOfOwnDriver(t *testing.T) {
	a, b := sampleResult(t), sampleResult(t)
	b.Target = Target{Name: "kinesis", Driver: "kinesis"}
	b.Scenario.Drivers = map[string]drivers.Settings{"kinesis": drivers.RawSettings(`{"batch_records": 500}`)}
	b.Scenario.Description, b.Scenario.Targets = "another text", []string{"kinesis"}
	if d := settingsDiff(Groups([]*Result{a, b})); len(d) != 0 {
		t.Errorf("kafka and kinesis of one scenario differ in %q; want nothing (each has only its driver's block)", d)
	}
	b.Scenario.Warmup = 0
	if d := settingsDiff(Groups([]*Result{a, b})); len(d) != 1 || d[0] != "warmup (kafka: 5s, kinesis: 0s)" {
		t.Errorf("diff %q, want the warm-up only", d)
	}
}

func TestSweepPointsAreLabelledAndNotWarnedAbout(t *testing.T) {
	a, b := sampleResult(t), sampleResult(t)
	a.Sweep = map[string]string{"kafka.linger": "0s", "workload.rate": "100"}
	b.Sweep = map[string]string{"kafka.linger": "50ms", "workload.rate": "100"}
	b.Scenario.Drivers["kafka"].(*kafka.Settings).Linger = drivers.Duration(50 * time.Millisecond)
	groups := Groups([]*Result{a, b})
	if len(groups) != 2 || groups[0].Label != "kafka (linger=0s rate=100)" || groups[1].Label != "kafka (linger=50ms rate=100)" {
		t.Fatalf("groups %+v: want one per sweep point, labelled by it", groups)
	}
	if d := settingsDiff(groups); len(d) != 0 {
		t.Errorf("the swept linger is warned about: %q", d)
	}
	// A setting that differs outside the sweep is still a warning.
	b.Scenario.Warmup = 0
	if d := settingsDiff(Groups([]*Result{a, b})); len(d) != 1 || !strings.HasPrefix(d[0], "warmup ") {
		t.Errorf("diff %q, want the warm-up only", d)
	}
}
