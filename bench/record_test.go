package bench

import (
	"testing"
	"time"
)

// latencies are a spread of latencies to record, from microseconds to seconds, so that
// a benchmark touches more than one of the histogram's buckets.
func latencies() []int64 {
	out := make([]int64, 1024)
	v := int64(20 * time.Microsecond)
	for i := range out {
		out[i] = v
		v = v*7/5 + 1
		if v > int64(3*time.Second) {
			v = int64(20 * time.Microsecond)
		}
	}
	return out
}

// Every acknowledgement records two latencies into the producer's histograms and one
// into its window; every first delivery one into the consumer's histogram and one into
// its window.
//
//	go test ./bench -run '^$' -bench 'Record' -benchmem
func BenchmarkRecord(b *testing.B) {
	b.ReportAllocs()
	h, lat := NewHistogram(), latencies()
	var i int
	for b.Loop() {
		record(h, lat[i%len(lat)])
		i++
	}
}

func BenchmarkWindowRecord(b *testing.B) {
	b.ReportAllocs()
	w, lat := newWindow(), latencies()
	var i int
	for b.Loop() {
		w.record(lat[i%len(lat)])
		i++
	}
}

// BenchmarkWindowRecordDrained is window.record with the ticker draining the window
// every millisecond (a thousand times as often as a run's), so that the swap and the
// cache line it moves between cores are in the cost.
func BenchmarkWindowRecordDrained(b *testing.B) {
	b.ReportAllocs()
	w, lat := newWindow(), latencies()
	done := make(chan struct{})
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		dst := NewHistogram()
		tk := time.NewTicker(time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-done:
				return
			case <-tk.C:
				w.drainInto(dst)
				dst.Reset()
			}
		}
	}()
	var i int
	for b.Loop() {
		w.record(lat[i%len(lat)])
		i++
	}
	close(done)
	<-drained
}
