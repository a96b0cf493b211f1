package bench

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"streambench/drivers"
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

// run is the state shared by one run's goroutines.
type run struct {
	s       *Scenario
	id      uint32
	t0      time.Time
	pacing  func(*producer) pacing // open or closed loop, chosen once
	after   bool                   // the consumers read only once the load is over
	measure int64                  // start of the measured window, ns since t0
	loadEnd int64                  // end of the load, ns since t0

	// delivered is, per partition, the highest offset delivered so far plus one.
	delivered []atomic.Int64

	stop     chan struct{} // closed when the load stops
	stopOnce sync.Once
	stopAt   atomic.Int64
	stopped  atomic.Bool // the load was stopped early
}

// newRun is the state of a run of s, whose clock has yet to start.
func newRun(s *Scenario) *run {
	return &run{
		s:       s,
		id:      rand.Uint32(),
		pacing:  pacingFor(s.Workload),
		after:   s.Workload.Consume == ConsumeAfter,
		measure: int64(s.Warmup.D()),
		loadEnd: int64(s.Warmup.D() + s.Duration.D()),
		stop:    make(chan struct{}),
		// A scale action may add partitions up to the most a scenario can ask for.
		delivered: make([]atomic.Int64, maxPartitions),
	}
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

// stopWhenDue stops the load at its end, at an interrupt, or when ctx is cancelled.
func (r *run) stopWhenDue(ctx context.Context, interrupt <-chan struct{}) {
	t := time.NewTimer(time.Duration(r.loadEnd))
	defer t.Stop()
	select {
	case <-t.C:
		r.stopLoad(false)
	case <-interrupt:
		r.stopLoad(true)
	case <-ctx.Done():
		r.stopLoad(true)
	case <-r.stop:
	}
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
		teardown(ctx, d, m, logf)
	}
	return m, err
}

// teardown removes the topology, and adds to m (if any) that it could not.
func teardown(ctx context.Context, d drivers.Driver, m *Measurements, logf func(string, ...any)) {
	// An emulator still busy with a backlog can take a while to delete a stream; one
	// left behind would slow every later run against it. But ctx ending (a second
	// Ctrl-C) means stop now: then the removal gets one brief try, and a ctx that ends
	// while it waits cuts it short.
	budget := 30 * time.Second
	if ctx.Err() != nil {
		budget = 2 * time.Second
	}
	tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), budget)
	defer cancel()
	if ctx.Err() == nil {
		defer context.AfterFunc(ctx, cancel)()
	}
	if terr := d.Teardown(tctx); terr != nil {
		logf("removing the topology: %v", terr)
		if m != nil {
			m.Errors = append(m.Errors, ErrorCount{Where: "teardown", Count: 1, First: terr.Error()})
		}
	}
}

// load runs the scenario's load and measures it, in phases: the consumers are made
// and ready first, so that they see every message; then the producers are made; the
// clock starts; the producers send until the load stops; the drain waits for the
// last acknowledgements and deliveries; and what was measured is gathered.
func load(ctx context.Context, s *Scenario, d drivers.Driver, opts Options, logf func(string, ...any), readyTimeout time.Duration) (*Measurements, error) {
	l := newRunner(ctx, s, d, opts, logf, readyTimeout)
	defer l.close()
	if err := l.openConsumers(ctx); err != nil {
		return nil, err
	}
	if err := l.openProducers(ctx); err != nil {
		return nil, err
	}
	m := l.start(ctx)
	l.send()
	errs := l.drain(m)
	l.finish(ctx, m)
	if ctx.Err() != nil {
		errs = append(errs, fmt.Errorf("run aborted: %w", context.Cause(ctx)))
	}
	return m, errors.Join(errs...)
}

