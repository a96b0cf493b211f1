package bench

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"streambench/drivers"
)

// The actions a timeline may hold, beside the faults of faults.go: the names of their
// kinds in `do`.
const (
	ActionScale          = "scale"
	ActionRestartBroker  = "restart_broker"
	ActionStopConsumers  = "stop_consumers"
	ActionStartConsumers = "start_consumers"
)

// Scale raises the partition (shard) count of the topology.
type Scale struct {
	// Partitions is the new count, more than topology.partitions.
	Partitions int `yaml:"partitions" json:"partitions,omitempty"`
}

func (*Scale) Name() string       { return ActionScale }
func (*Scale) lasting() *Duration { return nil }
func (*Scale) fault() bool        { return false }
func (k *Scale) detail() string   { return fmt.Sprintf("to %d partitions", k.Partitions) }

func (k *Scale) check(c *timelineCheck) {
	if k.Partitions <= c.s.Topology.Partitions || k.Partitions > maxPartitions {
		c.problem(".partitions", fmt.Sprintf("a scale action needs the new count, more than topology.partitions (%d) and at most %d", c.s.Topology.Partitions, maxPartitions))
	}
}

func (k *Scale) run(ctx context.Context, tl *timeline) error {
	sc, ok := tl.d.(drivers.Scaler)
	if !ok {
		return errors.New("this driver cannot change the partition count")
	}
	return sc.Scale(ctx, k.Partitions)
}

// RestartBroker stops the broker cleanly and starts it again on its data. It is a
// fault: its effect on latency is measured.
type RestartBroker struct{}

func (*RestartBroker) Name() string         { return ActionRestartBroker }
func (*RestartBroker) lasting() *Duration   { return nil }
func (*RestartBroker) fault() bool          { return true }
func (*RestartBroker) detail() string       { return "" }
func (*RestartBroker) check(*timelineCheck) {}

func (*RestartBroker) run(ctx context.Context, tl *timeline) error {
	b, err := tl.broker()
	if err != nil {
		return err
	}
	return b.Restart(ctx, false, 0)
}

// StopConsumers closes every consumer, as a stopped application would.
type StopConsumers struct{}

func (*StopConsumers) Name() string       { return ActionStopConsumers }
func (*StopConsumers) lasting() *Duration { return nil }
func (*StopConsumers) fault() bool        { return false }
func (*StopConsumers) detail() string     { return "" }

func (*StopConsumers) check(c *timelineCheck) {
	if !c.consumersDuringLoad() {
		return
	}
	if c.stopped {
		c.problem(".do", "the consumers are already stopped")
	}
	c.stopped = true
}

func (*StopConsumers) run(_ context.Context, tl *timeline) error {
	for _, c := range tl.consumers {
		c.halt()
		c.close()
	}
	return nil
}

// StartConsumers starts new consumers in place of those a StopConsumers stopped.
type StartConsumers struct{}

func (*StartConsumers) Name() string       { return ActionStartConsumers }
func (*StartConsumers) lasting() *Duration { return nil }
func (*StartConsumers) fault() bool        { return false }
func (*StartConsumers) detail() string     { return "" }

func (*StartConsumers) check(c *timelineCheck) {
	if !c.consumersDuringLoad() {
		return
	}
	if !c.stopped {
		c.problem(".do", "start_consumers needs a stop_consumers before it")
	}
	c.stopped = false
}

func (*StartConsumers) run(ctx context.Context, tl *timeline) error { return tl.startConsumers(ctx) }

// ScaleTime multiplies the scenario's duration, warm-up and action times by x (to the
// millisecond), keeping the drain: the same run, shorter or longer. The actions are
// new values, shared with no other scenario.
func (s *Scenario) ScaleTime(x float64) {
	scale := func(d Duration) Duration {
		return Duration(time.Duration(float64(d.D()) * x).Round(time.Millisecond))
	}
	s.Duration, s.Warmup = max(scale(s.Duration), Duration(time.Millisecond)), scale(s.Warmup)
	if st := s.Workload.Rate.Stages; st != nil {
		// A shape keeps its rates and takes the scaled time; the duration stays its total.
		stages := make([]Stage, len(st))
		for i, x := range st {
			x.For = max(scale(Duration(x.For)), Duration(time.Millisecond)).D()
			stages[i] = x
		}
		s.Workload.Rate.Stages = stages
		s.Duration = Duration(s.Workload.Rate.total())
	}
	if s.Actions == nil {
		return
	}
	actions := make([]Action, len(s.Actions))
	for i, a := range s.Actions {
		a = deepCopy(reflect.ValueOf(a)).Interface().(Action)
		a.At = scale(a.At)
		if d := a.lasting(); d != nil {
			*d = scale(*d)
		}
		actions[i] = a
	}
	s.Actions = actions
}

