// Package loopback is a driver without a broker: messages go from producer to consumer
// inside the process. It tests the engine on its own and measures the engine's ceiling:
// what a run reports through it is the harness's cost, not a broker's.
package loopback

import (
	"context"
	"errors"
	"sync"

	"streambench/drivers"
)

// Registration is the loopback driver's entry for a drivers.Registry.
var Registration = drivers.Registration{
	Name: "loopback",
	Open: func(_ context.Context, cfg drivers.Config) (drivers.Driver, error) {
		return &driver{topo: cfg.Topology}, nil
	},
}

// ErrClosed fails the messages a producer still held when it was closed.
var ErrClosed = errors.New("loopback producer closed")

// batchSize is how many messages a producer's pump hands to a consumer at once, at
// most, and batchBytes how many bytes of values: a batch is handed over when it reaches
// either. consumerQueue is how many batches a consumer's queue holds.
//
// The byte bound keeps a batch's memory to what was sent: room for batchSize messages
// of 100 MiB (the largest message_size) would be 50 GiB before the first send.
const (
	batchSize     = 512
	batchBytes    = 1 << 20
	consumerQueue = 64
)

type driver struct {
	topo drivers.Topology

	mu        sync.Mutex
	consumers []*consumer
	producing bool // a producer exists: it hands messages only to the consumers before it
}

func (d *driver) Broker(context.Context) (drivers.BrokerInfo, error) {
	return drivers.BrokerInfo{Product: "loopback (in-process, no broker)", Version: "1"}, nil
}

func (d *driver) Setup(context.Context) error    { return nil }
func (d *driver) Teardown(context.Context) error { return nil }
func (d *driver) Close()                         {}

// ErrNoLog refuses a consumer started after the producers: nothing is kept for it.
var ErrNoLog = errors.New("loopback keeps no log: a consumer started after the producers would read nothing (workload.consume: after, or consumers started again, need a broker)")

func (d *driver) NewConsumer(_ context.Context, id int) (drivers.Consumer, error) {
	c := &consumer{in: make(chan *batch, consumerQueue)}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.producing {
		return nil, ErrNoLog
	}
	d.consumers = append(d.consumers, c)
	return c, nil
}

func (d *driver) NewProducer(_ context.Context, id int, ack drivers.AckFunc) (drivers.Producer, error) {
	d.mu.Lock()
	consumers := append([]*consumer(nil), d.consumers...)
	d.producing = true
	d.mu.Unlock()
	p := &producer{
		ack:        ack,
		partitions: max(d.topo.Partitions, 1),
		consumers:  consumers,
		wake:       make(chan struct{}, 1),
		quit:       make(chan struct{}),
		done:       make(chan struct{}),
	}
	p.idle.L = &p.mu
	go p.pump()
	return p, nil
}

// batch is a run of deliveries for one consumer, values copied into one buffer.
type batch struct {
	data       []byte
	ends       []int
	partitions []int32
	free       chan *batch // where the consumer returns it
}

type producer struct {
	ack        drivers.AckFunc
	partitions int
	consumers  []*consumer
	next       int // round robin for messages without key or partition

	mu      sync.Mutex
	idle    sync.Cond
	pending []*drivers.Message
	busy    bool
	closed  bool

	wake       chan struct{}
	quit, done chan struct{}
}

func (p *producer) Send(_ context.Context, m *drivers.Message) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		p.ack(m, ErrClosed)
		return
	}
	p.pending = append(p.pending, m)
	// A busy pump looks at pending again before it waits: only an idle one needs waking.
	idle := !p.busy
	p.mu.Unlock()
	if idle {
		select {
		case p.wake <- struct{}{}:
		default:
		}
	}
}

