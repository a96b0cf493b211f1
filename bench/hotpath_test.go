package bench

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"streambench/drivers"
)

// hotRun is a run as load starts it, without a driver, for the tests and benchmarks of
// what the engine does per message: one producer and one consumer of 100-byte
// messages on 4 partitions, measured from the start. At a rate (0 is closed loop), its
// load lasts until messages messages are due.
func hotRun(rate float64, messages int, keys KeyMode) *run {
	s := &Scenario{
		Topology: Topology{Partitions: 4},
		Workload: Workload{
			MessageSize: 100,
			Rate:        Rate{PerSecond: rate, Max: rate == 0},
			Producers:   1,
			Consumers:   1,
			Keys:        Keys{Mode: keys, Count: 1000},
			Payload:     PayloadRandom,
			MaxInFlight: DefaultMaxInFlight,
		},
	}
	r := newRun(s)
	r.id, r.t0, r.loadEnd = 7, time.Now(), int64(time.Hour)
	if rate > 0 {
		r.loadEnd = NewSchedule(rate, 1, 0).At(uint64(messages))
	}
	return r
}

// brokerStub is a driver producer whose broker acknowledges messages in batches of
// batch, once batch more have been sent after them, and delivers each one it
// acknowledges to a consumer: in flight are up to two batches, acknowledged together,
// as a client that batches gets them back. A run of it allocates nothing per message.
type brokerStub struct {
	ack     drivers.AckFunc
	deliver drivers.DeliverFunc
	batch   int
	// stopAfter closes stop after so many sends (closed loop), when not 0.
	stopAfter, sent int
	stop            chan struct{}

	held, older []*drivers.Message
	offset      int64
}

func (b *brokerStub) Send(_ context.Context, m *drivers.Message) {
	b.held = append(b.held, m)
	if len(b.held) == b.batch {
		b.settle()
		b.held, b.older = b.older, b.held
	}
	b.sent++
	if b.sent == b.stopAfter {
		close(b.stop)
	}
}

// settle acknowledges and delivers the older batch.
func (b *brokerStub) settle() {
	for _, m := range b.older {
		b.ack(m, nil)
		b.deliver(m.Value, m.Partition, b.offset)
		b.offset++
	}
	b.older = b.older[:0]
}

func (b *brokerStub) Flush(context.Context) error {
	b.settle()
	b.held, b.older = b.older, b.held
	b.settle()
	return nil
}

func (b *brokerStub) Close() {}

// TestHotPathAllocates nothing per message: a message that allocates costs the
// garbage collector's time in every run, and at a million messages a second that time
// is the engine's ceiling. Each case runs the producer loop for 10,000 messages
// through a broker stub that acknowledges and delivers them, after one such run to
// fill the free lists; a few allocations per run (a pacer, a channel) are allowed,
// one per message is not.
func TestHotPathAllocs(t *testing.T) {
	const messages = 10_000
	for _, tc := range []struct {
		name string
		rate float64 // 0: closed loop
		keys KeyMode
		// batch is how many messages the broker stub acknowledges at once.
		batch int
	}{
		{"open loop", 1e7, KeysRoundRobin, 500},
		{"open loop, random keys", 1e7, KeysRandom, 500},
		{"open loop, fixed keys", 1e7, KeysFixed, 500},
		{"open loop, no keys", 1e7, KeysNone, 500},
		// a client that acknowledges 5,000 messages at once, 10,000 in flight
		{"open loop, big batches", 1e7, KeysRoundRobin, 5000},
		// paced: at 1M/s the producer is ahead of its schedule and waits
		{"open loop, paced", 1e6, KeysRoundRobin, 500},
		{"closed loop", 0, KeysRoundRobin, DefaultMaxInFlight / 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := hotRun(tc.rate, messages, tc.keys)
			p := newProducer(r, 0)
			c := newConsumer(r, nil)
			stub := &brokerStub{ack: p.ack, deliver: c.deliver, batch: tc.batch}
			p.p = stub
			ctx := context.Background()
			run := func() {
				r.t0 = time.Now()
				if tc.rate == 0 {
					stub.stop, stub.stopAfter, stub.sent = make(chan struct{}), messages, 0
					r.stop = stub.stop
				}
				p.loop(ctx)
				if err := stub.Flush(ctx); err != nil {
					t.Fatal(err)
				}
			}
			allocs := testing.AllocsPerRun(3, run)
			if allocs > 10 {
				t.Errorf("%.0f allocations in a run of %d messages", allocs, messages)
			}
			// Every message went the whole way in each of the 4 runs (a closed loop may
			// send one more after the stub stops it).
			sent, acked, received := p.sent.load(), p.acked.load(), c.received.load()
			if sent < 4*messages || acked != sent || received < messages || c.t.unique+c.t.duplicated != sent {
				t.Errorf("sent %d, acked %d, received %d (and %d again); want %d of each and %d received",
					sent, acked, received, c.t.duplicated, 4*messages, messages)
			}
		})
	}
}

