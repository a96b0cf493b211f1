package bench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"streambench/drivers"
)

// Phase is the part of a run a moment belongs to.
type Phase string

// The phases of a run, in order.
const (
	PhaseWarmup  Phase = "warmup"
	PhaseMeasure Phase = "measure"
	PhaseDrain   Phase = "drain"
)

// Options are how one run is carried out.
type Options struct {
	// Interrupt, when closed, stops the load early (a first Ctrl-C); the run still
	// drains, for at most the scenario's drain time, and reports what it measured.
	// Cancelling the context given to Run instead stops everything at once.
	Interrupt <-chan struct{}
	// Keep leaves the topic or stream in place after the run.
	Keep bool
	// ReadyTimeout bounds the wait for the consumers to be ready; default 60 s.
	ReadyTimeout time.Duration
	// Progress, when set, is called once a second from the run's ticker.
	Progress func(Progress)
	// Logf, when set, is told what the run is doing.
	Logf func(format string, args ...any)
	// Broker, when set, restarts, kills and pauses the broker for a timeline's broker
	// faults: only a broker that bench itself runs can have them.
	Broker BrokerControl
	// Network, when set, is the fault proxy every connection of the run goes through,
	// for a timeline's network faults.
	Network Network
}

// Progress is a snapshot of a run in progress.
type Progress struct {
	Phase   Phase
	Elapsed time.Duration // since the first send
	Total   time.Duration // warm-up plus duration
	// Sent and Received count messages so far.
	Sent, Received int64
	// SentRate and ReceivedRate are messages per second over the last second.
	SentRate, ReceivedRate float64
	// P99 is the end-to-end 99th percentile of the measured part so far (0 before it).
	P99 time.Duration
}

// Counts account for every message of a run, warm-up and drain included.
type Counts struct {
	// Requested is what the schedule asked for until the load stopped (open loop), or
	// what was sent (closed loop).
	Requested int64 `json:"requested"`
	Sent      int64 `json:"sent"`
	Acked     int64 `json:"acked"`
	// SendErrors are messages whose send failed.
	SendErrors int64 `json:"send_errors"`
	// NotSent are messages the schedule asked for that the producers never sent because
	// they fell behind.
	NotSent    int64 `json:"not_sent"`
	Received   int64 `json:"received"`
	Lost       int64 `json:"lost"`
	Duplicated int64 `json:"duplicated"`
	Reordered  int64 `json:"reordered"`
	// Redelivered counts deliveries of a record the consumers had already been given,
	// at the same partition and offset: read again after a consumer restart or a group
	// rebalance from the last committed offset (at-least-once delivery), not a second
	// copy in the log, which counts as duplicated. Only drivers that report offsets
	// (Kafka) tell the two apart; elsewhere every second delivery is a duplicate.
	Redelivered int64 `json:"redelivered"`
	// Unacknowledged are messages received although their send was not acknowledged.
	Unacknowledged int64 `json:"unacknowledged"`
	// Foreign are messages on the topic that this run did not send.
	Foreign int64 `json:"foreign"`
}

// Interval is one second of a run.
type Interval struct {
	// Start is the interval's start in seconds since the first send; warm-up comes first.
	Start   float64 `json:"start_s"`
	Seconds float64 `json:"length_s"`
	Phase   Phase   `json:"phase"`
	// Messages sent, acknowledged, failed and received (first deliveries) in the interval.
	Sent       int64 `json:"sent"`
	Acked      int64 `json:"acked"`
	SendErrors int64 `json:"send_errors"`
	Received   int64 `json:"received"`
	// Latencies of the messages acknowledged and received in the interval, in µs.
	PublishP50 float64 `json:"publish_p50_us"`
	PublishP99 float64 `json:"publish_p99_us"`
	PublishMax float64 `json:"publish_max_us,omitempty"`
	E2EP50     float64 `json:"end_to_end_p50_us"`
	E2EP99     float64 `json:"end_to_end_p99_us"`
	E2EMax     float64 `json:"end_to_end_max_us,omitempty"`
}

