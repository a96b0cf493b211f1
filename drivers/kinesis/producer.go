package kinesis

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"streambench/drivers"
	"streambench/drivers/kinesis/kpl"
)

// entry is one Kinesis record on its way: one message, or several aggregated.
type entry struct {
	key, hashKey string // partition key; explicit hash key, or ""
	data         []byte
	msgs         []*drivers.Message
	first        time.Time // first attempt
	attempts     int
	lastErr      error
}

func (e *entry) size() int { return len(e.data) + len(e.key) }

// NewProducer starts a producer. It reads the stream's open shards first, to place
// round-robin records on a shard each and to aggregate by shard.
func (d *Driver) NewProducer(ctx context.Context, id int, ack drivers.AckFunc) (drivers.Producer, error) {
	shards, err := d.listShards(ctx)
	if err != nil {
		return nil, fmt.Errorf("producer %d: %w", id, err)
	}
	sm, err := newShardMap(shards)
	if err != nil {
		return nil, fmt.Errorf("kinesis at %s: producer %d: stream %s: %w", d.endpoint, id, d.topo.Name, err)
	}
	life, cancel := context.WithCancel(context.Background())
	p := &producer{
		d: d, set: d.set, ack: ack, shards: sm,
		in:      make(chan *drivers.Message, 1024),
		slots:   make(chan struct{}, d.set.MaxInFlight),
		drained: make(chan struct{}, 1),
		life:    life,
		cancel:  cancel,
		rng:     rand.New(rand.NewPCG(uint64(id), uint64(time.Now().UnixNano()))),
	}
	if d.set.Aggregation {
		p.aggs = make([]*aggregate, sm.len())
		for i := range p.aggs {
			p.aggs[i] = new(aggregate)
		}
	}
	p.loops.Add(1)
	if d.set.Producer == ProducePutRecord {
		go p.putEach()
	} else {
		go p.batch()
	}
	return p, nil
}

type producer struct {
	d      *Driver
	set    *Settings
	ack    drivers.AckFunc
	ackMu  sync.Mutex // the engine's AckFunc must not be called concurrently
	shards *shardMap
	rng    *rand.Rand // partition keys of unkeyed messages; used by the batcher or put loop only

	// in carries messages to the batcher or put loop; a nil message asks the batcher
	// to send what it holds (Flush), after every message sent before it.
	in    chan *drivers.Message
	slots chan struct{} // one per put call in flight
	aggs  []*aggregate  // by open shard, when aggregating

	life    context.Context // cancelled by Close: in-flight calls and retries give up
	cancel  context.CancelFunc
	loops   sync.WaitGroup // the batcher or put loop
	calls   sync.WaitGroup // put calls, retries included
	pending atomic.Int64   // messages given to Send and not yet acknowledged or failed
	// drained holds a token when pending has dropped to zero since a Flush last looked:
	// Flush waits on it instead of polling pending, which woke the process hundreds of
	// times a second for as long as a slow endpoint took to answer.
	drained chan struct{}

	putCalls, recordsPut, throttled, retried, failed atomic.Int64
}

// Send gives the message to the batcher (or the put loop); it blocks when 1024 messages
// are already waiting.
func (p *producer) Send(ctx context.Context, m *drivers.Message) {
	p.pending.Add(1)
	select {
	case p.in <- m:
	case <-ctx.Done():
		p.done([]*drivers.Message{m}, ctx.Err())
	case <-p.life.Done():
		p.done([]*drivers.Message{m}, errors.New("kinesis producer closed"))
	}
}

// newEntry makes the Kinesis record for one message. A message without a key gets a
// random partition key, as an application without a natural key does; one that asks for
// a partition gets that shard's starting hash key.
func (p *producer) newEntry(m *drivers.Message) *entry {
	e := &entry{data: m.Value, msgs: []*drivers.Message{m}}
	switch {
	case len(m.Key) > 0:
		e.key = string(m.Key)
	case m.Partition >= 0:
		e.key = "p" + strconv.Itoa(int(m.Partition))
		e.hashKey = p.shards.hashKey(m.Partition)
	default:
		e.key = strconv.FormatUint(p.rng.Uint64(), 36)
	}
	return e
}

// entryFor makes the Kinesis record for one message, or fails the message when the
// record would be over Kinesis's size limit.
func (p *producer) entryFor(m *drivers.Message) (*entry, bool) {
	e := p.newEntry(m)
	if e.size() > maxRecordBytes {
		p.done(e.msgs, fmt.Errorf("a record of %d bytes (data and partition key) is over Kinesis's limit of %d", e.size(), maxRecordBytes))
		return nil, false
	}
	return e, true
}

// shardIndex is the open shard the message goes to, by the producer's shard map.
func (p *producer) shardIndex(m *drivers.Message, e *entry) int {
	if e.hashKey != "" {
		return int(m.Partition) % p.shards.len()
	}
	return p.shards.shardOf(e.key)
}

