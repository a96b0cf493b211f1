package bench

import (
	"context"
	"fmt"
	"math"
	"sort"
	"testing"
	"time"
)

func rampTo(from, to float64, over time.Duration) Rate {
	return Rate{Stages: []Stage{{Kind: StageRamp, Rates: []float64{from, to}, For: over}}}
}

// union is the intended send times of all producers of w up to end, merged and sorted.
func union(w Workload, warmup time.Duration, end int64) []int64 {
	var all []int64
	for j := range w.Producers {
		tt := newTimetable(w, warmup, j)
		for i := uint64(0); ; i++ {
			at := tt.At(i)
			if at >= end {
				break
			}
			all = append(all, at)
		}
	}
	sort.Slice(all, func(a, b int) bool { return all[a] < all[b] })
	return all
}

// perSecond counts the times in each whole second before end.
func perSecond(times []int64, seconds int) []int {
	counts := make([]int, seconds)
	for _, at := range times {
		if s := int(at / int64(time.Second)); s < seconds {
			counts[s]++
		}
	}
	return counts
}

// A constant rate with uniform arrivals keeps the Schedule it always had: the same
// intended times, to the nanosecond.
func TestUniformUnchanged(t *testing.T) {
	for _, tc := range []struct {
		rate             float64
		producers, index int
		i                uint64
		want             int64
	}{
		{1000, 1, 0, 7, 7 * int64(time.Millisecond)},
		{1000, 2, 1, 3, 7 * int64(time.Millisecond)},
		{0.5, 1, 0, 2, 4 * int64(time.Second)},
		{3e6, 1, 0, 3, 1000},
		{3000, 3, 2, 1_000_001, NewSchedule(3000, 3, 2).At(1_000_001)},
	} {
		w := Workload{Rate: Rate{PerSecond: tc.rate}, Producers: tc.producers, Arrivals: ArrivalsUniform}
		tt := newTimetable(w, 5*time.Second, tc.index)
		if _, ok := tt.(Schedule); !ok {
			t.Fatalf("a constant uniform rate gives a %T, not the Schedule", tt)
		}
		if got := tt.At(tc.i); got != tc.want {
			t.Errorf("rate %v, producer %d of %d: At(%d) = %d, want %d", tc.rate, tc.index, tc.producers, tc.i, got, tc.want)
		}
	}
}

// A single hold stage makes the same times as the constant rate, within rounding.
func TestHoldMatchesConstant(t *testing.T) {
	w := Workload{Rate: Rate{Stages: []Stage{{Kind: StageHold, Rates: []float64{3000}, For: time.Minute}}}, Producers: 3, Arrivals: ArrivalsUniform}
	for j := range 3 {
		shaped, flat := newTimetable(w, 2*time.Second, j), NewSchedule(3000, 3, j)
		for _, i := range []uint64{0, 1, 2, 999, 123_456} {
			if d := shaped.At(i) - flat.At(i); d < -1 || d > 1 {
				t.Errorf("producer %d message %d: %d, constant rate %d", j, i, shaped.At(i), flat.At(i))
			}
		}
	}
}

// Along a ramp, the producers together offer each second what the rate's integral over
// it says: uniform arrivals within one message per producer, and Poisson arrivals
// within five standard deviations (√mean) of it.
func TestRampCountsPerSecond(t *testing.T) {
	const secs = 10
	ramp := rampTo(1000, 20000, secs*time.Second)
	warmup := 2 * time.Second
	for _, arrivals := range []Arrivals{ArrivalsUniform, ArrivalsPoisson} {
		w := Workload{Rate: ramp, Producers: 3, Arrivals: arrivals, Seed: DefaultSeed}
		end := int64(warmup) + secs*int64(time.Second)
		counts := perSecond(union(w, warmup, end), 2+secs)
		for s, got := range counts {
			want := 1000.0 // the warm-up holds the ramp's first rate
			if s >= 2 {
				k := float64(s - 2)
				want = 1000 + 1900*(k+0.5) // the rate at the middle of the second
			}
			tol := 3.0
			if arrivals == ArrivalsPoisson {
				tol = 5 * math.Sqrt(want)
			}
			if math.Abs(float64(got)-want) > tol {
				t.Errorf("%s: second %d has %d messages, want %.0f ± %.0f", arrivals, s, got, want, tol)
			}
		}
	}
}

// Steps and holds, uniform: each second exactly its rate (within a message per
// producer), and Count(t) is what At says, exactly.
func TestStepsCountExact(t *testing.T) {
	w := Workload{Rate: Rate{Stages: []Stage{
		{Kind: StageSteps, Rates: []float64{500, 1500, 250}, For: time.Second},
		{Kind: StageHold, Rates: []float64{777}, For: 2 * time.Second},
	}}, Producers: 2, Arrivals: ArrivalsUniform}
	end := int64(5 * time.Second)
	counts := perSecond(union(w, 0, end), 5)
	for s, want := range []int{500, 1500, 250, 777, 777} {
		if d := counts[s] - want; d < -2 || d > 2 {
			t.Errorf("second %d: %d messages, want %d", s, counts[s], want)
		}
	}
	checkCounts(t, w, end)
}