// runner carries one run's load through its phases (see load): it holds the run's
// clients and goroutines, and the contexts that end them.
type runner struct {
	r            *run
	d            drivers.Driver
	opts         Options
	logf         func(string, ...any)
	readyTimeout time.Duration

	consumers []*consumer
	// reading are the consumers whose deliveries the drain waits for and counts: none
	// when a backlog could not be read.
	reading         []*consumer
	cctx            context.Context // the consumers' polls
	cancelConsumers context.CancelFunc
	producers       []*producer
	producersClosed bool
	// drainCtx is the producers': it outlives the load, so that a record still
	// lingering in a client's buffer is not failed because the load ended, and it ends
	// when the drain time does.
	drainCtx      context.Context
	cancelDrain   context.CancelFunc
	drainDeadline *time.Timer

	cpu0         time.Duration
	tk           *ticker
	tickerDone   chan struct{}
	tl           *timeline
	timelineDone chan struct{}
}

func newRunner(ctx context.Context, s *Scenario, d drivers.Driver, opts Options, logf func(string, ...any), readyTimeout time.Duration) *runner {
	l := &runner{r: newRun(s), d: d, opts: opts, logf: logf, readyTimeout: readyTimeout}
	l.cctx, l.cancelConsumers = context.WithCancel(ctx)
	l.drainCtx, l.cancelDrain = context.WithCancel(ctx)
	return l
}

// close releases whatever the phases left: the drain's timer and context, the
// producers, and the consumers and their context.
func (l *runner) close() {
	if l.drainDeadline != nil {
		l.drainDeadline.Stop()
	}
	l.cancelDrain()
	l.closeProducers()
	for _, c := range l.consumers {
		c.close()
	}
	l.cancelConsumers()
}

// openConsumers makes the consumers and waits for them to be ready. With
// workload.consume: after they are started once the load is over (readBacklog), like
// consumers a timeline stopped: wrappers with no driver consumer yet.
func (l *runner) openConsumers(ctx context.Context) error {
	l.consumers = make([]*consumer, 0, l.r.s.Workload.Consumers)
	for i := range l.r.s.Workload.Consumers {
		if l.r.after {
			c := newConsumer(l.r, nil)
			c.closed = true
			l.consumers = append(l.consumers, c)
			continue
		}
		c, err := l.d.NewConsumer(ctx, i)
		if err != nil {
			return fmt.Errorf("starting consumer %d: %w", i, err)
		}
		l.consumers = append(l.consumers, newConsumer(l.r, c))
	}
	rctx, cancel := context.WithTimeout(ctx, l.readyTimeout)
	defer cancel()
	for i, c := range l.consumers {
		if c.c == nil {
			continue // not started yet (workload.consume: after)
		}
		if err := c.c.WaitReady(rctx); err != nil {
			return fmt.Errorf("waiting for consumer %d to be ready: %w", i, err)
		}
	}
	return nil
}

// openProducers makes the producers, each with the run's pacing.
func (l *runner) openProducers(ctx context.Context) error {
	l.producers = make([]*producer, 0, l.r.s.Workload.Producers)
	for i := range l.r.s.Workload.Producers {
		p := newProducer(l.r, i)
		dp, err := l.d.NewProducer(ctx, i, p.ack)
		if err != nil {
			return fmt.Errorf("starting producer %d: %w", i, err)
		}
		p.p = dp
		l.producers = append(l.producers, p)
	}
	return nil
}

// closeProducers closes the producers once: Close fails whatever is still
// unacknowledged, so every ack has been counted once it returns.
func (l *runner) closeProducers() {
	if l.producersClosed {
		return
	}
	l.producersClosed = true
	for _, p := range l.producers {
		p.p.Close()
	}
}

