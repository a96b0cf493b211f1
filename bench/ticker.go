package bench

import (
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// ticker closes an interval every second: it sums the counters, takes the windows'
// histograms, and reports progress.
type ticker struct {
	r         *run
	producers []*producer
	consumers []*consumer
	progress  func(Progress)
	done      chan struct{}

	publish, e2e, e2eSoFar *hdrhistogram.Histogram
	// e2eAll holds every interval's end-to-end latencies, warm-up included; mu guards it
	// and e2eSoFar, which the timeline reads for a fault's baseline.
	mu        sync.Mutex
	e2eAll    *hdrhistogram.Histogram
	last      tallies // at the last tick
	lastAt    int64
	offered   int64 // what the schedule intended by the last tick
	intervals []Interval
}

func newTicker(r *run, ps []*producer, cs []*consumer, progress func(Progress)) *ticker {
	return &ticker{
		r: r, producers: ps, consumers: cs, progress: progress, done: make(chan struct{}),
		publish: NewHistogram(), e2e: NewHistogram(), e2eSoFar: NewHistogram(), e2eAll: NewHistogram(),
	}
}

func (t *ticker) loop() {
	tk := time.NewTicker(time.Second)
	defer tk.Stop()
	for {
		select {
		case <-tk.C:
			t.tick()
		case <-t.done:
			t.tick()
			return
		}
	}
}

func (t *ticker) tick() {
	now := t.r.now()
	if now <= t.lastAt {
		return
	}
	cur := tally(t.producers, t.consumers)
	for _, p := range t.producers {
		p.publishWin.drainInto(t.publish)
	}
	for _, c := range t.consumers {
		c.e2eWin.drainInto(t.e2e)
	}
	length := float64(now-t.lastAt) / 1e9
	phase := t.r.phase(t.lastAt)
	offered := t.intended(now)
	iv := Interval{
		Start:      float64(t.lastAt) / 1e9,
		Seconds:    length,
		Phase:      phase,
		Offered:    offered - t.offered,
		Sent:       cur.sent - t.last.sent,
		Acked:      cur.acked - t.last.acked,
		SendErrors: cur.failed - t.last.failed,
		Received:   cur.received - t.last.received,
		PublishP50: quantileUs(t.publish, 50),
		PublishP99: quantileUs(t.publish, 99),
		PublishMax: quantileUs(t.publish, 100),
		E2EP50:     quantileUs(t.e2e, 50),
		E2EP99:     quantileUs(t.e2e, 99),
		E2EMax:     quantileUs(t.e2e, 100),
	}
	t.intervals = append(t.intervals, iv)
	t.mu.Lock()
	if phase != PhaseWarmup {
		t.e2eSoFar.Merge(t.e2e)
	}
	t.e2eAll.Merge(t.e2e)
	t.mu.Unlock()
	t.publish.Reset()
	t.e2e.Reset()
	t.last, t.lastAt, t.offered = cur, now, offered
	if t.progress != nil {
		t.progress(Progress{
			Phase:        t.r.phase(now),
			Elapsed:      time.Duration(now),
			Total:        time.Duration(t.r.loadEnd),
			Sent:         cur.sent,
			Received:     cur.received,
			SentRate:     float64(iv.Sent) / length,
			ReceivedRate: float64(iv.Received) / length,
			P99:          time.Duration(t.e2eSoFar.ValueAtQuantile(99)),
		})
	}
}

// intended is how many messages the producers' schedules intended before now, or
// before the load stopped if it has (as Counts.Requested counts them); 0 in a closed
// loop, which has no schedule.
func (t *ticker) intended(now int64) int64 {
	if t.r.s.Workload.Rate.Max {
		return 0
	}
	at := min(now, t.r.loadEnd)
	if t.r.stopped.Load() {
		at = min(at, t.r.stopAt.Load())
	}
	var n int64
	for _, p := range t.producers {
		n += p.pace.requested(at)
	}
	return n
}

// baselineP99 is the end-to-end p99, in ms, of what the measured part has received so
// far, or of everything received so far while it has received nothing.
func (t *ticker) baselineP99() float64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	h := t.e2eSoFar
	if h.TotalCount() == 0 {
		h = t.e2eAll
	}
	return quantileUs(h, 99) / 1e3
}

// quantileUs is h's q-th percentile in microseconds, 0 for an empty histogram.
func quantileUs(h *hdrhistogram.Histogram, q float64) float64 {
	if h.TotalCount() == 0 {
		return 0
	}
	return float64(h.ValueAtQuantile(q)) / 1e3
}

// tallies are the running counts of a run, summed over its goroutines.
type tallies struct{ sent, acked, failed, received int64 }

func tally(producers []*producer, consumers []*consumer) tallies {
	var n tallies
	for _, p := range producers {
		n.sent += p.sent.load()
		n.acked += p.acked.load()
		n.failed += p.failed.load()
	}
	for _, c := range consumers {
		n.received += c.received.load()
	}
	return n
}
