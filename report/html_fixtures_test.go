package report

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"streambench/bench"
	"streambench/drivers"
	"streambench/drivers/kafka"
)

// The result files in testdata/html are made by htmlFixtures (go test -update) and
// checked in. Unlike those of testdata/results, they have per-second intervals, for the
// charts over time:
//
//	timeline/  kafka and kinesis (emulator), two runs each, alternating
//	sweep/     the points of a matrix: kafka at linger 0ms, 5ms (two runs) and 20ms;
//	           kinesis (emulator) at batch_records 100 and 500
const htmlDir = "testdata/html"

func htmlFixtures() map[string][]fixture {
	at := func(min int) time.Time { return time.Date(2026, 11, 26, 10, min, 0, 0, time.UTC) }
	// A sweep runs at the most each point can take (rate: max).
	linger := func(v string) func(*Result, *bench.Measurements) {
		return func(r *Result, m *bench.Measurements) {
			r.Scenario.Name, r.Scenario.Workload.Rate = "batching-sweep", bench.Rate{Max: true}
			d, _ := time.ParseDuration(v)
			r.Scenario.Drivers["kafka"].(*kafka.Settings).Linger = drivers.Duration(d)
			r.Sweep = map[string]string{"kafka.linger": v}
		}
	}
	batch := func(n int) func(*Result, *bench.Measurements) {
		return func(r *Result, m *bench.Measurements) {
			r.Scenario.Name, r.Scenario.Workload.Rate = "batching-sweep", bench.Rate{Max: true}
			r.Scenario.Drivers["kinesis"] = drivers.RawSettings(fmt.Sprintf(`{"batch_records":%d,"polling_interval":"200ms"}`, n))
			r.Sweep = map[string]string{"kinesis.batch_records": fmt.Sprint(n)}
		}
	}
	return map[string][]fixture{
		"timeline": {
			{"timeline", "kafka", at(0), 2.0, 6, 21, 1000, nil},
			{"timeline", "kinesis", at(1), 100, 3, 22, 1000, nil},
			{"timeline", "kafka", at(2), 2.2, 6, 23, 1000, nil},
			{"timeline", "kinesis", at(3), 96, 3, 24, 1000, nil},
		},
		"sweep": {
			{"sweep", "kafka", at(10), 1.2, 6, 31, 6000, linger("0ms")},
			{"sweep", "kafka", at(11), 6.5, 3, 32, 9000, linger("5ms")},
			{"sweep", "kafka", at(12), 6.8, 3, 33, 9400, linger("5ms")},
			{"sweep", "kafka", at(13), 21.5, 2, 34, 11000, linger("20ms")},
			{"sweep", "kinesis", at(14), 120, 3, 35, 800, batch(100)},
			{"sweep", "kinesis", at(15), 95, 3, 36, 1000, batch(500)},
		},
	}
}

// withIntervals gives f's result per-second intervals that agree with its latencies:
// 5 s of warm-up (slower at first), 30 s measured (with a stall at 20 s) and 2 s of
// drain.
func withIntervals(f fixture) fixture {
	change := f.change
	f.change = func(r *Result, m *bench.Measurements) {
		if change != nil {
			change(r, m)
		}
		rnd := rand.New(rand.NewPCG(f.seed, 7))
		for s := range 37 {
			iv := bench.Interval{Start: float64(s), Seconds: 1, Phase: bench.PhaseMeasure}
			slow := 1.0
			switch {
			case s < 5:
				iv.Phase, slow = bench.PhaseWarmup, 1+1.5*math.Exp(-float64(s))
			case s >= 35:
				iv.Phase = bench.PhaseDrain
			case s == 20:
				slow = 3
			}
			if iv.Phase != bench.PhaseDrain {
				iv.Sent = int64(f.rate * (1 + 0.01*rnd.NormFloat64()))
				iv.Acked = iv.Sent
			}
			iv.Received = iv.Sent + int64(5*rnd.NormFloat64())
			if s == 35 {
				iv.Received = int64(f.e2eMs / 1000 * f.rate)
			}
			if iv.Received <= 0 {
				iv.Received = 0
				m.Intervals = append(m.Intervals, iv)
				continue
			}
			p50 := 1e3 * f.e2eMs * slow * (1 + 0.04*rnd.NormFloat64())
			iv.E2EP50, iv.E2EP99 = p50, p50*math.Exp(0.25*2.33)*(1+0.1*rnd.Float64())*min(slow, 2)
			iv.PublishP50, iv.PublishP99 = 0.6*iv.E2EP50, 0.6*iv.E2EP99
			m.Intervals = append(m.Intervals, iv)
		}
	}
	return f
}

// loadHTML reads the results of testdata/html/dir, after writing them anew with
// -update.
func loadHTML(t *testing.T, dir string) []*Result {
	t.Helper()
	path := filepath.Join(htmlDir, dir)
	if *update {
		if err := os.RemoveAll(path); err != nil {
			t.Fatal(err)
		}
		for _, f := range htmlFixtures()[dir] {
			r, err := makeResult(withIntervals(f))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Write(Path(path, "", f.target, f.start), r); err != nil {
				t.Fatal(err)
			}
		}
	}
	files, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return Results(files)
}