// start starts the run's clock, and with it the consumers' polls, the ticker, the
// timeline, and the watch for the load's end.
func (l *runner) start(ctx context.Context) *Measurements {
	r, s := l.r, l.r.s
	l.cpu0 = ProcessCPU()
	m := &Measurements{StartedAt: time.Now()}
	r.t0 = m.StartedAt
	l.logf("load started: %s warm-up, then %s measured", s.Warmup, s.Duration)

	for _, c := range l.consumers {
		if c.c != nil {
			c.start(l.cctx)
		}
	}
	l.tk = newTicker(r, l.producers, l.consumers, l.opts.Progress)
	l.tickerDone = make(chan struct{})
	go func() { defer close(l.tickerDone); l.tk.loop() }()
	l.tl = &timeline{r: r, d: l.d, opts: l.opts, consumers: l.consumers, cctx: l.cctx, readyTimeout: l.readyTimeout,
		logf: l.logf, baseline: l.tk.baselineP99}
	l.timelineDone = make(chan struct{})
	go func() { defer close(l.timelineDone); l.tl.run(ctx, s.Actions) }()
	go r.stopWhenDue(ctx, l.opts.Interrupt)
	return m
}

// send runs the producers until the load stops, and waits for them and for the
// timeline's action under way (a broker restarting), which finishes before the drain
// begins.
func (l *runner) send() {
	var producersDone sync.WaitGroup
	for _, p := range l.producers {
		producersDone.Add(1)
		go func() { defer producersDone.Done(); p.loop(l.drainCtx) }()
	}
	// A producer blocked in Send (a broker gone away, a full buffer) is released when the
	// drain time after the load's end runs out.
	<-l.r.stop
	l.drainDeadline = time.AfterFunc(l.r.s.Drain.D(), l.cancelDrain)
	producersDone.Wait()
	<-l.timelineDone
	l.logf("load stopped; draining for up to %s", l.r.s.Drain)
}

// drain waits, until the drain time runs out, for the producers' last
// acknowledgements and for the consumers to receive what was acknowledged (reading
// the backlog first, with workload.consume: after); then it stops the producers, the
// consumers and the ticker, and the clock of m.
func (l *runner) drain(m *Measurements) []error {
	var errs []error
	for i, p := range l.producers {
		if err := p.p.Flush(l.drainCtx); err != nil {
			errs = append(errs, fmt.Errorf("producer %d still had messages waiting for acknowledgement when the drain time (%s) ran out: %w", i, l.r.s.Drain, err))
			break
		}
	}
	l.reading = l.consumers
	if l.r.after {
		var err error
		if len(errs) == 0 {
			m.Backlog, err = readBacklog(l.drainCtx, l.r, l.tl)
		}
		if err != nil || m.Backlog == nil {
			errs = append(errs, err)
			l.reading = nil // no one reads: nothing to wait for
		}
	}
	delivered, arriving := waitDelivered(l.drainCtx, l.producers, l.reading)
	m.DrainExpired, m.StillArriving = !delivered, arriving
	l.closeProducers()
	for _, c := range l.consumers {
		c.halt()
	}
	close(l.tk.done)
	<-l.tickerDone
	m.EndedAt = time.Now()
	m.CPUSeconds = (ProcessCPU() - l.cpu0).Seconds()
	return errs
}

// finish fills m with what the stopped goroutines measured, what the timeline did, and
// what a replay of the topology finds.
func (l *runner) finish(ctx context.Context, m *Measurements) {
	r := l.r
	m.Interrupted = r.stopped.Load()
	stopAt := r.stopAt.Load()
	m.MeasuredSeconds = max(0, float64(stopAt-r.measure)/1e9)
	m.Intervals = l.tk.intervals
	collect(m, l.producers, l.reading, stopAt)
	if m.Backlog != nil {
		m.Backlog.finish(l.consumers, l.r.s.Workload.MessageSize)
	}
	m.Actions = l.tl.records
	analyseFaults(m.Actions, m.Intervals)
	if len(l.r.s.Actions) > 0 {
		m.Partitions = partitionReceipts(l.consumers)
	}
	if l.r.s.Replay {
		m.Replay = replay(ctx, l.d, r, l.producers, l.logf)
	}
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