// pump acknowledges pending messages and hands copies of them to the consumers.
func (p *producer) pump() {
	defer close(p.done)
	var work []*drivers.Message
	out := make([]*batch, len(p.consumers))
	// Room for every batch this producer can have out at once: a full queue, one being
	// read and one being filled per consumer. A batch that came back to a full free
	// list would be garbage, and the next one allocated anew.
	free := make(chan *batch, (consumerQueue+2)*len(p.consumers))
	for {
		p.mu.Lock()
		work, p.pending = p.pending, work[:0]
		p.busy = len(work) > 0
		if !p.busy {
			p.idle.Broadcast()
		}
		p.mu.Unlock()
		if len(work) == 0 {
			select {
			case <-p.wake:
				continue
			case <-p.quit:
				return
			}
		}
		for i, m := range work {
			if len(p.consumers) > 0 {
				part := p.partition(m)
				ci := part % len(p.consumers)
				b := out[ci]
				if b == nil {
					b = getBatch(free, len(m.Value))
					out[ci] = b
				}
				b.data = append(b.data, m.Value...)
				b.ends = append(b.ends, len(b.data))
				b.partitions = append(b.partitions, int32(part))
				if len(b.ends) == batchSize || len(b.data) >= batchBytes {
					out[ci] = nil
					if !p.hand(ci, b) {
						p.fail(work[i:])
						return
					}
				}
			}
			p.ack(m, nil)
		}
		for ci, b := range out {
			if b != nil {
				out[ci] = nil
				if !p.hand(ci, b) {
					return
				}
			}
		}
		clear(work)
	}
}

// hand gives b to consumer ci; it gives up when the producer is closed, since a
// consumer that has stopped reading would block it for ever.
func (p *producer) hand(ci int, b *batch) bool {
	select {
	case p.consumers[ci].in <- b:
		return true
	case <-p.quit:
		return false
	}
}

// getBatch takes a batch from free, or makes one with room for a full batch of
// messages of size bytes, up to batchBytes (a batch of larger messages grows as they
// come).
func getBatch(free chan *batch, size int) *batch {
	select {
	case b := <-free:
		b.data, b.ends, b.partitions = b.data[:0], b.ends[:0], b.partitions[:0]
		return b
	default:
		return &batch{
			data:       make([]byte, 0, min(batchSize*size, batchBytes)),
			ends:       make([]int, 0, batchSize),
			partitions: make([]int32, 0, batchSize),
			free:       free,
		}
	}
}

func (p *producer) partition(m *drivers.Message) int {
	switch {
	case m.Partition >= 0:
		return int(m.Partition) % p.partitions
	case len(m.Key) > 0:
		h := uint32(2166136261) // FNV-1a, inline so that hashing a key allocates nothing
		for _, c := range m.Key {
			h = (h ^ uint32(c)) * 16777619
		}
		return int(h % uint32(p.partitions))
	}
	p.next = (p.next + 1) % p.partitions
	return p.next
}

func (p *producer) Flush(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() {
		p.mu.Lock()
		p.idle.Broadcast()
		p.mu.Unlock()
	})
	defer stop()
	p.mu.Lock()
	defer p.mu.Unlock()
	for (len(p.pending) > 0 || p.busy) && ctx.Err() == nil {
		p.idle.Wait()
	}
	return ctx.Err()
}

func (p *producer) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	p.mu.Unlock()
	close(p.quit)
	<-p.done
	p.mu.Lock()
	left := p.pending
	p.pending = nil
	p.mu.Unlock()
	p.fail(left)
}

func (p *producer) fail(ms []*drivers.Message) {
	for _, m := range ms {
		p.ack(m, ErrClosed)
	}
}

type consumer struct {
	in chan *batch
}

func (c *consumer) WaitReady(context.Context) error { return nil }

func (c *consumer) Poll(ctx context.Context, fn drivers.DeliverFunc) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case b := <-c.in:
		start := 0
		for i, end := range b.ends {
			fn(b.data[start:end], b.partitions[i], -1)
			start = end
		}
		select {
		case b.free <- b:
		default:
		}
		return nil
	}
}

func (c *consumer) Close() {}
