package verify

import (
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"streambench/bench"
	"streambench/drivers"
	"streambench/drivers/kinesis"
	"streambench/report"
)

var t0 = time.Date(2026, 11, 24, 14, 0, 0, 0, time.UTC)

// run is a result of scenario against target, the n-th run (which sets its start),
// with only the fields the metrics read; options fill in the measurements.
func run(scenario, target string, n int, options ...func(*report.Result)) *report.Result {
	r := &report.Result{StartedAt: t0.Add(time.Duration(n) * time.Minute)}
	r.EndedAt = r.StartedAt.Add(40 * time.Second)
	r.Scenario.Name = scenario
	r.Target = report.Target{Name: target, Driver: "kafka", Env: "local", Broker: drivers.BrokerInfo{Product: "Apache Kafka", Version: "4.1.0"}}
	if target == "kinesis" {
		r.Target.Driver, r.Target.Broker = "kinesis", drivers.BrokerInfo{Product: "Amazon Kinesis Data Streams", Version: "API 2013-12-02"}
	}
	for _, o := range options {
		o(r)
	}
	return r
}

// e2e sets the end-to-end latency's p50 and p99, in milliseconds.
func e2e(p50, p99 float64) func(*report.Result) {
	return func(r *report.Result) {
		r.Latency.EndToEnd = report.Latency{Count: 1000, P50: p50 * 1000, P99: p99 * 1000}
	}
}

func lost(n int64) func(*report.Result) {
	return func(r *report.Result) { r.Counts.Acked, r.Counts.Lost = 1000, n }
}

func received(msgsPerS float64) func(*report.Result) {
	return func(r *report.Result) { r.Throughput.ReceivedMsgsPerS = msgsPerS }
}

func sweep(path, value string) func(*report.Result) {
	return func(r *report.Result) { r.Sweep = map[string]string{path: value} }
}

// emulated makes the run's broker kinesis-mock.
func emulated(r *report.Result) {
	r.Target.Emulator = true
	r.Target.Broker = drivers.BrokerInfo{Product: "kinesis-mock", Version: "0.4.9"}
}

func probe(name string, v float64) func(*report.Result) {
	return func(r *report.Result) {
		r.Probes = append(r.Probes, bench.Probe{Name: name, Value: &v, Answer: "x", By: "broker"})
	}
}

func ref(scenario, target, metric string) Ref {
	return Ref{Scenario: scenario, Target: target, Metric: metric}
}

func ptr(r Ref) *Ref { return &r }

// evaluate judges one claim with checks against results.
func evaluate(results []*report.Result, checks ...Check) ClaimVerdict {
	c := &Claims{Claims: []Claim{{ID: "C", Text: "a claim", Measurable: "yes", Checks: checks}}}
	return Evaluate(c, results).Claims[0]
}

var (
	kinesisOverKafka = Check{Left: ref("s", "kinesis", "latency.end_to_end.p50"), Right: ptr(ref("s", "kafka", "latency.end_to_end.p50")), Op: AtLeast, Threshold: 2}
	kafkaLost        = Check{Left: ref("s", "kafka", "counts.lost"), Op: Equals, Threshold: 0}
)