// ErrorCount is one kind of error seen during a run.
type ErrorCount struct {
	Where string `json:"where"`
	Count int64  `json:"count"`
	First string `json:"first"`
	// FirstS and LastS are when the first and the last of them happened, in seconds
	// since the first send: a broker that went away mid-run shows as errors from then on.
	FirstS float64 `json:"first_s,omitempty"`
	LastS  float64 `json:"last_s,omitempty"`
}

// Measurements are what a run measured.
type Measurements struct {
	StartedAt, EndedAt time.Time
	// Interrupted is set when the load was stopped before the scenario's end.
	Interrupted bool
	// MeasuredSeconds is the length of the measured window (shorter when interrupted).
	MeasuredSeconds float64
	Counts          Counts
	// Sends and receipts during the measured window, for throughput.
	SentInWindow, ReceivedInWindow int64
	// Latency histograms in nanoseconds of the messages meant to be sent in the
	// measured window: publish (ack − intended), end-to-end (receipt − intended),
	// service (ack − actual send) and send lag (actual − intended send; open loop only).
	Publish, EndToEnd, Service, SendLag *hdrhistogram.Histogram
	// CPUSeconds is the CPU time the whole bench process used from the first send to the
	// end of the drain: producers, consumers, recording and the clients' own work.
	CPUSeconds float64
	// PeakRSSBytes is the most memory the bench process held resident during the run
	// (Linux; 0 elsewhere): with the clients' buffers, the messages in flight, the
	// histograms and the integrity bitsets.
	PeakRSSBytes int64
	// Clamped counts latencies above an hour, recorded as an hour.
	Clamped   int64
	Intervals []Interval
	Errors    []ErrorCount
	// DriverCounts are the counts the drivers' producers and consumers keep of their
	// own (drivers.Counter), summed by name.
	DriverCounts map[string]int64
	// DrainExpired is set when the drain time ran out before the consumers had
	// received every acknowledged message; StillArriving, when they were still
	// receiving in its last second: then some of the messages counted lost were late,
	// not gone.
	DrainExpired, StillArriving bool
	// Probes are the answers to the scenario's probes; Actions what its timeline did.
	Probes  []Probe
	Actions []ActionRecord
	// Partitions says, for a run with a timeline, when each partition (shard) first
	// delivered a message and how many it delivered.
	Partitions []PartitionReceipt
	// Replay is what reading the topology again from its start found (scenario replay).
	Replay *Replay
	// Backlog is how the consumers read the backlog the load left
	// (workload.consume: after).
	Backlog *Backlog
}

// run is the state shared by one run's goroutines.
type run struct {
	s       *Scenario
	id      uint32
	t0      time.Time
	open    bool
	after   bool  // the consumers read only once the load is over
	measure int64 // start of the measured window, ns since t0
	loadEnd int64 // end of the load, ns since t0

	// delivered is, per partition, the highest offset delivered so far plus one.
	delivered []atomic.Int64

	stop     chan struct{} // closed when the load stops
	stopOnce sync.Once
	stopAt   atomic.Int64
	stopped  atomic.Bool // the load was stopped early
}

func (r *run) now() int64 { return int64(time.Since(r.t0)) }

// redelivery notes that the record at offset of partition was delivered, and says
// whether one at that offset or beyond had been delivered before: consumers read each
// partition in offset order, so that record was then delivered already.
func (r *run) redelivery(partition int32, offset int64) bool {
	if offset < 0 || partition < 0 || int(partition) >= len(r.delivered) {
		return false
	}
	hw := &r.delivered[partition]
	for {
		cur := hw.Load()
		if offset < cur {
			return true
		}
		if hw.CompareAndSwap(cur, offset+1) {
			return false
		}
	}
}

func (r *run) stopLoad(early bool) {
	r.stopOnce.Do(func() {
		r.stopAt.Store(min(r.now(), r.loadEnd))
		r.stopped.Store(early)
		close(r.stop)
	})
}

