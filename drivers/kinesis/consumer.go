package kinesis

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"streambench/drivers"
	"streambench/drivers/kinesis/kpl"
)

// position is where a shard reader starts: one of the five kinds of GetShardIterator.
type position struct {
	kind types.ShardIteratorType
	seq  string    // AT_ and AFTER_SEQUENCE_NUMBER
	at   time.Time // AT_TIMESTAMP
}

func (p position) String() string {
	switch p.kind {
	case types.ShardIteratorTypeAtSequenceNumber, types.ShardIteratorTypeAfterSequenceNumber:
		return string(p.kind) + " " + p.seq
	case types.ShardIteratorTypeAtTimestamp:
		return string(p.kind) + " " + p.at.Format(time.RFC3339Nano)
	}
	return string(p.kind)
}

// after is the position just after a record that has been read.
func after(seq string) position {
	return position{kind: types.ShardIteratorTypeAfterSequenceNumber, seq: seq}
}

func (p position) iteratorInput(stream, shard string) *kinesis.GetShardIteratorInput {
	in := &kinesis.GetShardIteratorInput{StreamName: aws.String(stream), ShardId: aws.String(shard), ShardIteratorType: p.kind}
	if p.seq != "" {
		in.StartingSequenceNumber = aws.String(p.seq)
	}
	if !p.at.IsZero() {
		in.Timestamp = aws.Time(p.at)
	}
	return in
}

func (p position) startingPosition() *types.StartingPosition {
	sp := &types.StartingPosition{Type: types.ShardIteratorType(p.kind)}
	if p.seq != "" {
		sp.SequenceNumber = aws.String(p.seq)
	}
	if !p.at.IsZero() {
		sp.Timestamp = aws.Time(p.at)
	}
	return sp
}

// startPosition is where the consumers read the shards that exist when they start.
// Shards born of a reshard are always read from their start.
func (s *Settings) startPosition(now time.Time) position {
	switch s.Iterator {
	case IteratorLatest:
		return position{kind: types.ShardIteratorTypeLatest}
	case IteratorAtTimestamp:
		return position{kind: types.ShardIteratorTypeAtTimestamp, at: now}
	}
	return position{kind: types.ShardIteratorTypeTrimHorizon}
}

// batch is what one read of one shard brought: records, or an error to report.
type batch struct {
	shard   int32
	records []types.Record
	err     error
}

// NewConsumer starts consumer number id. Its readers start in WaitReady, once every
// consumer of the run exists, so that the shards are shared between all of them.
func (d *Driver) NewConsumer(_ context.Context, id int) (drivers.Consumer, error) {
	d.mu.Lock()
	d.consumers++
	d.mu.Unlock()
	life, cancel := context.WithCancel(context.Background())
	return &consumer{d: d, id: id, out: make(chan batch, 16), life: life, cancel: cancel}, nil
}

type consumer struct {
	d    *Driver
	id   int
	out  chan batch
	life context.Context // cancelled by Close
	// cancel stops the readers.
	cancel  context.CancelFunc
	readers sync.WaitGroup
	started bool

	calls, throttled, retried, subscriptions, aggregated atomic.Int64
	quota                                                quotaWaits
}

// tracker returns the run's shard tracker, listing the shards on first use.
func (d *Driver) tracker(ctx context.Context) (*shardTracker, int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.shards == nil {
		shards, err := d.listShards(ctx)
		if err != nil {
			return nil, 0, err
		}
		d.shards = newShardTracker(shards)
	}
	return d.shards, d.consumers, nil
}

// WaitReady starts a reader for each of the consumer's shards and returns once each has
// its position (an iterator, or a subscription), so that every record put from then on
// will be read.
func (c *consumer) WaitReady(ctx context.Context) error {
	if c.started {
		return nil
	}
	t, of, err := c.d.tracker(ctx)
	if err != nil {
		return err
	}
	var efo *efoConsumer
	if c.d.set.Consumer == ConsumeEFO {
		if efo, err = c.d.efoConsumer(ctx); err != nil {
			return err
		}
	}
	c.started = true
	start := c.d.set.startPosition(time.Now())
	shards, changed := t.claim(c.id, of)
	// Room for every reader's answer, so that none blocks if WaitReady gives up early.
	positioned := make(chan error, len(shards))
	for _, s := range shards {
		c.startReader(s, start, efo, positioned)
	}
	for range shards {
		select {
		case err := <-positioned:
			if err != nil {
				return err
			}
		case <-ctx.Done():
			return fmt.Errorf("kinesis at %s: consumer %d: positioning its shard readers: %w", c.d.endpoint, c.id, ctx.Err())
		}
	}
	// Children of shards read to their end are claimed as they appear.
	c.readers.Add(1)
	go func() {
		defer c.readers.Done()
		for {
			select {
			case <-changed:
			case <-c.life.Done():
				return
			}
			var shards []*trackedShard
			shards, changed = t.claim(c.id, of)
			for _, s := range shards {
				c.startReader(s, position{kind: types.ShardIteratorTypeTrimHorizon}, efo, nil)
			}
		}
	}()
	return nil
}