// checkCounts checks Count(t) against At at many times, forwards and back: At(c-1) <
// t ≤ At(c).
func checkCounts(t *testing.T, w Workload, end int64) {
	t.Helper()
	for j := range w.Producers {
		tt := newTimetable(w, time.Second, j)
		at := newTimetable(w, time.Second, j) // another, so that At walks on its own
		for _, x := range []int64{end, 1, end / 3, end / 2, end / 2, end/2 + 1, 0, end / 7, end} {
			c := tt.Count(x)
			if c > 0 && at.At(c-1) >= x || at.At(c) < x {
				t.Fatalf("%s producer %d: Count(%d) = %d, but At(%d) = %d, At(%d) = %d",
					w.Arrivals, j, x, c, c-1, at.At(max(c, 1)-1), c, at.At(c))
			}
		}
	}
}

func TestPoissonCountExact(t *testing.T) {
	w := Workload{Rate: rampTo(2000, 500, 3*time.Second), Producers: 2, Arrivals: ArrivalsPoisson, Seed: 9}
	checkCounts(t, w, int64(4*time.Second))
}

// Poisson arrivals at a constant rate, several producers merged: the gaps average
// 1/rate and spread like the exponential law's (coefficient of variation 1), and the
// counts in short windows are as dispersed as a Poisson count's (variance = mean).
// Evenly spaced arrivals fail every one of these but the mean.
func TestPoissonStatistics(t *testing.T) {
	const rate = 20000.0
	end := int64(10 * time.Second)
	for _, producers := range []int{1, 4} {
		w := Workload{Rate: Rate{PerSecond: rate}, Producers: producers, Arrivals: ArrivalsPoisson, Seed: DefaultSeed}
		times := union(w, 0, end)
		n := float64(len(times))
		// 200,000 expected, standard deviation 447: 1 % is 4.5 of them.
		if math.Abs(n-rate*10) > 0.01*rate*10 {
			t.Errorf("%d producers: %v messages in 10 s, want %v ± 1 %%", producers, n, rate*10)
		}
		var sum, sumSq float64
		for i := 1; i < len(times); i++ {
			g := float64(times[i]-times[i-1]) / 1e9
			sum += g
			sumSq += g * g
		}
		m := sum / (n - 1)
		cv := math.Sqrt(sumSq/(n-1)-m*m) / m
		// The mean gap's standard error is 0.22 % of it, the CV's about 0.3 %.
		if math.Abs(m*rate-1) > 0.01 {
			t.Errorf("%d producers: mean gap %.3g s, want 1/rate = %.3g ± 1 %%", producers, m, 1/rate)
		}
		if math.Abs(cv-1) > 0.02 {
			t.Errorf("%d producers: coefficient of variation of the gaps %.3f, want 1 ± 0.02 (exponential)", producers, cv)
		}
		// Counts in 1 ms windows (mean 20): index of dispersion 1, its standard error
		// √(2/10,000) = 1.4 %.
		window := int64(time.Millisecond)
		counts := make([]float64, end/window)
		for _, at := range times {
			counts[at/window]++
		}
		var cs, css float64
		for _, c := range counts {
			cs += c
			css += c * c
		}
		mean := cs / float64(len(counts))
		if d := (css/float64(len(counts)) - mean*mean) / mean; math.Abs(d-1) > 0.07 {
			t.Errorf("%d producers: index of dispersion of 1 ms counts %.3f, want 1 ± 0.07", producers, d)
		}
	}
}

// Along a ramp, Poisson arrivals rescaled by the rate's integral are a unit-rate
// process: gaps of mean 1 and coefficient of variation 1.
func TestPoissonRampRescaled(t *testing.T) {
	w := Workload{Rate: rampTo(1000, 20000, 20*time.Second), Producers: 2, Arrivals: ArrivalsPoisson, Seed: 3}
	p := newProfile(w.Rate, 0)
	times := union(w, 0, int64(20*time.Second))
	var sum, sumSq float64
	prev := 0.0
	for _, at := range times {
		x := p.count(float64(at) / 1e9)
		sum += x - prev
		sumSq += (x - prev) * (x - prev)
		prev = x
	}
	n := float64(len(times))
	m := sum / n
	cv := math.Sqrt(sumSq/n-m*m) / m
	if math.Abs(m-1) > 0.01 || math.Abs(cv-1) > 0.02 {
		t.Errorf("rescaled gaps: mean %.4f (want 1 ± 0.01), coefficient of variation %.4f (want 1 ± 0.02), of %v", m, cv, n)
	}
}