// batch is the loop of a PutRecords producer: it collects records (aggregated or not)
// until a batch is full, the oldest waiting message has lingered long enough, or Flush
// asks, and sends each batch on a call of its own.
func (p *producer) batch() {
	defer p.loops.Done()
	// The linger timer starts with the first message held since nothing was held, so
	// that no message waits longer than linger; batches that fill up leave earlier.
	var (
		batch    []*entry
		bytes    int
		held     bool // messages are held, in batch or in aggregators
		lingerC  <-chan time.Time
		lingerTk = time.NewTimer(time.Hour)
	)
	lingerTk.Stop()
	send := func() {
		if len(batch) > 0 {
			p.dispatch(batch, p.putRecords)
			batch, bytes = nil, 0
		}
	}
	nothingHeld := func() {
		held = false
		lingerTk.Stop()
		lingerC = nil
	}
	add := func(e *entry) {
		if bytes+e.size() > p.set.BatchBytes {
			send()
		}
		batch = append(batch, e)
		bytes += e.size()
		if len(batch) == p.set.BatchRecords {
			send()
		}
	}
	sendAll := func() {
		for _, a := range p.aggs {
			if a.Len() > 0 {
				add(a.seal())
			}
		}
		send()
		nothingHeld()
	}
	for {
		select {
		case m, ok := <-p.in:
			if !ok {
				sendAll()
				return
			}
			if m == nil {
				sendAll()
				continue
			}
			e, ok := p.entryFor(m)
			if !ok {
				continue
			}
			if p.aggs != nil {
				a := p.aggs[p.shardIndex(m, e)]
				r := kpl.Record{PartitionKey: e.key, ExplicitHashKey: e.hashKey, Data: m.Value}
				if a.Len() > 0 && a.SizeWith(r)+len(a.PartitionKey()) > p.set.AggregationMaxBytes {
					add(a.seal())
				}
				a.add(r, m)
			} else {
				add(e)
			}
			switch {
			case p.set.Linger == 0:
				sendAll()
			case p.aggs == nil && len(batch) == 0:
				// The message filled a batch, which has left.
				nothingHeld()
			case !held:
				held = true
				lingerTk.Reset(p.set.Linger.D())
				lingerC = lingerTk.C
			}
		case <-lingerC:
			sendAll()
		}
	}
}

// aggregate is the records held for one shard, and their messages.
type aggregate struct {
	kpl.Aggregator
	msgs []*drivers.Message
}

func (a *aggregate) add(r kpl.Record, m *drivers.Message) {
	a.Add(r)
	a.msgs = append(a.msgs, m)
}

// seal turns what the aggregate holds into one Kinesis record, and empties it. The
// record goes where its first message would have gone.
func (a *aggregate) seal() *entry {
	e := &entry{key: a.PartitionKey(), hashKey: a.ExplicitHashKey(), data: a.Bytes(), msgs: a.msgs}
	a.msgs = nil
	a.Reset()
	return e
}

// dispatch sends a batch (one entry for PutRecord) on a call of its own, once a slot
// is free.
func (p *producer) dispatch(batch []*entry, put putFunc) {
	select {
	case p.slots <- struct{}{}:
	case <-p.life.Done():
		for _, e := range batch {
			p.done(e.msgs, errors.New("kinesis producer closed"))
		}
		return
	}
	p.calls.Add(1)
	go func() {
		defer func() { <-p.slots; p.calls.Done() }()
		p.deliver(batch, put)
	}()
}

// putEach is the loop of a PutRecord producer: up to max_in_flight calls at once, one
// message each.
func (p *producer) putEach() {
	defer p.loops.Done()
	for m := range p.in {
		if m == nil {
			continue // a flush: nothing is held here
		}
		if e, ok := p.entryFor(m); ok {
			p.dispatch([]*entry{e}, p.putRecord)
		}
	}
}

// putFunc makes one call for the entries and returns those to try again, each with its
// lastErr set; it acknowledges the others.
type putFunc func(ctx context.Context, es []*entry) (retry []*entry)

// deliver puts the entries, retrying rejected ones with a growing backoff until each is
// in or its delivery timeout has passed.
func (p *producer) deliver(es []*entry, put putFunc) {
	now := time.Now()
	for _, e := range es {
		e.first = now
	}
	backoff := p.set.RetryBackoff.D()
	for len(es) > 0 {
		es = put(p.life, es)
		if len(es) == 0 {
			return
		}
		keep := es[:0]
		for _, e := range es {
			switch {
			case p.life.Err() != nil:
				p.done(e.msgs, fmt.Errorf("kinesis producer closed: %w", e.lastErr))
			case isPermanent(errorCode(e.lastErr)):
				p.done(e.msgs, e.lastErr)
				p.failed.Add(1)
			case time.Since(e.first)+backoff > p.set.DeliveryTimeout.D():
				p.done(e.msgs, fmt.Errorf("gave up after %d attempts in %s: %w", e.attempts, p.set.DeliveryTimeout, e.lastErr))
				p.failed.Add(1)
			default:
				keep = append(keep, e)
			}
		}
		es = keep
		if len(es) == 0 {
			return
		}
		p.retried.Add(int64(len(es)))
		// Equal jitter: half the backoff, plus up to as much again at random, so that
		// producers throttled together do not retry together.
		wait := backoff/2 + rand.N(backoff/2+1)
		select {
		case <-time.After(wait):
		case <-p.life.Done():
		}
		backoff = min(2*backoff, 100*p.set.RetryBackoff.D())
	}
}