// startReader starts reading one shard; positioned (if not nil) hears once whether the
// reader got its start position.
func (c *consumer) startReader(s *trackedShard, from position, efo *efoConsumer, positioned chan<- error) {
	if !s.initial {
		from = position{kind: types.ShardIteratorTypeTrimHorizon}
	}
	c.readers.Add(1)
	go func() {
		defer c.readers.Done()
		if efo != nil {
			c.subscribe(efo, s, from, positioned)
		} else {
			c.poll(s, from, positioned)
		}
	}()
}

// send hands a batch to Poll; it gives up when the consumer is closed.
func (c *consumer) send(b batch) bool {
	select {
	case c.out <- b:
		return true
	case <-c.life.Done():
		return false
	}
}

// sleep waits for d, or until the consumer is closed.
func (c *consumer) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-c.life.Done():
		return false
	}
}

// iterator gets a shard iterator, retrying while the broker throttles.
func (c *consumer) iterator(s *trackedShard, from position) (string, error) {
	for {
		out, err := c.d.api.GetShardIterator(c.life, from.iteratorInput(c.d.topo.Name, s.id), noRetry)
		if err == nil {
			return aws.ToString(out.ShardIterator), nil
		}
		if !isThrottle(errorCode(err)) || !c.sleep(time.Second) {
			return "", fmt.Errorf("kinesis at %s: GetShardIterator %s on %s: %w", c.d.endpoint, from, s.id, err)
		}
		c.throttled.Add(1)
	}
}

// poll reads one shard with GetRecords until its end (after a reshard) or until the
// consumer closes, waiting the poll interval between calls.
func (c *consumer) poll(s *trackedShard, from position, positioned chan<- error) {
	it, err := c.iterator(s, from)
	if positioned != nil {
		positioned <- err
	}
	for err != nil {
		if c.life.Err() != nil || !c.send(batch{shard: s.num, err: err}) || !c.sleep(time.Second) {
			return
		}
		it, err = c.iterator(s, from)
	}
	limit := aws.Int32(int32(c.d.set.GetRecordsLimit))
	quota := c.d.readQuota(s.id)
	lost := 0 // connections lost in a row
	for {
		if !c.awaitQuota(quota) {
			return
		}
		c.calls.Add(1)
		out, err := c.d.api.GetRecords(c.life, &kinesis.GetRecordsInput{ShardIterator: aws.String(it), Limit: limit}, noRetry)
		switch {
		case c.life.Err() != nil:
			return
		case err != nil && isThrottle(errorCode(err)):
			// Over the shard's 5 reads or 2 MB a second: wait out the second.
			c.throttled.Add(1)
			if !c.sleep(time.Second) {
				return
			}
		case err != nil && lostConnection(err) && lost < maxLostConnections:
			// The connection broke under the call (seen once on ferrokinesis under
			// load, as "use of closed network connection" while the answer was read;
			// what closed it is not known): GetRecords changes nothing on the shard,
			// so the same iterator is asked again.
			lost++
			c.retried.Add(1)
		case err != nil:
			var expired *types.ExpiredIteratorException
			if !errors.As(err, &expired) && !c.send(batch{shard: s.num, err: fmt.Errorf("kinesis at %s: GetRecords on %s: %w", c.d.endpoint, s.id, err)}) {
				return
			}
			// Start again from where the last record was read.
			if it, err = c.iterator(s, from); err != nil {
				c.send(batch{shard: s.num, err: err})
			}
		default:
			lost = 0
			records, next := out.Records, out.NextShardIterator
			if quota != nil {
				// An emulator may return more than AWS's 10 MiB a call: the rest is
				// read again by the next call, from a new iterator.
				if k := withinCallBytes(records); k < len(records) {
					records, next = records[:k], nil
				}
				quota.charge(time.Now(), recordBytes(records))
			}
			if n := len(records); n > 0 {
				from = after(aws.ToString(records[n-1].SequenceNumber))
				if !c.send(batch{shard: s.num, records: records}) {
					return
				}
			}
			switch {
			case next != nil:
				it = aws.ToString(next)
			case len(records) < len(out.Records):
				if it, err = c.iterator(s, from); err != nil {
					c.send(batch{shard: s.num, err: err})
				}
			default: // the shard is closed and read to its end
				c.finished(s, out.ChildShards)
				return
			}
		}
		if !c.sleep(c.d.set.PollInterval.D()) {
			return
		}
	}
}