func (r *run) phase(at int64) Phase {
	switch {
	case at < r.measure:
		return PhaseWarmup
	case at < r.loadEnd:
		return PhaseMeasure
	}
	return PhaseDrain
}

// Run sets up the topology, runs the scenario's load through d and measures it, then
// removes the topology (unless opts.Keep). It returns measurements whenever the load
// started, even with an error (a broker that went away mid-run), so that what was
// measured can still be written.
func Run(ctx context.Context, s *Scenario, d drivers.Driver, opts Options) (*Measurements, error) {
	logf := opts.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	readyTimeout := opts.ReadyTimeout
	if readyTimeout == 0 {
		readyTimeout = time.Minute
	}
	// Before the topology is made: a run that would run out of memory is better refused.
	if err := CheckMemory(s); err != nil {
		return nil, err
	}
	if err := d.Setup(ctx); err != nil {
		return nil, fmt.Errorf("setting up the topology: %w", err)
	}
	var probes []Probe
	var m *Measurements
	// Messages the target cannot take are refused before the load, not measured as a
	// run of errors; the topology just made is removed all the same.
	err := checkSize(ctx, s, d, logf)
	if err == nil {
		if len(s.Probes) > 0 {
			probes = askProbes(ctx, d, s.Probes)
			for _, p := range probes {
				logf("probe %s: %s", p.Name, p.Answer)
			}
		}
		resetPeakRSS()
		m, err = load(ctx, s, d, opts, logf, readyTimeout)
	}
	if m != nil {
		m.Probes = probes
		m.PeakRSSBytes = PeakRSS()
	}
	if !opts.Keep {
		// An emulator still busy with a backlog can take a while to delete a stream; one
		// left behind would slow every later run against it. But ctx ending (a second
		// Ctrl-C) means stop now: then the removal gets one brief try, and a ctx that
		// ends while it waits cuts it short.
		budget := 30 * time.Second
		if ctx.Err() != nil {
			budget = 2 * time.Second
		}
		tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), budget)
		if ctx.Err() == nil {
			defer context.AfterFunc(ctx, cancel)()
		}
		if terr := d.Teardown(tctx); terr != nil {
			logf("removing the topology: %v", terr)
			if m != nil {
				m.Errors = append(m.Errors, ErrorCount{Where: "teardown", Count: 1, First: terr.Error()})
			}
		}
		cancel()
	}
	return m, err
}