// TestRecordingAllocs checks the per-message steps of the ack and delivery paths on
// their own, one message per call.
func TestRecordingAllocs(t *testing.T) {
	r := hotRun(1e6, 1<<20, KeysRoundRobin)
	p := newProducer(r, 0)
	c := newConsumer(r, nil)
	m := p.newMessage()
	w := newWindow()
	var tr tracker
	var seq uint64
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"window.record", func() { w.record(int64(seq) * 1000); seq++ }},
		{"tracker.observe", func() { tr.observe(1, seq, int32(seq%4)); seq++ }},
		{"producer.ack", func() {
			m.Seq, m.Intended, m.Sent = seq, r.now()-int64(time.Millisecond), r.now()
			seq++
			p.ack(m, nil)
			<-p.free
		}},
		{"producer.ack, failed", func() { p.ack(m, errFailedSend); <-p.free }},
		{"consumer.onDelivery", func() {
			Envelope{Run: r.id, Seq: seq, Intended: r.now() - int64(time.Millisecond)}.Put(m.Value)
			c.onDelivery(m.Value, int32(seq%4), int64(seq))
			seq++
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seq = 0
			if allocs := testing.AllocsPerRun(1000, tc.f); allocs != 0 {
				t.Errorf("%v allocations per message", allocs)
			}
		})
	}
}

var errFailedSend = errors.New("broker said no")

// The producer's ack and the consumer's delivery callback run once per message.
//
//	go test ./bench -run '^$' -bench 'Ack|OnDelivery|ProducerLoop' -benchmem
func BenchmarkProducerAck(b *testing.B) {
	r := hotRun(1e6, b.N, KeysRoundRobin)
	p := newProducer(r, 0)
	m := p.newMessage()
	// Sent a millisecond after its time, acknowledged a little later: no clock read in
	// the loop but ack's own.
	m.Sent = r.now()
	m.Intended = m.Sent - int64(time.Millisecond)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range uint64(b.N) {
		m.Seq = i
		p.ack(m, nil)
		<-p.free
	}
}

// BenchmarkConsumerOnDelivery delivers message i from partition i mod 4, at offset i
// (as Kafka's driver does) or at none (-1, as the loopback's and Kinesis's do).
func BenchmarkConsumerOnDelivery(b *testing.B) {
	for _, offsets := range []bool{true, false} {
		b.Run(fmt.Sprintf("offsets=%v", offsets), func(b *testing.B) {
			r := hotRun(1e6, b.N, KeysRoundRobin)
			c := newConsumer(r, nil)
			v := make([]byte, 100)
			intended := r.now() - int64(time.Millisecond)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range uint64(b.N) {
				Envelope{Run: r.id, Seq: i, Intended: intended}.Put(v)
				offset := int64(-1)
				if offsets {
					offset = int64(i / 4)
				}
				c.deliver(v, int32(i%4), offset)
			}
		})
	}
}

// BenchmarkProducerLoop is the producer loop through the broker stub, which
// acknowledges and delivers 500 messages at a time: per message, the engine's whole
// cost with nothing of a driver's. The open loop's schedule is always due (a rate of
// 10^9/s: one message a nanosecond, more than the loop sends), so it does not wait.
func BenchmarkProducerLoop(b *testing.B) {
	for _, rate := range []float64{1e9, 0} {
		name := "open-loop"
		if rate == 0 {
			name = "closed-loop"
		}
		b.Run(name, func(b *testing.B) {
			r := hotRun(rate, b.N, KeysRoundRobin)
			p := newProducer(r, 0)
			c := newConsumer(r, nil)
			stub := &brokerStub{ack: p.ack, deliver: c.deliver, batch: 500}
			if rate == 0 {
				stub.stop, stub.stopAfter = r.stop, b.N
			}
			p.p = stub
			b.ReportAllocs()
			b.ResetTimer()
			p.loop(context.Background())
			_ = stub.Flush(context.Background())
		})
	}
}