// timelineCheck walks a scenario's timeline for checkActions: each action's check sees
// the scenario, where the action is, and the state the actions before it left.
type timelineCheck struct {
	s      *Scenario
	path   string // of the action: "actions[2]"
	report func(path, msg string)
	// stopped says that a stop_consumers stopped the consumers, and no start_consumers
	// has started them again.
	stopped bool
}

// problem reports msg about field of the action ("" for the action itself, ".for").
func (c *timelineCheck) problem(field, msg string) { c.report(c.path+field, msg) }

// consumersDuringLoad says whether the load has consumers for an action to act on, and
// reports the action when it has none.
func (c *timelineCheck) consumersDuringLoad() bool {
	if w := c.s.Workload; w.Consumers == 0 || w.Consume == ConsumeAfter {
		c.problem(".do", "there are no consumers during the load to act on (workload.consumers: 0, or workload.consume: after)")
		return false
	}
	return true
}

// checkFor reports a `for` of the kind name that is negative, or missing where needed.
func (c *timelineCheck) checkFor(name string, d Duration, needed bool) {
	switch {
	case d < 0:
		c.problem(".for", "must not be negative")
	case d == 0 && needed:
		c.problem(".for", fmt.Sprintf("%s needs `for`: how long the fault lasts", name))
	}
}

// checkActions reports each action that cannot be done as written.
func (s *Scenario) checkActions(report func(path, msg string)) {
	end := s.Warmup.D() + s.Duration.D()
	c := &timelineCheck{s: s, report: report}
	var last time.Duration // when the previous action ends, at the earliest
	for i, a := range s.Actions {
		c.path = fmt.Sprintf("actions[%d]", i)
		lasts := a.For()
		if d := a.At.D(); d < 0 || d >= end {
			c.problem(".at", fmt.Sprintf("must be from 0s to before the load ends (warm-up + duration = %s)", Duration(end)))
		} else if d < last {
			c.problem(".at", fmt.Sprintf("actions run one after another, in time order: %s comes before the previous one ends (%s)", a.At, Duration(last)))
		} else {
			last = d + max(lasts.D(), 0)
		}
		if lasts > 0 && a.At.D()+lasts.D() >= end {
			c.problem(".for", fmt.Sprintf("the fault must end before the load does (at %s + %s, the load ends at %s), so that the recovery is measured", a.At, lasts, Duration(end)))
		}
		if a.Do == nil {
			c.problem(".do", unknownAction(""))
			continue
		}
		a.Do.check(c)
	}
	if c.stopped {
		report("actions", "the consumers are stopped and never started again: the run could not receive what was sent after")
	}
}

// Probe is one question a run asked the broker about its fresh topology, with the
// broker's answer: what retention it reports, whether it accepts another, what
// encryption a stream has. Probes are asked after the topology is created and before
// the load starts.
type Probe struct {
	// Name is the probe as the scenario wrote it: "retention", "set_retention 8760h",
	// "encryption".
	Name string `json:"name"`
	// Value is the numeric answer: a retention in hours (-1: no time limit); for a
	// set_retention probe 1 when the broker accepted the change, 0 when it refused; for
	// encryption 1 when the broker encrypts the messages at rest, else 0.
	Value *float64 `json:"value,omitempty"`
	// Answer is the answer as text: "24h", "NONE", or the broker's refusal.
	Answer string `json:"answer"`
	// By says who answered: "broker", or "client" where the API cannot express the
	// question (Kinesis has no unlimited retention to ask for).
	By string `json:"by"`
}

// ActionRecord is one action of the scenario's timeline as it happened.
type ActionRecord struct {
	// Do is the action ("scale", "restart_broker", "stop_consumers", "start_consumers")
	// and Detail what it was asked to do ("to 8 partitions").
	Do     string `json:"do"`
	Detail string `json:"detail,omitempty"`
	// AtS is when it started, and TookS how long it took, in seconds since the first
	// send (warm-up included), on the same clock as the intervals.
	AtS   float64 `json:"at_s"`
	TookS float64 `json:"took_s"`
	// Error is why it failed, if it did.
	Error string `json:"error,omitempty"`
	// Effect is, for a fault, what it did to latency; its window is AtS to AtS+TookS.
	Effect *FaultEffect `json:"effect,omitempty"`
}

// The probes a scenario may ask for.
const (
	probeRetention    = "retention"
	probeSetRetention = "set_retention"
	probeEncryption   = "encryption"
)

// probe is a parsed probe: what to ask, and for set_retention the retention to ask for.
type probe struct {
	kind      string
	retention Retention
}

