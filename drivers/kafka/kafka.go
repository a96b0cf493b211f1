// Package kafka is the driver for brokers that speak the Kafka protocol (Apache Kafka,
// Redpanda, MSK, …), on franz-go. Each producer and each consumer is a client of its
// own, as separate application instances would be; consumers share one consumer group.
package kafka

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"streambench/drivers"
)

// Registration is the Kafka driver's entry for a drivers.Registry.
var Registration = drivers.Registration{
	Name:        "kafka",
	NewSettings: func() drivers.Settings { return NewSettings() },
	Open:        Open,
}

// setupTimeout bounds topic creation and deletion, so that a wrong address fails in
// seconds rather than after the client's own retries.
const setupTimeout = 15 * time.Second

// Driver is one connection to a Kafka cluster for one run.
type Driver struct {
	seeds []string
	// conn are the client options every client of the driver shares: seeds and security.
	conn []kgo.Opt
	// security describes conn for reports ("plaintext", "TLS …").
	security string
	// overTLS is set when the clients dial through TLS, which franz-go does itself: then
	// consumers cannot be killed (see killSwitch).
	overTLS bool
	set     *Settings
	topo    drivers.Topology
	group   string
	admin   *kadm.Client
	cl      *kgo.Client
	reach   *reach // how the admin client's connections fare

	mu        sync.Mutex
	consumers int
	grouped   bool // a consumer was started: the group may exist
}

// Open connects to the cluster at cfg.Address (comma-separated host:port list). It does
// not talk to the cluster yet; Setup does.
func Open(_ context.Context, cfg drivers.Config) (drivers.Driver, error) {
	set, ok := cfg.Settings.(*Settings)
	if !ok || set == nil {
		set = NewSettings()
	}
	seeds := strings.Split(cfg.Address, ",")
	sec, ok := cfg.Connection.(*Security)
	if cfg.Connection != nil && !ok {
		return nil, fmt.Errorf("kafka at %s: connection settings of type %T, want *kafka.Security", cfg.Address, cfg.Connection)
	}
	secOpts, err := sec.opts()
	if err != nil {
		return nil, fmt.Errorf("kafka at %s: %w", cfg.Address, err)
	}
	conn := append([]kgo.Opt{kgo.SeedBrokers(seeds...), kgo.MetadataMaxAge(set.MetadataMaxAge.D())}, secOpts...)
	seen := &reach{seeds: seeds}
	cl, err := kgo.NewClient(append(slices.Clip(conn), kgo.ClientID("streambench-admin"), kgo.WithHooks(seen))...)
	if err != nil {
		return nil, fmt.Errorf("kafka at %s: %w", cfg.Address, err)
	}
	return &Driver{
		seeds:    seeds,
		conn:     conn,
		security: sec.String(),
		overTLS:  sec != nil && (sec.Protocol == SSL || sec.Protocol == SASLSSL),
		set:      set,
		topo:     cfg.Topology,
		group:    cfg.Topology.Name + "-group",
		admin:    kadm.NewClient(cl),
		cl:       cl,
		reach:    seen,
	}, nil
}

func (d *Driver) addr() string { return strings.Join(d.seeds, ",") }

// Broker asks the cluster which Kafka version its API matches best.
func (d *Driver) Broker(ctx context.Context) (drivers.BrokerInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, brokerTimeout)
	defer cancel()
	vs, err := d.admin.ApiVersions(ctx)
	if err != nil {
		return drivers.BrokerInfo{}, fmt.Errorf("kafka at %s: asking for API versions: %w", d.addr(), d.reach.explain(err))
	}
	for _, v := range vs.Sorted() {
		if v.Err == nil {
			return drivers.BrokerInfo{Product: "Kafka protocol", Version: v.VersionGuess()}, nil
		}
	}
	return drivers.BrokerInfo{Product: "Kafka protocol", Version: "unknown"}, nil
}

