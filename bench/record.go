package bench

import (
	"runtime"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Latencies are recorded in nanoseconds, from 1 ns to an hour, to 3 significant
// digits. A larger value is recorded as the maximum (a stall of over an hour is
// reported as one hour) and counted in clamped.
const (
	histMin    = 1
	histMax    = int64(time.Hour)
	histDigits = 3
)

// NewHistogram returns an empty latency histogram with the engine's range and precision.
func NewHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(histMin, histMax, histDigits)
}

// record puts v into h, clamping it into the histogram's range. It reports whether v
// had to be clamped.
func record(h *hdrhistogram.Histogram, v int64) bool {
	switch {
	case v < 0:
		v = 0
	case v > histMax:
		_ = h.RecordValue(histMax)
		return true
	}
	_ = h.RecordValue(v)
	return false
}

// window is one goroutine's histogram for the current one-second interval. The owner
// records into it without a lock; once a second the ticker swaps in an empty one and
// waits for any record in progress on the old one to finish. The two atomics per
// record stay on the owner's cache line except for that one swap.
type window struct {
	active atomic.Int32
	cur    atomic.Pointer[hdrhistogram.Histogram]
	spare  *hdrhistogram.Histogram // only the ticker touches it
	_      [40]byte                // keep neighbours off this cache line
}

func newWindow() *window {
	w := &window{spare: NewHistogram()}
	w.cur.Store(NewHistogram())
	return w
}

func (w *window) record(v int64) {
	w.active.Add(1)
	record(w.cur.Load(), v)
	w.active.Add(-1)
}

// drainInto merges what the owner recorded since the last call into dst and starts a
// new interval. Only the ticker calls it.
func (w *window) drainInto(dst *hdrhistogram.Histogram) {
	old := w.cur.Swap(w.spare)
	// A record that loaded old before the swap has already raised active (the atomics
	// are sequentially consistent), so once active is zero nobody writes to old.
	for w.active.Load() != 0 {
		runtime.Gosched()
	}
	dst.Merge(old)
	old.Reset()
	w.spare = old
}

// counter is a single-writer counter that other goroutines read.
type counter struct {
	n atomic.Int64
	_ [56]byte
}

func (c *counter) add(d int64) { c.n.Add(d) }
func (c *counter) load() int64 { return c.n.Load() }
