package bench

import (
	"context"
	"math/rand/v2"
	"strconv"

	"github.com/HdrHistogram/hdrhistogram-go"

	"streambench/drivers"
)

// producer is one producer's goroutine (sending) and its ack callback.
type producer struct {
	r    *run
	id   int
	p    drivers.Producer
	pace pacing // the run's open or closed loop, for this producer
	free chan *drivers.Message
	rng  *rand.Rand

	// owned by the sending goroutine
	sendLag      *hdrhistogram.Histogram
	sentInWindow int64
	sent         counter

	// owned by the ack callback (never concurrent, per the driver contract)
	acked, failed    counter
	publishWin       *window
	publish, service *hdrhistogram.Histogram
	ackedSet         bitset
	firstErr         string
	// firstErrAt and lastErrAt are when the first and last send failed, in s since t0.
	firstErrAt, lastErrAt float64
	clamped               int64
}

func newProducer(r *run, id int) *producer {
	p := &producer{
		r:          r,
		id:         id,
		rng:        rand.New(rand.NewPCG(uint64(r.id), uint64(id))),
		sendLag:    NewHistogram(),
		publishWin: newWindow(),
		publish:    NewHistogram(),
		service:    NewHistogram(),
	}
	// The pacing makes the free list: the open loop's recycles acknowledged messages,
	// the closed loop's holds the in-flight budget.
	p.pace = r.pacing(p)
	return p
}

func (p *producer) newMessage() *drivers.Message {
	m := &drivers.Message{
		Key:   make([]byte, 0, 20),
		Value: make([]byte, p.r.s.Workload.MessageSize),
	}
	fillPayload(m.Value[EnvelopeSize:], p.r.s.Workload.Payload, p.rng)
	return m
}

func (p *producer) ack(m *drivers.Message, err error) {
	now := p.r.now()
	if err != nil {
		p.failed.add(1)
		if p.firstErr == "" {
			p.firstErr, p.firstErrAt = err.Error(), float64(now)/1e9
		}
		p.lastErrAt = float64(now) / 1e9
	} else {
		p.acked.add(1)
		p.ackedSet.set(m.Seq)
		lat := now - m.Intended
		p.publishWin.record(lat)
		if m.Intended >= p.r.measure {
			if record(p.publish, lat) {
				p.clamped++
			}
			record(p.service, now-m.Sent)
		}
	}
	select {
	case p.free <- m:
	default: // open loop with more in flight than the free list holds
	}
}

// loop sends messages, as the pacing lets it, until the pacing says the load is over.
func (p *producer) loop(ctx context.Context) {
	pace := p.pace
	pace.begin()
	defer pace.end()
	for i := uint64(0); ; i++ {
		m := pace.next(i)
		if m == nil {
			return
		}
		p.address(m, i)
		// The message is ready before the clock is read, so that the reading is when it
		// is sent.
		if !pace.wait(m) {
			return
		}
		m.Seq = i
		Envelope{Run: p.r.id, Producer: uint16(p.id), Seq: i, Intended: m.Intended}.Put(m.Value)
		if m.Sent >= p.r.measure && m.Sent < p.r.loadEnd {
			p.sentInWindow++
		}
		p.sent.add(1)
		p.p.Send(ctx, m)
	}
}

// address gives message i its key, or its partition, as the workload's keys say.
func (p *producer) address(m *drivers.Message, i uint64) {
	w := &p.r.s.Workload
	m.Partition = -1
	switch w.Keys.Mode {
	case KeysNone:
		m.Key = m.Key[:0]
	case KeysRoundRobin:
		m.Key = m.Key[:0]
		m.Partition = int32((i*uint64(w.Producers) + uint64(p.id)) % uint64(p.r.s.Topology.Partitions))
	case KeysRandom:
		m.Key = strconv.AppendUint(m.Key[:0], p.rng.Uint64(), 36)
	case KeysFixed:
		m.Key = strconv.AppendInt(append(m.Key[:0], "key-"...), int64(p.rng.IntN(w.Keys.Count)), 10)
	}
}