// Setup creates the topic.
func (d *Driver) Setup(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, setupTimeout)
	defer cancel()
	configs := map[string]*string{}
	if r := d.topo.Retention; r != 0 {
		ms := "-1"
		if r > 0 {
			ms = strconv.FormatInt(r.Milliseconds(), 10)
		}
		configs["retention.ms"] = &ms
	}
	_, err := d.admin.CreateTopic(ctx, int32(d.topo.Partitions), int16(d.topo.Replication), configs, d.topo.Name)
	if err != nil {
		return fmt.Errorf("kafka at %s: creating topic %s (%d partitions, replication %d): %w",
			d.addr(), d.topo.Name, d.topo.Partitions, d.topo.Replication, err)
	}
	// Creation returns before every partition has a leader; wait for them, so that the
	// first messages do not pay for the topic's birth.
	return d.waitLeaders(ctx, d.topo.Partitions)
}

// waitLeaders waits until the topic has n partitions, each with a leader.
func (d *Driver) waitLeaders(ctx context.Context, n int) error {
	for {
		td, err := d.admin.ListTopics(ctx, d.topo.Name)
		if err == nil {
			t := td[d.topo.Name]
			ready := t.Err == nil && len(t.Partitions) == n
			for _, p := range t.Partitions {
				ready = ready && p.Err == nil && p.Leader >= 0
			}
			if ready {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("kafka at %s: topic %s has no leader for each of %d partitions: %w", d.addr(), d.topo.Name, n, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Teardown deletes the topic and the consumer group.
func (d *Driver) Teardown(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, setupTimeout)
	defer cancel()
	if _, err := d.admin.DeleteTopic(ctx, d.topo.Name); err != nil {
		return fmt.Errorf("kafka at %s: deleting topic %s: %w", d.addr(), d.topo.Name, err)
	}
	// A run whose consumers never joined (none asked for, or interrupted first) has no
	// group to delete. Without any consumer, a broker that never had a group may not
	// even have a coordinator to ask.
	d.mu.Lock()
	grouped := d.grouped
	d.mu.Unlock()
	if !grouped {
		return nil
	}
	if _, err := d.admin.DeleteGroup(ctx, d.group); err != nil && !errors.Is(err, kerr.GroupIDNotFound) {
		return fmt.Errorf("kafka at %s: deleting consumer group %s: %w", d.addr(), d.group, err)
	}
	return nil
}

// Close closes the admin client.
func (d *Driver) Close() { d.cl.Close() }

func (d *Driver) produceOpts() []kgo.Opt {
	s := d.set
	opts := append(slices.Clip(d.conn),
		kgo.DefaultProduceTopic(d.topo.Name),
		kgo.ProducerLinger(s.Linger.D()),
		kgo.ProducerBatchMaxBytes(int32(s.BatchMaxBytes)),
		kgo.RecordDeliveryTimeout(s.DeliveryTimeout.D()),
		kgo.RecordPartitioner(hintPartitioner{kgo.StickyKeyPartitioner(nil)}),
		kgo.RequiredAcks(acksByName[s.Acks]),
		kgo.ProducerBatchCompression(compressionByName[s.Compression]),
	)
	if !s.Idempotence {
		// With idempotence franz-go always keeps 5 requests in flight (Validate insists).
		opts = append(opts, kgo.DisableIdempotentWrite(), kgo.MaxProduceRequestsInflightPerBroker(s.MaxInFlight))
	}
	return opts
}

// NewProducer starts a producer client.
func (d *Driver) NewProducer(_ context.Context, id int, ack drivers.AckFunc) (drivers.Producer, error) {
	counts := new(produceCounts)
	opts := append(d.produceOpts(), kgo.ClientID("streambench-producer-"+strconv.Itoa(id)), kgo.WithHooks(counts))
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("kafka at %s: producer %d: %w", d.addr(), id, err)
	}
	p := &producer{cl: cl, ack: ack, counts: counts}
	p.promise = p.onAck
	return p, nil
}

// outRecord carries one message through franz-go: the record, and a context that leads
// from the record back to the message in the promise. It is one allocation per message
// and never reused: franz-go may still look at a record's context after its promise.
type outRecord struct {
	rec kgo.Record
	ctx recordCtx
}

type recordCtx struct {
	context.Context
	m *drivers.Message
}

type producer struct {
	cl      *kgo.Client
	ack     drivers.AckFunc
	counts  *produceCounts
	promise func(*kgo.Record, error)
	// unacked counts messages whose promise has not run yet: franz-go fails buffered
	// records on Close but runs their promises on a goroutine of its own.
	unacked sync.WaitGroup
}

func (p *producer) Send(ctx context.Context, m *drivers.Message) {
	o := &outRecord{ctx: recordCtx{Context: ctx, m: m}}
	o.rec = kgo.Record{Value: m.Value, Partition: m.Partition, Context: &o.ctx}
	if len(m.Key) > 0 {
		o.rec.Key = m.Key
	}
	p.unacked.Add(1)
	p.cl.Produce(ctx, &o.rec, p.promise)
}

func (p *producer) onAck(r *kgo.Record, err error) {
	p.ack(r.Context.(*recordCtx).m, err)
	p.unacked.Done()
}

func (p *producer) Flush(ctx context.Context) error { return p.cl.Flush(ctx) }

// Close fails what is still buffered and waits for the last promise.
func (p *producer) Close() {
	p.cl.Close()
	p.unacked.Wait()
}

// Counts are what the producer's client sent: produce requests, record batches and
// their bytes (after compression), and the times a broker asked it to slow down.
func (p *producer) Counts() map[string]int64 {
	return map[string]int64{
		"produce_requests": p.counts.requests.Load(),
		"batches":          p.counts.batches.Load(),
		"batch_bytes":      p.counts.bytes.Load(),
		"throttles":        p.counts.throttles.Load(),
	}
}

// produceCounts counts through franz-go's hooks, which it calls from its own
// goroutines.
type produceCounts struct {
	requests, batches, bytes, throttles atomic.Int64
}

// produceKey is the Kafka API key of Produce requests.
const produceKey = 0

func (c *produceCounts) OnBrokerWrite(_ kgo.BrokerMetadata, key int16, _ int, _, _ time.Duration, err error) {
	if key == produceKey && err == nil {
		c.requests.Add(1)
	}
}

func (c *produceCounts) OnProduceBatchWritten(_ kgo.BrokerMetadata, _ string, _ int32, m kgo.ProduceBatchMetrics) {
	c.batches.Add(1)
	c.bytes.Add(int64(m.CompressedBytes))
}

func (c *produceCounts) OnBrokerThrottle(kgo.BrokerMetadata, time.Duration, bool) { c.throttles.Add(1) }

// hintPartitioner sends a record to the partition the engine asked for (round-robin
// keys), and leaves every other record to the wrapped partitioner.
type hintPartitioner struct{ kgo.Partitioner }

func (h hintPartitioner) ForTopic(t string) kgo.TopicPartitioner {
	return hintTopic{h.Partitioner.ForTopic(t)}
}

type hintTopic struct{ kgo.TopicPartitioner }

func (h hintTopic) RequiresConsistency(r *kgo.Record) bool {
	return r.Partition >= 0 || h.TopicPartitioner.RequiresConsistency(r)
}

func (h hintTopic) Partition(r *kgo.Record, n int) int {
	if r.Partition >= 0 {
		return int(r.Partition) % n
	}
	return h.TopicPartitioner.Partition(r, n)
}

// OnNewBatch passes the event on: the sticky partitioner moves on to another partition
// for unkeyed records when a batch is full.
func (h hintTopic) OnNewBatch() {
	if nb, ok := h.TopicPartitioner.(kgo.TopicPartitionerOnNewBatch); ok {
		nb.OnNewBatch()
	}
}

// NewConsumer starts a member of the run's consumer group.
// Over plaintext it can be killed (drivers.Killer).
func (d *Driver) NewConsumer(_ context.Context, id int) (drivers.Consumer, error) {
	opts := append(slices.Clip(d.conn),
		kgo.ClientID("streambench-consumer-"+strconv.Itoa(id)),
		kgo.ConsumerGroup(d.group),
		kgo.ConsumeTopics(d.topo.Name),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(d.set.FetchMaxWait.D()),
		kgo.FetchMinBytes(int32(d.set.FetchMinBytes)),
		kgo.SessionTimeout(d.set.SessionTimeout.D()),
	)
	var ks *killSwitch
	if !d.overTLS {
		ks = new(killSwitch)
		opts = append(opts, kgo.Dialer(ks.dial))
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("kafka at %s: consumer %d: %w", d.addr(), id, err)
	}
	d.mu.Lock()
	d.consumers++
	d.grouped = true
	d.mu.Unlock()
	c := &consumer{d: d, cl: cl}
	if ks != nil {
		return &killableConsumer{consumer: c, ks: ks}, nil
	}
	return c, nil
}

// killableConsumer is a consumer whose connections all go through a kill switch.
type killableConsumer struct {
	*consumer
	ks *killSwitch
}

// Kill cuts every connection of the consumer and lets it make no new one, as the death
// of its process would: it commits nothing more and does not leave its group, whose
// coordinator notices only when the member's session times out (session_timeout). The
// client itself is then closed in the background, unable to reach anyone.
func (k *killableConsumer) Kill() {
	k.ks.kill()
	go k.cl.Close()
	k.d.mu.Lock()
	k.d.consumers--
	k.d.mu.Unlock()
}

// killSwitch dials a client's connections and can close them all at once, refusing any
// new one after.
type killSwitch struct {
	dialer net.Dialer
	mu     sync.Mutex
	dead   bool
	conns  []net.Conn
}

var errKilled = errors.New("consumer killed")

func (k *killSwitch) dial(ctx context.Context, network, host string) (net.Conn, error) {
	if k.isDead() {
		return nil, errKilled
	}
	c, err := k.dialer.DialContext(ctx, network, host)
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.dead {
		c.Close()
		return nil, errKilled
	}
	k.conns = append(k.conns, c)
	return c, nil
}

func (k *killSwitch) isDead() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.dead
}

func (k *killSwitch) kill() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.dead = true
	for _, c := range k.conns {
		c.Close()
	}
	k.conns = nil
}

type consumer struct {
	d     *Driver
	cl    *kgo.Client
	early []kgo.Fetches // fetched while waiting to be ready, not yet delivered
}

// WaitReady waits until the group is stable, has every consumer started so far as a
// member, and has every partition assigned.
func (c *consumer) WaitReady(ctx context.Context) error {
	d := c.d
	d.mu.Lock()
	want := d.consumers
	d.mu.Unlock()
	// The group is joined and rebalanced as the members poll, so poll while asking the
	// coordinator; anything fetched meanwhile is kept for the first Poll.
	var last string
	for {
		pctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		if fs := c.cl.PollFetches(pctx); fs.NumRecords() > 0 {
			c.early = append(c.early, fs)
		}
		cancel()
		gs, err := d.admin.DescribeGroups(ctx, d.group)
		if err != nil {
			last = err.Error()
		} else {
			g := gs[d.group]
			assigned := 0
			g.AssignedPartitions().Each(func(string, int32) { assigned++ })
			if g.State == "Stable" && len(g.Members) == want && assigned == d.topo.Partitions {
				return nil
			}
			last = fmt.Sprintf("group %s is %s with %d of %d members and %d of %d partitions assigned",
				d.group, g.State, len(g.Members), want, assigned, d.topo.Partitions)
		}
		if ctx.Err() != nil {
			return fmt.Errorf("kafka at %s: %s: %w", d.addr(), last, ctx.Err())
		}
	}
}

func (c *consumer) Poll(ctx context.Context, fn drivers.DeliverFunc) error {
	var fs kgo.Fetches
	if len(c.early) > 0 {
		fs, c.early = c.early[0], c.early[1:]
	} else {
		fs = c.cl.PollFetches(ctx)
	}
	if fs.IsClientClosed() {
		return errors.New("kafka consumer closed")
	}
	var first error
	fs.EachError(func(t string, p int32, err error) {
		switch {
		case first != nil, errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		case t == "": // an error of the client, not of one partition
			first = fmt.Errorf("kafka at %s: consuming: %w", c.d.addr(), err)
		default:
			first = fmt.Errorf("kafka at %s: fetching %s/%d: %w", c.d.addr(), t, p, err)
		}
	})
	fs.EachPartition(func(p kgo.FetchTopicPartition) {
		for _, r := range p.Records {
			fn(r.Value, p.Partition, r.Offset)
		}
	})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return first
}

// Close leaves the group. A broker that has gone away could hold that up; it is
// bounded so that a run always ends.
func (c *consumer) Close() {
	done := make(chan struct{})
	go func() { c.cl.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
	}
	// A member started in its place (a restarted instance) waits for this many.
	c.d.mu.Lock()
	c.d.consumers--
	c.d.mu.Unlock()
}