func TestVerdicts(t *testing.T) {
	for _, tc := range []struct {
		name     string
		results  []*report.Result
		checks   []Check
		outcomes []Outcome
		verdict  Verdict
		value    string // the first check's value as shown
	}{
		{"supported", []*report.Result{run("s", "kinesis", 0, e2e(30, 60)), run("s", "kafka", 1, e2e(5, 9))},
			[]Check{kinesisOverKafka}, []Outcome{Holds}, Supported, "6"},
		{"refuted", []*report.Result{run("s", "kinesis", 0, e2e(8, 60)), run("s", "kafka", 1, e2e(5, 9), lost(3))},
			[]Check{kinesisOverKafka, kafkaLost}, []Outcome{Fails, Fails}, Refuted, "1.6"},
		{"mixed", []*report.Result{run("s", "kinesis", 0, e2e(30, 60)), run("s", "kafka", 1, e2e(5, 9), lost(3))},
			[]Check{kinesisOverKafka, kafkaLost}, []Outcome{Holds, Fails}, Mixed, "6"},
		// Paired in start order: 9/5, 10/5, 11/5 straddle 2.
		{"borderline", []*report.Result{
			run("s", "kinesis", 0, e2e(9, 60)), run("s", "kafka", 1, e2e(5, 9)),
			run("s", "kinesis", 2, e2e(10, 60)), run("s", "kafka", 3, e2e(5, 9)),
			run("s", "kinesis", 4, e2e(11, 60)), run("s", "kafka", 5, e2e(5, 9)),
		}, []Check{kinesisOverKafka}, []Outcome{Borderline}, Mixed, "2 [1.8–2.2]"},
		// The median (2.5) meets the threshold, but one repetition (1.5) does not.
		{"median meets, spread does not", []*report.Result{
			run("s", "kinesis", 0, e2e(15, 60)), run("s", "kafka", 1, e2e(10, 9)),
			run("s", "kinesis", 2, e2e(25, 60)), run("s", "kafka", 3, e2e(10, 9)),
			run("s", "kinesis", 4, e2e(30, 60)), run("s", "kafka", 5, e2e(10, 9)),
		}, []Check{kinesisOverKafka}, []Outcome{Borderline}, Mixed, "2.5 [1.5–3]"},
		// At most: the lowest run meets the threshold, the highest does not.
		{"at most, straddling", []*report.Result{
			run("s", "kafka", 0, e2e(10, 9)), run("s", "kafka", 1, e2e(12, 9)), run("s", "kafka", 2, e2e(30, 9)),
		}, []Check{{Left: ref("s", "kafka", "latency.end_to_end.p50"), Op: AtMost, Threshold: 25}}, []Outcome{Borderline}, Mixed, "12 [10–30] ms"},
		// Listed out of order: paired by start, each kinesis run is twice its kafka run.
		{"paired in start order", []*report.Result{
			run("s", "kinesis", 4, e2e(11, 60)), run("s", "kafka", 1, e2e(4.5, 9)),
			run("s", "kinesis", 2, e2e(10, 60)), run("s", "kafka", 5, e2e(5.5, 9)),
			run("s", "kinesis", 0, e2e(9, 60)), run("s", "kafka", 3, e2e(5, 9)),
		}, []Check{kinesisOverKafka}, []Outcome{Holds}, Supported, "2 [2–2]"},
		{"not measured: no result", []*report.Result{run("s", "kafka", 1, e2e(5, 9))},
			[]Check{kinesisOverKafka, kafkaLost}, []Outcome{NoData, Holds}, NotMeasured, "-"},
		{"not measured: no value", []*report.Result{run("s", "kinesis", 0), run("s", "kafka", 1, e2e(5, 9))},
			[]Check{kinesisOverKafka}, []Outcome{NoValue}, NotMeasured, "-"},
		{"no checks", []*report.Result{run("s", "kafka", 1)}, nil, nil, NotMeasurable, ""},
		{"equals within the spread", []*report.Result{run("s", "kafka", 0, lost(0)), run("s", "kafka", 1, lost(2))},
			[]Check{kafkaLost}, []Outcome{Borderline}, Mixed, "1 [0–2]"},
		{"equals outside the spread", []*report.Result{run("s", "kafka", 0, lost(1)), run("s", "kafka", 1, lost(2))},
			[]Check{kafkaLost}, []Outcome{Fails}, Refuted, "1.5 [1–2]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := evaluate(tc.results, tc.checks...)
			var got []Outcome
			for _, ch := range v.Checks {
				got = append(got, ch.Outcome)
			}
			if !slices.Equal(got, tc.outcomes) || v.Verdict != tc.verdict {
				t.Fatalf("outcomes %v, verdict %q; want %v, %q (%+v)", got, v.Verdict, tc.outcomes, tc.verdict, v)
			}
			if len(v.Checks) > 0 {
				if got := v.Checks[0].text(); got != tc.value {
					t.Errorf("value %q, want %q", got, tc.value)
				}
			}
		})
	}
}

