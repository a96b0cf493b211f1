package bench

import (
	"context"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"streambench/drivers"
)

// consumer is one consumer's goroutine: its driver consumer, which a timeline may stop
// and replace, and its accounting, which lasts the whole run.
type consumer struct {
	r       *run
	c       drivers.Consumer
	t       tracker
	deliver drivers.DeliverFunc

	// cancel and done belong to the running poll loop (nil when stopped); closed is
	// set once c has been closed.
	cancel context.CancelFunc
	done   chan struct{}
	closed bool
	// firstSeen is, per partition, when its first message arrived (ns since t0, plus
	// one so that 0 means never), and perPartition how many arrived.
	firstSeen    []int64
	perPartition []int64

	received counter // first deliveries
	lastAt   int64   // when the last first delivery came, ns since t0 (consume: after)
	e2eWin   *window
	e2e      *hdrhistogram.Histogram
	inWindow int64
	clamped  int64

	foreign, malformed    int64
	redelivered           int64
	pollErrors            int64
	firstErr              string
	firstErrAt, lastErrAt float64 // s since t0
}

func newConsumer(r *run, c drivers.Consumer) *consumer {
	cs := &consumer{r: r, c: c, e2eWin: newWindow(), e2e: NewHistogram()}
	if len(r.s.Actions) > 0 {
		// A timeline changes the topology: record when each partition first carries.
		cs.firstSeen = []int64{}
	}
	cs.deliver = cs.onDelivery
	return cs
}

func (c *consumer) onDelivery(v []byte, partition int32, offset int64) {
	now := c.r.now()
	if c.r.redelivery(partition, offset) {
		c.redelivered++
		return
	}
	env, err := ReadEnvelope(v)
	if err != nil {
		c.malformed++
		return
	}
	if env.Run != c.r.id {
		c.foreign++
		return
	}
	if c.firstSeen != nil {
		c.notePartition(partition, now)
	}
	if !c.t.observe(env.Producer, env.Seq, partition) {
		return
	}
	c.received.add(1)
	if c.r.after {
		// Reading a backlog: the latency would be mostly the wait for the load's end.
		c.lastAt = now
		return
	}
	if now >= c.r.measure && now < c.r.loadEnd {
		c.inWindow++
	}
	lat := now - env.Intended
	c.e2eWin.record(lat)
	if env.Intended >= c.r.measure {
		if record(c.e2e, lat) {
			c.clamped++
		}
	}
}

// start runs the poll loop until halt.
func (c *consumer) start(ctx context.Context) {
	ctx, c.cancel = context.WithCancel(ctx)
	c.done = make(chan struct{})
	go func() { defer close(c.done); c.loop(ctx) }()
}

// halt stops the poll loop and waits for it; a stopped consumer's halt does nothing.
func (c *consumer) halt() {
	if c.cancel != nil {
		c.cancel()
		<-c.done
		c.cancel = nil
	}
}

// close closes the driver consumer once.
func (c *consumer) close() {
	if !c.closed {
		c.closed = true
		c.c.Close()
	}
}

// kill stops the driver consumer as a crash would, where the driver can, and says
// whether it could; else it closes it. A killed consumer counts as closed.
func (c *consumer) kill() bool {
	if c.closed {
		return true
	}
	c.closed = true
	k, ok := c.c.(drivers.Killer)
	if ok {
		k.Kill()
	} else {
		c.c.Close()
	}
	return ok
}

func (c *consumer) loop(ctx context.Context) {
	for {
		err := c.c.Poll(ctx, c.deliver)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			c.pollErrors++
			at := float64(c.r.now()) / 1e9
			if c.firstErr == "" {
				c.firstErr, c.firstErrAt = err.Error(), at
			}
			c.lastErrAt = at
			// a failing poll returns at once; don't spin on it
			select {
			case <-ctx.Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
}