// The same seed gives the same times; another seed, or another producer, others.
func TestPoissonSeeded(t *testing.T) {
	times := func(seed uint64, index int) []int64 {
		w := Workload{Rate: rampTo(1000, 5000, time.Second), Producers: 2, Arrivals: ArrivalsPoisson, Seed: seed}
		tt := newTimetable(w, 0, index)
		out := make([]int64, 1000)
		for i := range out {
			out[i] = tt.At(uint64(i))
		}
		return out
	}
	a, b := times(7, 0), times(7, 0)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Error("the same seed gave different times")
	}
	same := func(x, y []int64) int {
		n := 0
		for i := range x {
			if x[i] == y[i] {
				n++
			}
		}
		return n
	}
	if n := same(a, times(8, 0)); n > 10 {
		t.Errorf("another seed gave %d of 1000 times the same", n)
	}
	if n := same(a, times(7, 1)); n > 10 {
		t.Errorf("another producer gave %d of 1000 times the same", n)
	}
	// Asked out of order, At answers the same.
	tt := newTimetable(Workload{Rate: rampTo(1000, 5000, time.Second), Producers: 2, Arrivals: ArrivalsPoisson, Seed: 7}, 0, 0)
	for _, i := range []int{500, 3, 999, 0, 500} {
		if got := tt.At(uint64(i)); got != a[i] {
			t.Errorf("At(%d) out of order = %d, in order %d", i, got, a[i])
		}
	}
}

// The schedule's per-message steps allocate nothing, whatever the shape and law.
func TestTimetableAllocs(t *testing.T) {
	for _, w := range shapedWorkloads() {
		tt := newTimetable(w, time.Second, 1)
		var i uint64
		if a := testing.AllocsPerRun(10_000, func() { tt.At(i); i++ }); a != 0 {
			t.Errorf("%s %s: %v allocations per At", w.Rate, w.Arrivals, a)
		}
		var x int64
		if a := testing.AllocsPerRun(1000, func() { tt.Count(x); x += int64(time.Millisecond) }); a != 0 {
			t.Errorf("%s %s: %v allocations per Count", w.Rate, w.Arrivals, a)
		}
	}
}

func shapedWorkloads() []Workload {
	ramp := rampTo(1e6, 2e6, time.Hour)
	return []Workload{
		{Rate: ramp, Producers: 2, Arrivals: ArrivalsUniform},
		{Rate: ramp, Producers: 2, Arrivals: ArrivalsPoisson, Seed: 1},
		{Rate: Rate{PerSecond: 1e6}, Producers: 2, Arrivals: ArrivalsPoisson, Seed: 1},
	}
}

// The producer loop over a shaped and a Poisson schedule allocates nothing per
// message, as TestHotPathAllocs checks of the constant rate, and sends exactly what
// the schedule asks for.
func TestShapedHotPathAllocs(t *testing.T) {
	for _, tc := range []struct {
		name string
		rate Rate
		law  Arrivals
	}{
		{"ramp", rampTo(1e7, 2e7, time.Millisecond), ArrivalsUniform},
		{"ramp, poisson", rampTo(1e7, 2e7, time.Millisecond), ArrivalsPoisson},
		{"poisson", Rate{PerSecond: 1e7}, ArrivalsPoisson},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := hotRun(1e7, 10_000, KeysRoundRobin)
			r.s.Workload.Rate, r.s.Workload.Arrivals, r.s.Workload.Seed = tc.rate, tc.law, 5
			r.loadEnd = int64(time.Millisecond) // 15,000 messages of the ramp, 10,000 else
			p := newProducer(r, 0)
			c := newConsumer(r, nil)
			stub := &brokerStub{ack: p.ack, deliver: c.deliver, batch: 500}
			p.p = stub
			run := func() {
				r.t0 = time.Now()
				p.loop(context.Background())
				_ = stub.Flush(context.Background())
			}
			if allocs := testing.AllocsPerRun(3, run); allocs > 10 {
				t.Errorf("%.0f allocations in a run", allocs)
			}
			want := 4 * p.pace.requested(r.loadEnd)
			if sent := p.sent.load(); sent != want || want < 4*9000 {
				t.Errorf("sent %d in 4 runs, the schedule asks for %d", sent, want)
			}
		})
	}
}

// The schedule is asked once per message for its intended send time.
//
//	go test ./bench -run '^$' -bench 'Timetable' -benchmem
func BenchmarkTimetableAt(b *testing.B) {
	for _, w := range shapedWorkloads() {
		name := "ramp-" + string(w.Arrivals)
		if w.Rate.Stages == nil {
			name = "constant-" + string(w.Arrivals)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			tt := newTimetable(w, time.Second, 1)
			var i uint64
			for b.Loop() {
				tt.At(i)
				i++
			}
		})
	}
}

// Count is asked once a second per producer by the ticker: for Poisson arrivals it
// walks the second's arrivals.
func BenchmarkTimetableCount(b *testing.B) {
	for _, w := range shapedWorkloads()[:2] {
		b.Run(string(w.Arrivals), func(b *testing.B) {
			b.ReportAllocs()
			tt := newTimetable(w, time.Second, 1)
			var x int64
			for b.Loop() {
				tt.Count(x)
				x += int64(time.Microsecond) // about one message per call
			}
		})
	}
}