func TestNotMeasuredNamesWhatIsMissing(t *testing.T) {
	check := Check{Left: Ref{Scenario: "s", Target: "kinesis", Metric: "latency.end_to_end.p50", Sweep: map[string]string{"workload.rate": "100"}}, Op: AtMost, Threshold: 1}
	v := evaluate([]*report.Result{run("s", "kafka", 0)}, check)
	if v.Verdict != NotMeasured || len(v.Missing) != 1 {
		t.Fatalf("verdict %q, missing %q", v.Verdict, v.Missing)
	}
	for _, w := range []string{"scenario s", "target kinesis", "sweep workload.rate=100", "latency.end_to_end.p50", "s has results of kafka"} {
		if !strings.Contains(v.Missing[0], w) {
			t.Errorf("%q does not say %q", v.Missing[0], w)
		}
	}
	v = evaluate([]*report.Result{run("s", "kafka", 0)}, Check{Left: ref("s", "kafka", "probe.retention"), Op: Equals, Threshold: 168})
	if v.Verdict != NotMeasured || !strings.Contains(v.Missing[0], `no probe "retention"`) {
		t.Errorf("missing probe: verdict %q, missing %q", v.Verdict, v.Missing)
	}
}

func TestNotMeasurable(t *testing.T) {
	c := &Claims{Claims: []Claim{
		{ID: "C1", Measurable: "no", Reason: "a product fact"},
		{ID: "C13", Measurable: "partly"},
		{ID: "C2", Measurable: "partly", Reason: "steps are not timed"},
	}}
	rep := Evaluate(c, nil)
	for i, want := range []string{"a product fact", "no rule", "steps are not timed"} {
		v := rep.Claims[i]
		if v.Verdict != NotMeasurable || !strings.HasPrefix(v.Reason, want) {
			t.Errorf("%s: verdict %q, reason %q; want not measurable, %q", v.ID, v.Verdict, v.Reason, want)
		}
	}
}

func TestEmulatorCaveat(t *testing.T) {
	results := []*report.Result{
		run("s", "kinesis", 0, e2e(30, 60), lost(0), probe("retention", 24), emulated),
		run("s", "kafka", 1, e2e(5, 9), lost(0)),
	}
	caveat := "rests on an emulator's latency (kinesis-mock 0.4.9): it says nothing about Amazon Kinesis"
	v := evaluate(results, kinesisOverKafka)
	if !slices.Equal(v.Caveats, []string{caveat}) || v.Verdict != NotMeasuredHere || v.Checks[0].Outcome != EmulatorOnly ||
		v.VerdictText() != "not measured here (emulator)" {
		t.Errorf("latency from an emulator: caveats %q, verdict %q, outcome %q", v.Caveats, v.VerdictText(), v.Checks[0].Outcome)
	}
	// Beside a check on a real broker, the verdict rests on that one alone and says so.
	v = evaluate(results, kinesisOverKafka, kafkaLost)
	if v.Verdict != Supported || v.Unjudged != 1 || v.VerdictText() != "supported in part (1 of 2 checks not measured here: emulator)" {
		t.Errorf("one emulator check of two: verdict %q (%d unjudged)", v.VerdictText(), v.Unjudged)
	}
	if !strings.Contains(v.Checks[0].Left.text(), "kinesis-mock 0.4.9 EMULATOR") {
		t.Errorf("left side %q does not name the emulator", v.Checks[0].Left.text())
	}
	for _, metric := range []string{"counts.lost", "probe.retention"} {
		threshold := map[string]float64{"counts.lost": 0, "probe.retention": 24}[metric]
		v := evaluate(results, Check{Left: ref("s", "kinesis", metric), Op: Equals, Threshold: threshold})
		if len(v.Caveats) > 0 || v.VerdictText() != "supported" {
			t.Errorf("%s from an emulator: caveats %q, verdict %q; want none, supported", metric, v.Caveats, v.VerdictText())
		}
		if !slices.Contains(v.Checks[0].Left.Notes, "from kinesis-mock, an emulator") {
			t.Errorf("%s from an emulator: notes %q", metric, v.Checks[0].Left.Notes)
		}
	}
	// A real Kinesis gives no caveat.
	results[0] = run("s", "kinesis", 0, e2e(30, 60))
	if v := evaluate(results, kinesisOverKafka); len(v.Caveats) > 0 || v.VerdictText() != "supported" {
		t.Errorf("real broker: caveats %q, verdict %q", v.Caveats, v.VerdictText())
	}
}

