package bench

import (
	"streambench/drivers"
)

// pacing is when a producer's messages go: the open loop's, where every message has
// an intended send time from a schedule and its latencies run from that time (no
// coordinated omission), or the closed loop's, where a message goes as soon as one
// of the producer's in-flight budget is free and is meant to go when it goes. A run's
// pacing is chosen once, when the run starts (run.pacing), so that the producer's
// loop never asks which loop it is in.
//
// A producer's loop calls begin, then for each message next and, once the message
// is filled, wait, and then end. Nothing in next or wait allocates once the free list
// has filled.
type pacing interface {
	// begin readies the pacing for a loop of the producer, end releases what it held.
	begin()
	end()
	// next is a message from the free list to send as message i, or nil once the
	// producer is to send nothing more.
	next(i uint64) *drivers.Message
	// wait returns when m is due, with m.Intended and m.Sent set; false means the load
	// was stopped early and m is not sent.
	wait(m *drivers.Message) bool
	// requested is how many messages the pacing asked the producer for until stopAt.
	requested(stopAt int64) int64
}

// pacingFor is a workload's pacing, for each of its producers.
func pacingFor(w Workload) func(*producer) pacing {
	if w.Rate.Max {
		return newClosedLoop
	}
	return newOpenLoop
}

// openLoop sends each message at its time in the producer's schedule.
type openLoop struct {
	p     *producer
	sched timetable
	ticks *pacer // between begin and end
}

// The open loop's free list holds between these many messages (see newOpenLoop).
const (
	minFreeList = 4096
	maxFreeList = 1 << 20
)

func newOpenLoop(p *producer) pacing {
	r, w := p.r, p.r.s.Workload
	o := &openLoop{p: p, sched: newTimetable(w, r.s.Warmup.D(), p.id)}
	// Acknowledged messages come back to the free list, often many at once (a client's
	// batch); one that finds the list full is left to the collector, and next
	// allocates another. The list holds a second of this producer's messages, so that
	// a broker that acknowledges within a second takes nothing new from the allocator,
	// and after a longer stall it keeps no more than a second's worth.
	p.free = make(chan *drivers.Message, min(max(int(w.Rate.Peak())/w.Producers, minFreeList), maxFreeList))
	if n := o.sched.about(r.loadEnd); n < 1<<30 {
		p.ackedSet = make(bitset, n/64+1)
	}
	return o
}

func (o *openLoop) begin() { o.ticks = newPacer(o.sched, o.p.r.now, o.p.r.stop) }
func (o *openLoop) end()   { o.ticks.close() }

func (o *openLoop) next(i uint64) *drivers.Message {
	intended := o.sched.At(i)
	if intended >= o.p.r.loadEnd {
		return nil
	}
	var m *drivers.Message
	select {
	case m = <-o.p.free:
	default:
		m = o.p.newMessage()
	}
	m.Intended = intended
	return m
}

func (o *openLoop) wait(m *drivers.Message) bool {
	r := o.p.r
	// The pacer's own reading of the clock serves as the send time, which saves one per
	// message. The load's normal end also closes r.stop, possibly while a message due
	// just before it waits for the next tick: that one is still owed and still sent.
	// Only an early stop (an interrupt) leaves the rest of the schedule unsent.
	m.Sent = o.ticks.wait(m.Intended)
	if r.stopped.Load() {
		return false
	}
	if m.Intended >= r.measure {
		record(o.p.sendLag, m.Sent-m.Intended)
	}
	return true
}

func (o *openLoop) requested(stopAt int64) int64 { return int64(o.sched.Count(stopAt)) }

// closedLoop sends a message whenever one of the producer's in-flight budget is free,
// until the load stops.
type closedLoop struct{ p *producer }

func newClosedLoop(p *producer) pacing {
	// The free list holds the in-flight budget.
	w := p.r.s.Workload
	p.free = make(chan *drivers.Message, w.MaxInFlight)
	for range w.MaxInFlight {
		p.free <- p.newMessage()
	}
	return closedLoop{p}
}

func (closedLoop) begin() {}
func (closedLoop) end()   {}

func (c closedLoop) next(uint64) *drivers.Message {
	// A select on both channels costs more than the rest of the loop: look at the stop
	// and the free list each on its own first, which costs next to nothing.
	stop, free := c.p.r.stop, c.p.free
	select {
	case <-stop:
		return nil
	default:
	}
	select {
	case m := <-free:
		return m
	default:
	}
	select {
	case <-stop:
		return nil
	case m := <-free:
		return m
	}
}

// wait sends m now: without a schedule a message is meant to go when it goes.
func (c closedLoop) wait(m *drivers.Message) bool {
	m.Sent = c.p.r.now()
	m.Intended = m.Sent
	return true
}

// requested is what was sent: a closed loop asks for nothing it does not send.
func (c closedLoop) requested(int64) int64 { return c.p.sent.load() }