func load(ctx context.Context, s *Scenario, d drivers.Driver, opts Options, logf func(string, ...any), readyTimeout time.Duration) (*Measurements, error) {
	r := &run{
		s:       s,
		id:      rand.Uint32(),
		open:    !s.Workload.Rate.Max,
		after:   s.Workload.Consume == ConsumeAfter,
		measure: int64(s.Warmup.D()),
		loadEnd: int64(s.Warmup.D() + s.Duration.D()),
		stop:    make(chan struct{}),
		// A scale action may add partitions up to the most a scenario can ask for.
		delivered: make([]atomic.Int64, maxPartitions),
	}

	// Consumers first, so they see every message.
	cctx, cancelConsumers := context.WithCancel(ctx)
	defer cancelConsumers()
	consumers := make([]*consumer, 0, s.Workload.Consumers)
	defer func() {
		for _, c := range consumers {
			c.close()
		}
	}()
	for i := range s.Workload.Consumers {
		if r.after {
			// Started once the load is over (readBacklog), like consumers a timeline
			// stopped: a wrapper with no driver consumer yet.
			c := newConsumer(r, nil)
			c.closed = true
			consumers = append(consumers, c)
			continue
		}
		c, err := d.NewConsumer(ctx, i)
		if err != nil {
			return nil, fmt.Errorf("starting consumer %d: %w", i, err)
		}
		consumers = append(consumers, newConsumer(r, c))
	}
	rctx, cancelReady := context.WithTimeout(ctx, readyTimeout)
	for i, c := range consumers {
		if c.c == nil {
			continue // not started yet (workload.consume: after)
		}
		if err := c.c.WaitReady(rctx); err != nil {
			cancelReady()
			return nil, fmt.Errorf("waiting for consumer %d to be ready: %w", i, err)
		}
	}
	cancelReady()

	producers := make([]*producer, 0, s.Workload.Producers)
	producersClosed := false
	closeProducers := func() {
		if producersClosed {
			return
		}
		producersClosed = true
		for _, p := range producers {
			p.p.Close()
		}
	}
	defer closeProducers()
	for i := range s.Workload.Producers {
		p := newProducer(r, i)
		dp, err := d.NewProducer(ctx, i, p.ack)
		if err != nil {
			return nil, fmt.Errorf("starting producer %d: %w", i, err)
		}
		p.p = dp
		producers = append(producers, p)
	}

	cpu0 := ProcessCPU()
	m := &Measurements{StartedAt: time.Now()}
	r.t0 = m.StartedAt
	logf("load started: %s warm-up, then %s measured", s.Warmup, s.Duration)

	for _, c := range consumers {
		if c.c != nil {
			c.start(cctx)
		}
	}
	tk := newTicker(r, producers, consumers, opts.Progress)
	tickerDone := make(chan struct{})
	go func() { defer close(tickerDone); tk.loop() }()
	tl := &timeline{r: r, d: d, opts: opts, consumers: consumers, cctx: cctx, readyTimeout: readyTimeout, logf: logf,
		baseline: tk.baselineP99}
	timelineDone := make(chan struct{})
	go func() { defer close(timelineDone); tl.run(ctx, s.Actions) }()

	// The load stops at its end, at an interrupt, or when ctx is cancelled.
	go func() {
		t := time.NewTimer(time.Duration(r.loadEnd))
		defer t.Stop()
		select {
		case <-t.C:
			r.stopLoad(false)
		case <-opts.Interrupt:
			r.stopLoad(true)
		case <-ctx.Done():
			r.stopLoad(true)
		case <-r.stop:
		}
	}()

	// Producers send until the load stops. Their context outlives the load: a record
	// still lingering in a client's buffer must not be failed because the load ended.
	drainCtx, cancelDrain := context.WithCancel(ctx)
	defer cancelDrain()
	var producersDone sync.WaitGroup
	for _, p := range producers {
		producersDone.Add(1)
		go func() { defer producersDone.Done(); p.loop(drainCtx) }()
	}
	// A producer blocked in Send (a broker gone away, a full buffer) is released when the
	// drain time after the load's end runs out.
	<-r.stop
	drainDeadline := time.AfterFunc(s.Drain.D(), cancelDrain)
	defer drainDeadline.Stop()
	producersDone.Wait()
	// An action under way (a broker restarting) finishes before the drain begins.
	<-timelineDone
	logf("load stopped; draining for up to %s", s.Drain)

	var errs []error
	for i, p := range producers {
		if err := p.p.Flush(drainCtx); err != nil {
			errs = append(errs, fmt.Errorf("producer %d still had messages waiting for acknowledgement when the drain time (%s) ran out: %w", i, s.Drain, err))
			break
		}
	}
	reading := consumers
	if r.after {
		var err error
		if len(errs) == 0 {
			m.Backlog, err = readBacklog(drainCtx, r, tl)
		}
		if err != nil || m.Backlog == nil {
			errs = append(errs, err)
			reading = nil // no one reads: nothing to wait for
		}
	}
	delivered, arriving := waitDelivered(drainCtx, producers, reading)
	// Close fails whatever is still unacknowledged, so every ack has been counted once
	// it returns.
	closeProducers()
	for _, c := range consumers {
		c.halt()
	}
	close(tk.done)
	<-tickerDone
	m.EndedAt = time.Now()
	m.CPUSeconds = (ProcessCPU() - cpu0).Seconds()

	m.Interrupted = r.stopped.Load()
	stopAt := r.stopAt.Load()
	m.MeasuredSeconds = max(0, float64(stopAt-r.measure)/1e9)
	m.Intervals = tk.intervals
	collect(m, r, producers, reading, stopAt)
	m.DrainExpired, m.StillArriving = !delivered, arriving
	if m.Backlog != nil {
		m.Backlog.finish(consumers, s.Workload.MessageSize)
	}
	m.Actions = tl.records
	analyseFaults(m.Actions, m.Intervals)
	if len(s.Actions) > 0 {
		m.Partitions = partitionReceipts(consumers)
	}
	if s.Replay {
		m.Replay = replay(ctx, d, r, producers, logf)
	}
	if ctx.Err() != nil {
		errs = append(errs, fmt.Errorf("run aborted: %w", context.Cause(ctx)))
	}
	return m, errors.Join(errs...)
}