// putRecords sends the entries in one PutRecords call.
func (p *producer) putRecords(ctx context.Context, es []*entry) []*entry {
	in := &kinesis.PutRecordsInput{StreamName: p.d.stream(), Records: make([]types.PutRecordsRequestEntry, len(es))}
	for i, e := range es {
		in.Records[i] = types.PutRecordsRequestEntry{PartitionKey: aws.String(e.key), Data: e.data}
		if e.hashKey != "" {
			in.Records[i].ExplicitHashKey = aws.String(e.hashKey)
		}
		e.attempts++
	}
	p.putCalls.Add(1)
	out, err := p.d.api.PutRecords(ctx, in, noRetry)
	if err == nil && len(out.Records) != len(es) {
		err = fmt.Errorf("PutRecords answered %d results for %d records", len(out.Records), len(es))
	}
	if err != nil {
		err = fmt.Errorf("kinesis at %s: PutRecords: %w", p.d.endpoint, err)
		for _, e := range es {
			e.lastErr = err
		}
		if isThrottle(errorCode(err)) {
			p.throttled.Add(int64(len(es)))
		}
		return es
	}
	var retry []*entry
	for i, r := range out.Records {
		e := es[i]
		if r.ErrorCode == nil {
			p.recordsPut.Add(1)
			p.done(e.msgs, nil)
			continue
		}
		code := aws.ToString(r.ErrorCode)
		if isThrottle(code) {
			p.throttled.Add(1)
		}
		e.lastErr = fmt.Errorf("kinesis at %s: PutRecords rejected the record: %s: %s", p.d.endpoint, code, aws.ToString(r.ErrorMessage))
		retry = append(retry, e)
	}
	return retry
}

// putRecord sends the one entry with PutRecord.
func (p *producer) putRecord(ctx context.Context, es []*entry) []*entry {
	e := es[0]
	in := &kinesis.PutRecordInput{StreamName: p.d.stream(), PartitionKey: aws.String(e.key), Data: e.data}
	if e.hashKey != "" {
		in.ExplicitHashKey = aws.String(e.hashKey)
	}
	e.attempts++
	p.putCalls.Add(1)
	if _, err := p.d.api.PutRecord(ctx, in, noRetry); err != nil {
		e.lastErr = fmt.Errorf("kinesis at %s: PutRecord: %w", p.d.endpoint, err)
		if isThrottle(errorCode(err)) {
			p.throttled.Add(1)
		}
		return es
	}
	p.recordsPut.Add(1)
	p.done(e.msgs, nil)
	return nil
}

// done acknowledges messages (err nil) or fails them.
func (p *producer) done(msgs []*drivers.Message, err error) {
	p.ackMu.Lock()
	for _, m := range msgs {
		p.ack(m, err)
	}
	p.ackMu.Unlock()
	if p.pending.Add(-int64(len(msgs))) == 0 {
		p.signalDrained()
	}
}

// signalDrained leaves a token for Flush, unless one is already waiting.
func (p *producer) signalDrained() {
	select {
	case p.drained <- struct{}{}:
	default:
	}
}

// Flush sends what the batcher holds and waits until every message is acknowledged or
// failed.
func (p *producer) Flush(ctx context.Context) error {
	select {
	case p.in <- nil:
	case <-ctx.Done():
		return fmt.Errorf("kinesis producer: flushing: %w", ctx.Err())
	}
	// A token may be stale (pending dropped to zero, then rose again): look again.
	for p.pending.Load() > 0 {
		select {
		case <-ctx.Done():
			return fmt.Errorf("kinesis producer: %d messages still unacknowledged: %w", p.pending.Load(), ctx.Err())
		case <-p.drained:
		}
	}
	// Pass the token on, for any other Flush waiting at the same time.
	p.signalDrained()
	return nil
}

// Close fails what is not yet in and returns after the last acknowledgement.
func (p *producer) Close() {
	p.cancel()
	close(p.in)
	p.loops.Wait()
	p.calls.Wait()
}

// Counts are the producer's own counts of Kinesis records (an aggregated record counts
// once) and calls.
func (p *producer) Counts() map[string]int64 {
	return map[string]int64{
		"put_calls":         p.putCalls.Load(),
		"records_put":       p.recordsPut.Load(),
		"records_throttled": p.throttled.Load(),
		"records_retried":   p.retried.Load(),
		"records_failed":    p.failed.Load(),
	}
}