// parseProbe reads "retention", "encryption" or "set_retention DURATION|unlimited".
func parseProbe(spec string) (probe, error) {
	f := strings.Fields(spec)
	switch {
	case len(f) == 1 && (f[0] == probeRetention || f[0] == probeEncryption):
		return probe{kind: f[0]}, nil
	case len(f) == 2 && f[0] == probeSetRetention:
		r, err := ParseRetention(f[1])
		if err != nil || r == (Retention{}) {
			return probe{}, fmt.Errorf("set_retention takes a duration such as 8760h, or unlimited, not %q", f[1])
		}
		return probe{kind: f[0], retention: r}, nil
	}
	return probe{}, fmt.Errorf("unknown probe %q: want retention, encryption, or set_retention followed by a duration or unlimited", spec)
}

// askProbes asks d each probe in turn, in the order given (a set_retention changes what
// a later retention reads). A probe the driver cannot answer is recorded as such; an
// error of the broker is its answer.
func askProbes(ctx context.Context, d drivers.Driver, specs []string) []Probe {
	var out []Probe
	for _, spec := range specs {
		p, err := parseProbe(spec)
		if err != nil {
			out = append(out, Probe{Name: spec, Answer: err.Error(), By: "client"})
			continue
		}
		out = append(out, ask(ctx, d, spec, p))
	}
	return out
}

func ask(ctx context.Context, d drivers.Driver, name string, p probe) Probe {
	pr := Probe{Name: name, By: "broker"}
	number := func(v float64) *float64 { return &v }
	switch p.kind {
	case probeRetention, probeSetRetention:
		rc, ok := d.(drivers.RetentionController)
		if !ok {
			pr.Answer, pr.By = "this driver has no retention", "client"
			return pr
		}
		if p.kind == probeSetRetention {
			if err := rc.SetRetention(ctx, p.retention.Duration()); err != nil {
				pr.Value, pr.Answer = number(0), "refused: "+err.Error()
				if errors.Is(err, drivers.ErrUnsupported) {
					pr.By = "client"
				}
				return pr
			}
			pr.Value = number(1)
		}
		r, err := rc.Retention(ctx)
		switch {
		case err != nil:
			pr.Answer = "could not read the retention: " + err.Error()
		case p.kind == probeSetRetention:
			pr.Answer = "accepted; now " + retentionText(r)
		default:
			pr.Value, pr.Answer = number(retentionHours(r)), retentionText(r)
		}
	case probeEncryption:
		er, ok := d.(drivers.EncryptionReporter)
		if !ok {
			pr.Answer, pr.By = "this driver cannot say", "client"
			return pr
		}
		atRest, detail, err := er.Encryption(ctx)
		if err != nil {
			pr.Answer = "could not tell: " + err.Error()
			return pr
		}
		pr.Answer = detail
		if atRest {
			pr.Value = number(1)
		} else {
			pr.Value = number(0)
		}
	}
	return pr
}

// retentionHours is r in hours, -1 for no time limit.
func retentionHours(r time.Duration) float64 {
	if r < 0 {
		return -1
	}
	return r.Hours()
}

func retentionText(r time.Duration) string {
	if r < 0 {
		return "unlimited"
	}
	return Duration(r).String()
}

// PartitionReceipt is what one partition (shard) delivered during a run.
type PartitionReceipt struct {
	Partition int32 `json:"partition"`
	// FirstS is when its first message arrived, in seconds since the first send.
	FirstS   float64 `json:"first_s"`
	Received int64   `json:"received"`
}

// notePartition counts a delivery from partition at now.
func (c *consumer) notePartition(partition int32, now int64) {
	p := int(max(partition, 0))
	if p >= len(c.firstSeen) {
		c.firstSeen = append(c.firstSeen, make([]int64, p+1-len(c.firstSeen))...)
		c.perPartition = append(c.perPartition, make([]int64, p+1-len(c.perPartition))...)
	}
	if c.firstSeen[p] == 0 {
		c.firstSeen[p] = now + 1
	}
	c.perPartition[p]++
}

// partitionReceipts merges the consumers' per-partition records: the earliest first
// delivery and the sum of deliveries, duplicates included.
func partitionReceipts(consumers []*consumer) []PartitionReceipt {
	var first, count []int64
	for _, c := range consumers {
		for p, at := range c.firstSeen {
			if p >= len(first) {
				first = append(first, make([]int64, p+1-len(first))...)
				count = append(count, make([]int64, p+1-len(count))...)
			}
			if at != 0 && (first[p] == 0 || at < first[p]) {
				first[p] = at
			}
			count[p] += c.perPartition[p]
		}
	}
	var out []PartitionReceipt
	for p, at := range first {
		if at != 0 {
			out = append(out, PartitionReceipt{Partition: int32(p), FirstS: float64(at-1) / 1e9, Received: count[p]})
		}
	}
	return out
}

