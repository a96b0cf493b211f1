package bench_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"streambench/bench"
	"streambench/drivers"
	"streambench/drivers/loopback"
)

var loopbackNoLog = loopback.ErrNoLog

// memLog is a driver whose one partition is a log in memory, which a consumer started
// at any time reads from its start: what workload.consume: after needs, and the
// loopback driver, which keeps nothing, cannot give.
type memLog struct {
	mu        sync.Mutex
	log       [][]byte
	consumers int // started so far
}

func (l *memLog) Broker(context.Context) (drivers.BrokerInfo, error) {
	return drivers.BrokerInfo{Product: "memlog", Version: "1"}, nil
}
func (l *memLog) Setup(context.Context) error    { return nil }
func (l *memLog) Teardown(context.Context) error { return nil }
func (l *memLog) Close()                         {}

func (l *memLog) NewProducer(_ context.Context, _ int, ack drivers.AckFunc) (drivers.Producer, error) {
	return &memProducer{l: l, ack: ack}, nil
}

func (l *memLog) NewConsumer(context.Context, int) (drivers.Consumer, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.consumers++; l.consumers > 1 {
		return nil, errors.New("memlog has one partition: one consumer only")
	}
	return &memConsumer{l: l}, nil
}

type memProducer struct {
	l   *memLog
	ack drivers.AckFunc
}

func (p *memProducer) Send(_ context.Context, m *drivers.Message) {
	p.l.mu.Lock()
	p.l.log = append(p.l.log, slices.Clone(m.Value))
	p.l.mu.Unlock()
	p.ack(m, nil)
}
func (p *memProducer) Flush(context.Context) error { return nil }
func (p *memProducer) Close()                      {}

type memConsumer struct {
	l    *memLog
	next int
}

func (c *memConsumer) WaitReady(context.Context) error { return nil }

func (c *memConsumer) Poll(ctx context.Context, fn drivers.DeliverFunc) error {
	c.l.mu.Lock()
	batch := c.l.log[c.next:min(len(c.l.log), c.next+1000)]
	c.l.mu.Unlock()
	for _, v := range batch {
		fn(v, 0, int64(c.next))
		c.next++
	}
	if len(batch) == 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
	return nil
}
func (c *memConsumer) Close() {}

func TestRunConsumeAfter(t *testing.T) {
	s, _ := loopbackScenario(t, func(s *bench.Scenario) {
		s.Workload.Consumers = 1
		s.Workload.Producers = 1
		s.Topology.Partitions = 1
		s.Workload.Consume = bench.ConsumeAfter
	})
	l := &memLog{}
	m, err := bench.Run(context.Background(), s, l, bench.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := m.Counts
	if c.Sent == 0 || c.Received != c.Sent || c.Lost != 0 || c.Duplicated != 0 || c.Reordered != 0 {
		t.Errorf("counts %+v: want every message read once, in order", c)
	}
	b := m.Backlog
	if b == nil {
		t.Fatal("no backlog measured")
	}
	if b.Messages != c.Sent || b.Seconds <= 0 || b.MsgsPerS <= 0 || b.MBPerS <= 0 {
		t.Errorf("backlog %+v: want the %d messages sent, read in some time", b, c.Sent)
	}
	// The consumer started only once the load was over: the load alone took 1.2 s.
	if first := m.Intervals[0]; first.Received != 0 {
		t.Errorf("%d received in the first second of the load: the consumer read during the load", first.Received)
	}
	if m.EndToEnd.TotalCount() != 0 {
		t.Errorf("%d end-to-end latencies recorded for a backlog read", m.EndToEnd.TotalCount())
	}
}

func TestLoopbackRefusesConsumeAfter(t *testing.T) {
	s, d := loopbackScenario(t, func(s *bench.Scenario) { s.Workload.Consume = bench.ConsumeAfter })
	m, err := bench.Run(context.Background(), s, d, bench.Options{})
	if err == nil || !errors.Is(err, loopbackNoLog) {
		t.Fatalf("err = %v, want the loopback driver's refusal", err)
	}
	if m == nil || m.Backlog == nil || m.Backlog.Messages != 0 || m.Counts.Acked == 0 || m.Counts.Lost != 0 {
		t.Errorf("measurements %+v: want the load measured, nothing read and nothing judged lost", m)
	}
}