// quotaRun is a run of one shard on an emulator that enforced AWS's write quotas,
// received msgs/s, with throttled writes refused.
func quotaRun(n int, msgsPerS float64, throttled int64, options ...func(*report.Result)) *report.Result {
	return run("s", "kinesis", n, append([]func(*report.Result){emulated, received(msgsPerS), func(r *report.Result) {
		r.Target.WriteQuotas = true
		r.Target.Broker = drivers.BrokerInfo{Product: "ferrokinesis", Version: "0.7.0"}
		r.Scenario.Topology.Partitions = 1
		r.Scenario.Workload.MessageSize = 100
		r.Scenario.Drivers = map[string]drivers.Settings{"kinesis": kinesis.NewSettings()}
		r.DriverCounts = map[string]int64{"records_throttled": throttled}
	}}, options...)...)
}

// TestQuotaBound checks that an emulator's received rate is judged only where it is
// AWS's write quota, enforced and reached, and never where it is the emulator's speed.
func TestQuotaBound(t *testing.T) {
	check := Check{Left: ref("s", "kafka", "throughput.received_msgs_per_s"), Right: ptr(ref("s", "kinesis", "throughput.received_msgs_per_s")), Op: AtLeast, Threshold: 1.5}
	kafka := run("s", "kafka", 1, received(20000))
	v := evaluate([]*report.Result{quotaRun(0, 998, 120000), kafka}, check)
	if v.Verdict != Supported || v.Unjudged != 0 || len(v.Caveats) > 0 || len(v.QuotaNotes) != 1 {
		t.Fatalf("at the quota: verdict %q, caveats %q, quota notes %q", v.VerdictText(), v.Caveats, v.QuotaNotes)
	}
	for _, w := range []string{"1 shard(s) delivered 998 records/s", "1000 records/s per shard", "ferrokinesis 0.7.0", "120000 writes refused"} {
		if !strings.Contains(v.QuotaNotes[0], w) {
			t.Errorf("quota note %q lacks %q", v.QuotaNotes[0], w)
		}
	}
	// As read back from a result file, the settings are the JSON they were written as.
	readBack := func(raw string) func(*report.Result) {
		return func(r *report.Result) { r.Scenario.Drivers["kinesis"] = drivers.RawSettings(raw) }
	}
	if v := evaluate([]*report.Result{quotaRun(0, 998, 5000, readBack(`{"aggregation": false, "linger": "100ms"}`)), kafka}, check); v.Verdict != Supported {
		t.Errorf("at the quota, settings read back from a file: verdict %q, caveats %q", v.VerdictText(), v.Caveats)
	}
	noQuotas := func(r *report.Result) { r.Target.WriteQuotas = false }
	aggregated := func(r *report.Result) { r.Scenario.Drivers["kinesis"].(*kinesis.Settings).Aggregation = true }
	for name, r := range map[string]*report.Result{
		"nothing refused":        quotaRun(0, 998, 0),
		"slower than the quota":  quotaRun(0, 600, 5000),
		"above the quota":        quotaRun(0, 1200, 5000),
		"quotas not enforced":    quotaRun(0, 998, 5000, noQuotas),
		"records hold many msgs": quotaRun(0, 998, 5000, aggregated),
		"aggregated, read back":  quotaRun(0, 998, 5000, readBack(`{"aggregation": true}`)),
		"settings unknown":       quotaRun(0, 998, 5000, readBack(`{}`)),
	} {
		if v := evaluate([]*report.Result{r, kafka}, check); v.Verdict != NotMeasuredHere || len(v.QuotaNotes) > 0 {
			t.Errorf("%s: verdict %q, quota notes %q; want not measured here", name, v.VerdictText(), v.QuotaNotes)
		}
	}
	latency := Check{Left: ref("s", "kinesis", "latency.end_to_end.p50"), Op: AtMost, Threshold: 1000}
	if v := evaluate([]*report.Result{quotaRun(0, 998, 5000, e2e(300, 900))}, latency); v.Verdict != NotMeasuredHere {
		t.Errorf("latency at the quota: verdict %q; an emulator's latency is never judged", v.VerdictText())
	}
	// One repetition at the quota and one short of it: the figure is not the quota's.
	if v := evaluate([]*report.Result{quotaRun(0, 998, 5000), quotaRun(2, 500, 5000), kafka}, check); v.Verdict != NotMeasuredHere {
		t.Errorf("repetitions half at the quota: verdict %q", v.VerdictText())
	}
}