// timeline carries out a scenario's actions on the run's clock.
type timeline struct {
	r            *run
	d            drivers.Driver
	opts         Options
	consumers    []*consumer
	cctx         context.Context // the consumers' context, for those started again
	readyTimeout time.Duration
	logf         func(string, ...any)
	records      []ActionRecord
	// baseline is the end-to-end p99 of what has been received so far, in ms.
	baseline func() float64
	// note is what the action under way found worth adding to its record.
	note string
}

// run does each action at its time, until the load stops; an action the load's end
// comes before is recorded as not done.
func (tl *timeline) run(ctx context.Context, actions []Action) {
	for _, a := range actions {
		rec := ActionRecord{Do: a.name(), Detail: a.detail()}
		wait := time.NewTimer(time.Until(tl.r.t0.Add(a.At.D())))
		select {
		case <-wait.C:
		case <-tl.r.stop:
			wait.Stop()
			rec.AtS, rec.Error = float64(tl.r.now())/1e9, "not done: the load stopped first"
			tl.records = append(tl.records, rec)
			continue
		}
		if a.fault() {
			rec.Effect = &FaultEffect{BaselineP99Ms: tl.baseline()}
		}
		start := tl.r.now()
		tl.logf("action at %s: %s %s", a.At, rec.Do, rec.Detail)
		tl.note = ""
		err := tl.do(ctx, a)
		rec.AtS, rec.TookS = float64(start)/1e9, float64(tl.r.now()-start)/1e9
		if tl.note != "" {
			rec.Detail = strings.TrimSpace(rec.Detail + " (" + tl.note + ")")
		}
		if err != nil {
			rec.Error = err.Error()
			tl.logf("action %s failed: %v", rec.Do, err)
		}
		tl.records = append(tl.records, rec)
	}
}

// startConsumers puts a new driver consumer behind each stopped consumer and starts it.
func (tl *timeline) startConsumers(ctx context.Context) error {
	rctx, cancel := context.WithTimeout(ctx, tl.readyTimeout)
	defer cancel()
	for i, c := range tl.consumers {
		nc, err := tl.d.NewConsumer(ctx, i)
		if err != nil {
			return fmt.Errorf("starting consumer %d: %w", i, err)
		}
		c.c, c.closed = nc, false
		if err := nc.WaitReady(rctx); err != nil {
			return fmt.Errorf("waiting for consumer %d to be ready: %w", i, err)
		}
		c.start(tl.cctx)
	}
	return nil
}

// do carries out one action.
func (tl *timeline) do(ctx context.Context, a Action) error {
	if a.Do == nil {
		return fmt.Errorf("unknown action %q", "")
	}
	return a.Do.run(ctx, tl)
}

// Replay is what a new reader found when it read the whole topology again, from its
// oldest message, after the run.
type Replay struct {
	// Read counts the messages of this run it read, Distinct the different ones.
	Read     int64 `json:"read"`
	Distinct int64 `json:"distinct"`
	// Missing counts acknowledged messages it did not read.
	Missing int64 `json:"missing"`
	// Seconds is how long the replay took.
	Seconds float64 `json:"seconds"`
	// Error is why the replay stopped early, if it did.
	Error string `json:"error,omitempty"`
}

// replayTimeout bounds a replay: reading back is as fast as reading, or the broker is
// in trouble.
const replayTimeout = 2 * time.Minute

// replay reads the topology again through d and reconciles what it read with what the
// producers had acknowledged.
func replay(ctx context.Context, d drivers.Driver, r *run, producers []*producer, logf func(string, ...any)) *Replay {
	rp, ok := d.(drivers.Replayer)
	if !ok {
		return &Replay{Error: "this driver cannot read its topology again"}
	}
	logf("reading the topology again from its start")
	var t tracker
	var out Replay
	start := time.Now()
	rctx, cancel := context.WithTimeout(ctx, replayTimeout)
	defer cancel()
	err := rp.Replay(rctx, func(v []byte, partition int32, _ int64) {
		if env, err := ReadEnvelope(v); err == nil && env.Run == r.id {
			out.Read++
			t.observe(env.Producer, env.Seq, partition)
		}
	})
	out.Seconds = time.Since(start).Seconds()
	if err != nil {
		out.Error = err.Error()
	}
	acked := make([]bitset, len(producers))
	for i, p := range producers {
		acked[i] = p.ackedSet
	}
	in := reconcile(acked, []*tracker{&t})
	out.Distinct, out.Missing = in.Received, in.Lost
	logf("replay read %d messages (%d distinct), %d acknowledged ones missing, in %.1fs", out.Read, out.Distinct, out.Missing, out.Seconds)
	return &out
}