// waitDelivered waits until the consumers have received as many messages as the
// producers had acknowledged (delivered), or until ctx is done; then it says whether
// messages were still arriving in the last second.
func waitDelivered(ctx context.Context, producers []*producer, consumers []*consumer) (delivered, stillArriving bool) {
	if len(consumers) == 0 {
		return true, false // nothing is read: nothing to wait for
	}
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	last, lastChange := int64(-1), time.Now()
	for {
		n := tally(producers, consumers)
		if n.received >= n.acked {
			return true, false
		}
		if n.received != last {
			last, lastChange = n.received, time.Now()
		}
		select {
		case <-ctx.Done():
			return false, time.Since(lastChange) < time.Second
		case <-t.C:
		}
	}
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

// collect merges the goroutines' totals into m once they have all stopped.
func collect(m *Measurements, r *run, producers []*producer, consumers []*consumer, stopAt int64) {
	m.Publish, m.EndToEnd, m.Service, m.SendLag = NewHistogram(), NewHistogram(), NewHistogram(), NewHistogram()
	acked := make([]bitset, len(producers))
	trackers := make([]*tracker, len(consumers))
	sendErrs := ErrorCount{Where: "send", FirstS: math.Inf(1)}
	for i, p := range producers {
		c := &m.Counts
		c.Sent += p.sent.load()
		c.Acked += p.acked.load()
		c.SendErrors += p.failed.load()
		if r.open {
			c.Requested += int64(p.sched.Count(stopAt))
		} else {
			c.Requested += p.sent.load()
		}
		m.SentInWindow += p.sentInWindow
		m.Publish.Merge(p.publish)
		m.Service.Merge(p.service)
		m.SendLag.Merge(p.sendLag)
		m.Clamped += p.clamped
		acked[i] = p.ackedSet
		if p.failed.load() > 0 && p.firstErrAt < sendErrs.FirstS {
			sendErrs.First, sendErrs.FirstS = p.firstErr, p.firstErrAt
		}
		sendErrs.LastS = max(sendErrs.LastS, p.lastErrAt)
	}
	m.Counts.NotSent = max(0, m.Counts.Requested-m.Counts.Sent)
	sendErrs.Count = m.Counts.SendErrors
	var pollErrs = ErrorCount{Where: "consume", FirstS: math.Inf(1)}
	var malformed = ErrorCount{Where: "malformed message", First: "a message on the topic does not start with a bench envelope"}
	for i, c := range consumers {
		trackers[i] = &c.t
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
	for _, p := range producers {
		addDriverCounts(m, p.p)
	}
	for _, c := range consumers {
		addDriverCounts(m, c.c)
	}
	if len(consumers) > 0 { // else nothing was read: there is no delivery to judge
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

// producer is one producer's goroutine (sending) and its ack callback.
type producer struct {
	r     *run
	id    int
	p     drivers.Producer
	sched Schedule
	free  chan *drivers.Message
	rng   *rand.Rand

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
	w := r.s.Workload
	p := &producer{
		r:          r,
		id:         id,
		rng:        rand.New(rand.NewPCG(uint64(r.id), uint64(id))),
		sendLag:    NewHistogram(),
		publishWin: newWindow(),
		publish:    NewHistogram(),
		service:    NewHistogram(),
	}
	if r.open {
		p.sched = NewSchedule(w.Rate.PerSecond, w.Producers, id)
		// Acknowledged messages come back to the free list, often many at once (a
		// client's batch); one that finds the list full is left to the collector, and the
		// loop allocates another. The list holds a second of this producer's messages, so
		// that a broker that acknowledges within a second takes nothing new from the
		// allocator, and after a longer stall it keeps no more than a second's worth.
		p.free = make(chan *drivers.Message, min(max(int(w.Rate.PerSecond)/w.Producers, minFreeList), maxFreeList))
		if n := p.sched.Count(r.loadEnd); n < 1<<30 {
			p.ackedSet = make(bitset, n/64+1)
		}
	} else {
		// closed loop: the free list holds the in-flight budget
		p.free = make(chan *drivers.Message, w.MaxInFlight)
		for range w.MaxInFlight {
			p.free <- p.newMessage()
		}
	}
	return p
}

// The open loop's free list holds between these many messages (see newProducer).
const (
	minFreeList = 4096
	maxFreeList = 1 << 20
)

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

func (p *producer) loop(ctx context.Context) {
	r := p.r
	s := r.s
	var pace *pacer
	if r.open {
		pace = newPacer(p.sched, r.now, r.stop)
		defer pace.close()
	}
	nProducers := uint64(s.Workload.Producers)
	partitions := uint64(s.Topology.Partitions)
	for i := uint64(0); ; i++ {
		var m *drivers.Message
		var intended int64
		if r.open {
			intended = p.sched.At(i)
			if intended >= r.loadEnd {
				return
			}
			select {
			case m = <-p.free:
			default:
				m = p.newMessage()
			}
		} else {
			// A select on both channels costs more than the rest of the loop: look at the
			// stop and the free list each on its own first, which costs next to nothing.
			select {
			case <-r.stop:
				return
			default:
			}
			select {
			case m = <-p.free:
			default:
				select {
				case <-r.stop:
					return
				case m = <-p.free:
				}
			}
		}
		m.Partition = -1
		switch s.Workload.Keys.Mode {
		case KeysNone:
			m.Key = m.Key[:0]
		case KeysRoundRobin:
			m.Key = m.Key[:0]
			m.Partition = int32((i*nProducers + uint64(p.id)) % partitions)
		case KeysRandom:
			m.Key = strconv.AppendUint(m.Key[:0], p.rng.Uint64(), 36)
		case KeysFixed:
			m.Key = strconv.AppendInt(append(m.Key[:0], "key-"...), int64(p.rng.IntN(s.Workload.Keys.Count)), 10)
		}
		// The message is ready before the clock is read, so that the reading is when it
		// is sent; the pacer's own reading serves, which saves one per message.
		if r.open {
			// The load's normal end also closes r.stop, possibly while a message due just
			// before it waits for the next tick: that one is still owed and still sent.
			// Only an early stop (an interrupt) leaves the rest of the schedule unsent.
			m.Sent = pace.wait(intended)
			if r.stopped.Load() {
				return
			}
		} else {
			// Without a schedule a message is meant to go when it goes.
			m.Sent = r.now()
			intended = m.Sent
		}
		m.Seq = i
		m.Intended = intended
		Envelope{Run: r.id, Producer: uint16(p.id), Seq: i, Intended: intended}.Put(m.Value)
		if m.Sent >= r.measure && m.Sent < r.loadEnd {
			p.sentInWindow++
		}
		if r.open && intended >= r.measure {
			record(p.sendLag, m.Sent-intended)
		}
		p.sent.add(1)
		p.p.Send(ctx, m)
	}
}

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
	iv := Interval{
		Start:      float64(t.lastAt) / 1e9,
		Seconds:    length,
		Phase:      phase,
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
	t.last, t.lastAt = cur, now
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