func TestRepetitions(t *testing.T) {
	results := []*report.Result{
		run("s", "kafka", 2, e2e(20, 30)),
		run("s", "kafka", 0, e2e(10, 30)),
		run("s", "kafka", 1, e2e(12, 30)),
		run("s", "kinesis", 3, e2e(60, 90)),
		run("s", "kinesis", 4, e2e(40, 90)),
	}
	v := evaluate(results, Check{Left: ref("s", "kafka", "latency.end_to_end.p50"), Op: AtMost, Threshold: 25}, kinesisOverKafka)
	left := v.Checks[0].Left
	if left.Value != (report.Spread{Min: 10, Median: 12, Max: 20, Runs: 3}) || v.Checks[0].text() != "12 [10–20] ms" {
		t.Errorf("kafka p50 over 3 runs: %+v, shown %q", left.Value, v.Checks[0].text())
	}
	// Three runs against two: the ratio of the medians (50/12), its spread the extreme
	// ratios (40/20 and 60/10).
	got := v.Checks[1].Value
	if math.Abs(got.Median-50.0/12) > 1e-12 || got.Min != 2 || got.Max != 6 {
		t.Errorf("unpaired ratio %+v, want median %v [2–6]", got, 50.0/12)
	}
	if v.Checks[1].Outcome != Holds {
		t.Errorf("outcome %q", v.Checks[1].Outcome)
	}
}

func TestSweepSelector(t *testing.T) {
	results := []*report.Result{
		run("c10", "kafka", 0, sweep("kafka.linger", "0ms"), received(9000)),
		run("c10", "kafka", 1, sweep("kafka.linger", "5ms"), received(25000)),
		run("c10", "kafka", 2, sweep("kafka.linger", "50ms"), received(31000)),
	}
	check := Check{Left: Ref{Scenario: "c10", Target: "kafka", Metric: "throughput.received_msgs_per_s", Sweep: map[string]string{"kafka.linger": "5ms"}}, Op: AtLeast, Threshold: 20000}
	v := evaluate(results, check)
	if v.Checks[0].Value.Median != 25000 || v.Checks[0].Left.Matched != 1 || v.Verdict != Supported {
		t.Errorf("sweep kafka.linger=5ms picked %+v (verdict %q)", v.Checks[0].Left, v.Verdict)
	}
	check.Left.Sweep = nil
	v = evaluate(results, check)
	if v.Checks[0].Outcome != NoData || !strings.Contains(v.Checks[0].Missing, "matches 3 points of the scenario's sweep") {
		t.Errorf("no sweep selector over 3 points: %q, %q", v.Checks[0].Outcome, v.Checks[0].Missing)
	}
}

