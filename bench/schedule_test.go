package bench

import (
	"fmt"
	"testing"
	"time"
)

func TestScheduleAt(t *testing.T) {
	tests := []struct {
		name             string
		rate             float64
		producers, index int
		i                uint64
		want             int64
	}{
		{"first message at start", 1000, 1, 0, 0, 0},
		{"1000/s is one per ms", 1000, 1, 0, 7, 7 * int64(time.Millisecond)},
		{"second of two producers is offset by one step", 1000, 2, 1, 0, int64(time.Millisecond)},
		{"two producers each send every 2 steps", 1000, 2, 1, 3, 7 * int64(time.Millisecond)},
		{"fractional rate", 0.5, 1, 0, 2, 4 * int64(time.Second)},
		{"high rate keeps nanosecond steps", 3e6, 1, 0, 3, 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NewSchedule(tt.rate, tt.producers, tt.index).At(tt.i); got != tt.want {
				t.Errorf("At(%d) = %d, want %d", tt.i, got, tt.want)
			}
		})
	}
}

// The producers of one run together owe exactly rate × time messages, evenly spaced.
func TestScheduleProducersInterleave(t *testing.T) {
	const rate, producers = 3000.0, 3
	end := int64(2 * time.Second)
	var total uint64
	seen := map[int64]bool{}
	for j := range producers {
		s := NewSchedule(rate, producers, j)
		n := s.Count(end)
		total += n
		for i := range n {
			at := s.At(i)
			if at >= end {
				t.Fatalf("producer %d message %d at %d is not before %d", j, i, at, end)
			}
			seen[at] = true
		}
		if s.At(n) < end {
			t.Fatalf("producer %d: Count(%d) = %d, but message %d is due at %d", j, end, n, n, s.At(n))
		}
	}
	if total != 6000 {
		t.Errorf("producers owe %d messages in 2 s at 3000/s, want 6000", total)
	}
	if len(seen) != 6000 {
		t.Errorf("%d distinct send times, want 6000 (producers collide)", len(seen))
	}
}

func TestScheduleCount(t *testing.T) {
	s := NewSchedule(1000, 1, 0) // 0, 1ms, 2ms, ...
	for _, tt := range []struct {
		t    int64
		want uint64
	}{
		{0, 0},
		{1, 1},
		{int64(time.Millisecond), 1},
		{int64(time.Millisecond) + 1, 2},
		{int64(time.Second), 1000},
		{-5, 0},
	} {
		if got := s.Count(tt.t); got != tt.want {
			t.Errorf("Count(%d) = %d, want %d", tt.t, got, tt.want)
		}
	}
}

// The pacer never lets a message go before its intended time, on or off the ticker's
// grid, and stops waiting when told to (else this test would wait an hour).
func TestPacerNeverEarly(t *testing.T) {
	start := time.Now()
	now := func() int64 { return int64(time.Since(start)) }
	stop := make(chan struct{})
	for _, rate := range []float64{3000, 700} { // below and above the 1 ms tick
		s := NewSchedule(rate, 1, 0)
		p := newPacer(s, now, stop)
		base := now()
		for i := range uint64(60) {
			due := base + s.At(i)
			p.wait(due)
			if got := now(); got < due {
				t.Fatalf("rate %v: message %d released at %d, due at %d", rate, i, got, due)
			}
		}
		p.close()
	}
	p := newPacer(NewSchedule(1, 1, 0), now, stop)
	defer p.close()
	close(stop)
	p.wait(now() + int64(time.Hour))
}

// The schedule is asked once per message for its intended send time, and once per run
// (and per tick of a progress report) how many messages were owed by then.
//
//	go test ./bench -run '^$' -bench 'Schedule|Pacer' -benchmem
func BenchmarkScheduleAt(b *testing.B) {
	b.ReportAllocs()
	s := NewSchedule(1e6, 2, 1)
	var i uint64
	for b.Loop() {
		s.At(i)
		i++
	}
}

func BenchmarkScheduleCount(b *testing.B) {
	b.ReportAllocs()
	s := NewSchedule(3000, 3, 2) // a period that is not a whole number of nanoseconds
	var t int64
	for b.Loop() {
		s.Count(t)
		t += 333_337
	}
}

// BenchmarkPacer measures what the pacer costs per message. "due" is a producer
// behind its schedule, where the pacer only looks at the clock; at a rate, each
// iteration waits for one message's intended time on the real clock, so ns/op is the
// schedule's period and cpu-ns/msg is what the waiting cost: spinning with
// runtime.Gosched at 1M/s, a timer and then the ticker at 20k/s, the ticker at 1k/s.
func BenchmarkPacer(b *testing.B) {
	b.Run("due", func(b *testing.B) {
		b.ReportAllocs()
		s := NewSchedule(1e6, 1, 0)
		now := func() int64 { return 1 << 62 }
		p := newPacer(s, now, make(chan struct{}))
		defer p.close()
		var i uint64
		for b.Loop() {
			p.wait(s.At(i))
			i++
		}
	})
	for _, rate := range []float64{1e6, 20e3, 1e3} {
		b.Run(fmt.Sprintf("%g-per-s", rate), func(b *testing.B) {
			b.ReportAllocs()
			s := NewSchedule(rate, 1, 0)
			start := time.Now()
			now := func() int64 { return int64(time.Since(start)) }
			p := newPacer(s, now, make(chan struct{}))
			defer p.close()
			cpu0 := ProcessCPU()
			for i := range uint64(b.N) {
				p.wait(s.At(i))
			}
			b.ReportMetric(float64(ProcessCPU()-cpu0)/float64(b.N), "cpu-ns/msg")
		})
	}
}
