package report

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"streambench/bench"
	"streambench/drivers"
	"streambench/drivers/kafka"
	goldenfile "streambench/internal/golden"
)

var update = flag.Bool("update", false, "rewrite testdata: the result files and the golden outputs")

// The result files in testdata/results are made by fixtures (go test -update) and
// checked in, so that the golden outputs and the CLI tests read real files:
//
//	small-msgs/  kafka and kinesis (emulator), three runs each, alternating
//	after/       kafka, three runs of the same scenario by a later bench (shorter tail)
//	other/       kafka, one run with another rate and linger, on another machine
const resultsDir = "testdata/results"

func TestMain(m *testing.M) {
	flag.Parse()
	if *update {
		if err := writeFixtures(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	os.Exit(m.Run())
}

// fixture is one generated run.
type fixture struct {
	dir    string
	target string
	start  time.Time
	// e2eMs is the median end-to-end latency; tail multiplies the slowest 1%.
	e2eMs, tail float64
	seed        uint64
	rate        float64
	// change alters the result after it is made (another host, settings, counts).
	change func(*Result, *bench.Measurements)
}

func fixtures() []fixture {
	at := func(min int) time.Time { return time.Date(2026, 11, 24, 14, min, 0, 0, time.UTC) }
	later := func(r *Result, _ *bench.Measurements) { r.Host.BenchVersion = "v0.2.0" }
	other := func(r *Result, _ *bench.Measurements) {
		r.Host.Hostname, r.Host.CPUs = "ci-2", 4
		r.Scenario.Drivers["kafka"].(*kafka.Settings).Linger = drivers.Duration(0)
	}
	return []fixture{
		{"small-msgs", "kafka", at(0), 2.0, 6, 1, 1000, nil},
		{"small-msgs", "kinesis", at(1), 100, 3, 2, 1000, nil},
		{"small-msgs", "kafka", at(2), 2.1, 6, 3, 1000, nil},
		{"small-msgs", "kinesis", at(3), 104, 3, 4, 1000, nil},
		{"small-msgs", "kafka", at(4), 1.95, 6, 5, 1000, nil},
		{"small-msgs", "kinesis", at(5), 98, 3, 6, 1000, nil},
		{"after", "kafka", at(30), 1.9, 2, 7, 1000, later},
		{"after", "kafka", at(31), 2.05, 2, 8, 1000, later},
		{"after", "kafka", at(32), 1.8, 2, 9, 1000, later},
		{"other", "kafka", time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC), 1.5, 6, 10, 500, other},
	}
}

// makeResult builds the result of f: 30 s measured at f.rate after a 5 s warm-up, with
// log-normal latencies around f.e2eMs and a slow 1%.
func makeResult(f fixture) (*Result, error) {
	s := bench.NewScenario(drivers.NewRegistry(kafka.Registration))
	s.Name, s.Targets = "small-msgs", []string{"kafka", "kinesis"}
	s.Duration, s.Warmup = bench.Duration(30*time.Second), bench.Duration(5*time.Second)
	s.Topology.Partitions = 4
	s.Drivers["kinesis"] = drivers.RawSettings(`{"batch_records":500,"polling_interval":"200ms"}`)
	s.Workload.Rate.PerSecond = f.rate
	measured, all := int64(30*f.rate), int64(35*f.rate)
	m := &bench.Measurements{
		StartedAt: f.start, EndedAt: f.start.Add(41 * time.Second),
		MeasuredSeconds: 30, SentInWindow: measured, ReceivedInWindow: measured,
		Counts:       bench.Counts{Requested: all, Sent: all, Acked: all, Received: all},
		CPUSeconds:   4.1 + float64(f.seed%3)/10,
		PeakRSSBytes: int64(40+f.seed%4) << 20,
		Publish:      bench.NewHistogram(), EndToEnd: bench.NewHistogram(),
		Service: bench.NewHistogram(), SendLag: bench.NewHistogram(),
	}
	rnd := rand.New(rand.NewPCG(f.seed, 42))
	for i := range measured {
		e2e := f.e2eMs * math.Exp(0.25*rnd.NormFloat64())
		if i%100 == 0 {
			e2e *= f.tail
		}
		lag := 0.02 * math.Exp(rnd.NormFloat64())
		ns := func(ms float64) int64 { return int64(ms * 1e6) }
		m.EndToEnd.RecordValue(ns(e2e))
		m.Publish.RecordValue(ns(0.6*e2e + lag))
		m.Service.RecordValue(ns(0.6 * e2e))
		m.SendLag.RecordValue(ns(lag))
	}
	r := &Result{
		Scenario: s,
		Target:   Target{Name: "kafka", Driver: "kafka", Broker: drivers.BrokerInfo{Product: "Apache Kafka", Version: "4.1.0"}, Address: "127.0.0.1:9092", Env: "local"},
		Host: Host{Hostname: "ci-1", CPUs: 8, CPUModel: "AMD EPYC 7B13", OS: "linux", Arch: "amd64",
			GoVersion: "go1.26.0", BenchVersion: "v0.1.0"},
		Notes: []string{"broker: the local Apache Kafka of 'bench brokers up'"},
	}
	if f.target == "kinesis" {
		r.Target = Target{Name: "kinesis", Driver: "kinesis", Broker: drivers.BrokerInfo{Product: "kinesis-mock", Version: "0.4.9"},
			Address: "http://127.0.0.1:4567", Emulator: true, Env: "local"}
		r.Notes = []string{"broker: kinesis-mock started by bench (an emulator)"}
		m.Counts.SendErrors, m.Counts.Acked, m.Counts.Received = 2, all-2, all-2
		m.Errors = []bench.ErrorCount{{Where: "produce", Count: 2, First: "ProvisionedThroughputExceededException: Rate exceeded for shard shardId-000000000001"}}
		m.DriverCounts = map[string]int64{"throttled": int64(f.seed), "retries": int64(3 * f.seed)}
	}
	r.Target.Topic = fmt.Sprintf("bench-small-msgs-%s-%s", f.target, f.start.Format("20060102T150405Z"))
	if f.change != nil {
		f.change(r, m)
	}
	if err := r.FromMeasurements(m); err != nil {
		return nil, err
	}
	return r, nil
}

// writeFixtures rewrites testdata/results.
func writeFixtures() error {
	if err := os.RemoveAll(resultsDir); err != nil {
		return err
	}
	for _, f := range fixtures() {
		r, err := makeResult(f)
		if err != nil {
			return err
		}
		if _, err := Write(Path(filepath.Join(resultsDir, f.dir), "", f.target, f.start), r); err != nil {
			return err
		}
	}
	return nil
}

// load reads result files or directories under testdata/results.
func load(t *testing.T, paths ...string) []*Result {
	t.Helper()
	for i, p := range paths {
		paths[i] = filepath.Join(resultsDir, p)
	}
	files, err := Load(paths...)
	if err != nil {
		t.Fatal(err)
	}
	return Results(files)
}

// golden compares got with testdata/name.golden, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldenfile.Check(t, filepath.Join("testdata", name+".golden"), got, *update)
}

// recordAll is a histogram of the engine's range holding values (nanoseconds).
func recordAll(t *testing.T, values map[int64]int64) *hdrhistogram.Histogram {
	t.Helper()
	h := bench.NewHistogram()
	for v, n := range values {
		if err := h.RecordValues(v, n); err != nil {
			t.Fatal(err)
		}
	}
	return h
}