func TestDivisionByZero(t *testing.T) {
	results := []*report.Result{run("s", "kafka", 0, lost(0)), run("s", "kinesis", 1, lost(5))}
	v := evaluate(results, Check{Left: ref("s", "kinesis", "counts.lost"), Right: ptr(ref("s", "kafka", "counts.lost")), Op: AtMost, Threshold: 1})
	// 5 over 0 is more than any bound: the at_most fails, with the figure shown as ∞.
	if v.Checks[0].Outcome != Fails || !math.IsInf(v.Checks[0].Value.Median, 1) {
		t.Errorf("ratio over 0: %q, %q", v.Checks[0].Outcome, v.Checks[0].Missing)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := LoadClaims(filepath.Join(claimsDir, "nowhere.yaml"))
	if err == nil || !strings.Contains(err.Error(), "nowhere.yaml: reading claims file: no such file") {
		t.Errorf("error %v", err)
	}
}

func TestReplayAndScaleMetrics(t *testing.T) {
	replayed := func(rp *bench.Replay) func(*report.Result) {
		return func(r *report.Result) { r.Replay = rp }
	}
	scaled := func(r *report.Result) {
		r.Scenario.Topology.Partitions = 2
		r.Actions = []bench.ActionRecord{{Do: bench.ActionScale, AtS: 8.0, TookS: 0.2}}
		r.Partitions = []bench.PartitionReceipt{{Partition: 0, FirstS: 0.01}, {Partition: 1, FirstS: 0.02}, {Partition: 3, FirstS: 9.5}, {Partition: 2, FirstS: 13.25}}
	}
	for _, tc := range []struct {
		name, metric string
		r            *report.Result
		want         float64
		wantErr      string
	}{
		{"replay missing", "replay.missing", run("s", "kafka", 0, replayed(&bench.Replay{Read: 10, Distinct: 9, Missing: 1})), 1, ""},
		{"replay distinct", "replay.distinct", run("s", "kafka", 0, replayed(&bench.Replay{Read: 10, Distinct: 9})), 9, ""},
		{"no replay", "replay.read", run("s", "kafka", 0), 0, "replay: true"},
		{"failed replay", "replay.missing", run("s", "kafka", 0, replayed(&bench.Replay{Error: "timeout"})), 0, "the replay failed: timeout"},
		{"new capacity", "scale.carries_after_s", run("s", "kafka", 0, scaled), 1.5, ""},
		{"no scale", "scale.carries_after_s", run("s", "kafka", 0), 0, "no scale action"},
	} {
		m, err := parseMetric(tc.metric)
		if err != nil {
			t.Fatal(err)
		}
		got, err := m.of(tc.r, nil)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: %v, %v, want an error with %q", tc.name, got, err, tc.wantErr)
			}
			continue
		}
		if err != nil || math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("%s: %v, %v, want %v", tc.name, got, err, tc.want)
		}
	}
}

func TestRatioOverZero(t *testing.T) {
	results := []*report.Result{
		run("s", "kafka", 0, received(20000)), run("s", "kinesis", 1, received(0)),
	}
	check := Check{Left: ref("s", "kafka", "throughput.received_msgs_per_s"), Right: ptr(ref("s", "kinesis", "throughput.received_msgs_per_s")), Op: AtLeast, Threshold: 1.5}
	v := evaluate(results, check)
	if v.Verdict != Supported || v.Checks[0].Outcome != Holds || !math.IsInf(v.Checks[0].Value.Median, 1) {
		t.Errorf("something over nothing: %+v", v)
	}
	results[0] = run("s", "kafka", 0, received(0))
	if v := evaluate(results, check); v.Verdict != NotMeasured || !strings.Contains(v.Checks[0].Missing, "both 0") {
		t.Errorf("nothing over nothing: %+v", v)
	}
}
