package bench

import (
	"math"

	"streambench/drivers"
)

// collect merges the goroutines' totals into m once they have all stopped.
func collect(m *Measurements, producers []*producer, consumers []*consumer, stopAt int64) {
	m.Publish, m.EndToEnd, m.Service, m.SendLag = NewHistogram(), NewHistogram(), NewHistogram(), NewHistogram()
	sendErrs := collectProducers(m, producers, stopAt)
	pollErrs, malformed := collectConsumers(m, consumers)
	for _, p := range producers {
		addDriverCounts(m, p.p)
	}
	for _, c := range consumers {
		addDriverCounts(m, c.c)
	}
	if len(consumers) > 0 { // else nothing was read: there is no delivery to judge
		acked := make([]bitset, len(producers))
		for i, p := range producers {
			acked[i] = p.ackedSet
		}
		trackers := make([]*tracker, len(consumers))
		for i, c := range consumers {
			trackers[i] = &c.t
		}
		in := reconcile(acked, trackers)
		m.Counts.Received = in.Received
		m.Counts.Lost = in.Lost
		m.Counts.Duplicated = in.Duplicated
		m.Counts.Reordered = in.Reordered
		m.Counts.Unacknowledged = in.Unacknowledged
	}
	for _, e := range []ErrorCount{sendErrs, pollErrs, malformed} {
		if math.IsInf(e.FirstS, 1) {
			e.FirstS = 0
		}
		if e.Count > 0 {
			m.Errors = append(m.Errors, e)
		}
	}
}

// collectProducers adds the producers' counts and latencies to m, and says what their
// sends' errors were.
func collectProducers(m *Measurements, producers []*producer, stopAt int64) (sendErrs ErrorCount) {
	sendErrs = ErrorCount{Where: "send", FirstS: math.Inf(1)}
	c := &m.Counts
	for _, p := range producers {
		c.Sent += p.sent.load()
		c.Acked += p.acked.load()
		c.SendErrors += p.failed.load()
		c.Requested += p.pace.requested(stopAt)
		m.SentInWindow += p.sentInWindow
		m.Publish.Merge(p.publish)
		m.Service.Merge(p.service)
		m.SendLag.Merge(p.sendLag)
		m.Clamped += p.clamped
		if p.failed.load() > 0 && p.firstErrAt < sendErrs.FirstS {
			sendErrs.First, sendErrs.FirstS = p.firstErr, p.firstErrAt
		}
		sendErrs.LastS = max(sendErrs.LastS, p.lastErrAt)
	}
	c.NotSent = max(0, c.Requested-c.Sent)
	sendErrs.Count = c.SendErrors
	return sendErrs
}

// collectConsumers adds the consumers' counts and latencies to m, and says what their
// polls' errors were and how many messages were not the bench's.
func collectConsumers(m *Measurements, consumers []*consumer) (pollErrs, malformed ErrorCount) {
	pollErrs = ErrorCount{Where: "consume", FirstS: math.Inf(1)}
	malformed = ErrorCount{Where: "malformed message", First: "a message on the topic does not start with a bench envelope"}
	for _, c := range consumers {
		m.EndToEnd.Merge(c.e2e)
		m.ReceivedInWindow += c.inWindow
		m.Clamped += c.clamped
		m.Counts.Foreign += c.foreign
		m.Counts.Redelivered += c.redelivered
		malformed.Count += c.malformed
		pollErrs.Count += c.pollErrors
		if c.pollErrors > 0 && c.firstErrAt < pollErrs.FirstS {
			pollErrs.First, pollErrs.FirstS = c.firstErr, c.firstErrAt
		}
		pollErrs.LastS = max(pollErrs.LastS, c.lastErrAt)
	}
	m.Counts.Foreign += malformed.Count
	return pollErrs, malformed
}

// addDriverCounts adds the counts of a driver's producer or consumer, if it keeps any.
func addDriverCounts(m *Measurements, x any) {
	c, ok := x.(drivers.Counter)
	if !ok {
		return
	}
	for name, n := range c.Counts() {
		if m.DriverCounts == nil {
			m.DriverCounts = make(map[string]int64)
		}
		m.DriverCounts[name] += n
	}
}