// maxLostConnections is how many calls in a row may lose their connection before the
// reader reports the error: a transient fault is retried, an endpoint gone is told.
const maxLostConnections = 3

// lostConnection reports whether err is a connection that broke after it was made
// (closed, reset, or cut short in a response), rather than an answer of the API or a
// cancelled call.
func lostConnection(err error) bool {
	if errorCode(err) != "" || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	return errors.Is(err, net.ErrClosed) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// awaitQuota waits for the shard's next read under its quota (nil: none), counting
// the waits; it returns false if the consumer was closed meanwhile.
func (c *consumer) awaitQuota(q *readQuota) bool {
	if q == nil {
		return true
	}
	wait := q.reserve(time.Now())
	if wait <= 0 {
		return true
	}
	c.quota.waits.Add(1)
	c.quota.nanos.Add(int64(wait))
	return c.sleep(wait)
}

// finished records that a shard has been read to its end, with its children; where the
// API did not name them, they are found by listing the shards.
func (c *consumer) finished(s *trackedShard, children []types.ChildShard) {
	if len(children) == 0 {
		if shards, err := c.d.listShards(c.life); err == nil {
			for _, sh := range shards {
				if aws.ToString(sh.ParentShardId) == s.id || aws.ToString(sh.AdjacentParentShardId) == s.id {
					children = append(children, types.ChildShard{ShardId: sh.ShardId,
						ParentShards: []string{aws.ToString(sh.ParentShardId), aws.ToString(sh.AdjacentParentShardId)}})
				}
			}
		} else {
			c.send(batch{shard: s.num, err: err})
		}
	}
	c.d.shards.finish(s.id, children)
}

// Poll delivers the next batch any reader has brought, unpacking aggregated records.
func (c *consumer) Poll(ctx context.Context, fn drivers.DeliverFunc) error {
	var b batch
	select {
	case b = <-c.out:
	case <-ctx.Done():
		return ctx.Err()
	case <-c.life.Done():
		return errors.New("kinesis consumer closed")
	}
	if b.err != nil {
		return b.err
	}
	n, err := c.d.deliver(b.records, b.shard, fn)
	c.aggregated.Add(n)
	return err
}

// deliver calls fn for each message of records, unpacking aggregated records, and
// returns how many records were aggregated and the first that could not be unpacked.
func (d *Driver) deliver(records []types.Record, shard int32, fn drivers.DeliverFunc) (aggregated int64, bad error) {
	for _, r := range records {
		if !kpl.IsAggregated(r.Data) {
			fn(r.Data, shard, -1)
			continue
		}
		aggregated++
		err := kpl.Deaggregate(r.Data, func(sub kpl.Record) error {
			fn(sub.Data, shard, -1)
			return nil
		})
		if err != nil && bad == nil {
			bad = fmt.Errorf("kinesis at %s: record %s: %w", d.endpoint, aws.ToString(r.SequenceNumber), err)
		}
	}
	return aggregated, bad
}

// Close stops the readers; the last consumer to close deregisters the enhanced fan-out
// consumer, if there is one.
func (c *consumer) Close() {
	c.cancel()
	c.readers.Wait()
	d := c.d
	d.mu.Lock()
	if c.started {
		d.shards.release(c.id, d.consumers)
	}
	d.consumers--
	last := d.consumers == 0
	d.mu.Unlock()
	if last {
		d.deregister()
	}
}

// Counts are the consumer's own counts of calls, throttles and aggregated records.
func (c *consumer) Counts() map[string]int64 {
	n := map[string]int64{
		"reads_throttled":    c.throttled.Load(),
		"reads_retried":      c.retried.Load(),
		"aggregated_records": c.aggregated.Load(),
	}
	if c.d.set.Consumer == ConsumeEFO {
		n["subscriptions"] = c.subscriptions.Load()
	} else {
		n["get_records_calls"] = c.calls.Load()
	}
	if c.d.modelsQuotas() {
		// How often, and how long in all, AWS's read quotas held reads back: where they
		// did, the quotas bound the consumers' rate, not the emulator.
		n["read_quota_waits"] = c.quota.waits.Load()
		n["read_quota_wait_ms"] = c.quota.nanos.Load() / int64(time.Millisecond)
	}
	return n
}
