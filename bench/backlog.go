package bench

import (
	"context"
	"fmt"
)

// Backlog is how fast the consumers read what the load left on the topic
// (workload.consume: after), as a consumer throughput tool measures it.
type Backlog struct {
	// Messages counts the distinct messages of the run the consumers read.
	Messages int64 `json:"messages"`
	// Seconds runs from the start of the consumers (joining their group included) to
	// the last message read.
	Seconds  float64 `json:"seconds"`
	MsgsPerS float64 `json:"msgs_per_s"`
	// MBPerS is in megabytes (10^6 bytes) of whole messages per second.
	MBPerS float64 `json:"mb_per_s"`

	start int64 // ns since t0
}

// readBacklog starts the consumers, which were left stopped during the load.
func readBacklog(ctx context.Context, r *run, tl *timeline) (*Backlog, error) {
	b := &Backlog{start: r.now()}
	if err := tl.startConsumers(ctx); err != nil {
		return b, fmt.Errorf("reading the backlog: %w", err)
	}
	return b, nil
}

// finish sums what the consumers read; they must have stopped.
func (b *Backlog) finish(consumers []*consumer, messageSize int) {
	last := b.start
	for _, c := range consumers {
		b.Messages += c.received.load()
		last = max(last, c.lastAt)
	}
	b.Seconds = float64(last-b.start) / 1e9
	if b.Seconds > 0 {
		b.MsgsPerS = float64(b.Messages) / b.Seconds
		b.MBPerS = b.MsgsPerS * float64(messageSize) / 1e6
	}
}
