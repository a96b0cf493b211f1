package kinesis

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// efoConsumer is the run's enhanced fan-out consumer: one registration for all the
// run's consumers, as one application registers once for all its instances.
type efoConsumer struct {
	arn, name string
}

// efoConsumer registers the run's enhanced fan-out consumer on first use and waits
// until it is ACTIVE.
func (d *Driver) efoConsumer(ctx context.Context) (*efoConsumer, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.efo != nil {
		return d.efo, nil
	}
	ctx, cancel := context.WithTimeout(ctx, setupTimeout)
	defer cancel()
	name := d.topo.Name + "-efo"
	out, err := d.api.RegisterStreamConsumer(ctx, &kinesis.RegisterStreamConsumerInput{
		StreamARN: aws.String(d.streamARN), ConsumerName: aws.String(name),
	})
	if err != nil {
		return nil, fmt.Errorf("kinesis at %s: registering enhanced fan-out consumer %s on %s: %w", d.endpoint, name, d.topo.Name, err)
	}
	e := &efoConsumer{arn: aws.ToString(out.Consumer.ConsumerARN), name: name}
	for status := out.Consumer.ConsumerStatus; status != types.ConsumerStatusActive; {
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("kinesis at %s: enhanced fan-out consumer %s is still %s: %w", d.endpoint, name, status, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
		desc, err := d.api.DescribeStreamConsumer(ctx, &kinesis.DescribeStreamConsumerInput{ConsumerARN: aws.String(e.arn)})
		if err != nil {
			return nil, fmt.Errorf("kinesis at %s: describing enhanced fan-out consumer %s: %w", d.endpoint, name, err)
		}
		status = desc.ConsumerDescription.ConsumerStatus
	}
	d.efo = e
	return e, nil
}

// deregister removes the enhanced fan-out consumer, if one was registered. Deleting the
// stream would remove it too, but a kept stream (--keep) must not keep it: AWS charges
// for registered consumers by the hour.
func (d *Driver) deregister() {
	d.mu.Lock()
	e := d.efo
	d.efo = nil
	d.mu.Unlock()
	if e == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// A failure here leaves a consumer that the stream's deletion removes anyway.
	_, _ = d.api.DeregisterStreamConsumer(ctx, &kinesis.DeregisterStreamConsumerInput{ConsumerARN: aws.String(e.arn)})
}

// subscribeOptions adapt SubscribeToShard to emulators: AWS opens each subscription's
// event stream with an initial-response event, which the SDK insists on; kinesis-mock
// (and so LocalStack, which runs it) starts with the first SubscribeToShardEvent.
func (d *Driver) subscribeOptions(o *kinesis.Options) {
	if !d.real {
		o.Protocol = withoutInitialResponse{o.Protocol}
	}
}

// withoutInitialResponse is the client's protocol, told that event streams have no
// initial-response event.
type withoutInitialResponse struct{ smithyhttp.ClientProtocol }

func (withoutInitialResponse) HasInitialEventMessage() bool { return false }

// subscribe reads one shard through enhanced fan-out until its end or until the
// consumer closes. Each subscription is renewed after resubscribe_after, before AWS
// ends it at 5 minutes, from the last continuation sequence number.
func (c *consumer) subscribe(e *efoConsumer, s *trackedShard, from position, positioned chan<- error) {
	// A client of its own: a client's protocol decodes all its event streams into one
	// shared buffer (smithy-go 1.28), so that subscriptions on one client would
	// overwrite each other's events. New makes a new protocol.
	api := kinesis.New(c.d.api.Options())
	for {
		out, err := api.SubscribeToShard(c.life, &kinesis.SubscribeToShardInput{
			ConsumerARN: aws.String(e.arn), ShardId: aws.String(s.id), StartingPosition: from.startingPosition(),
		}, noRetry, c.d.subscribeOptions)
		if err != nil {
			code := errorCode(err)
			if code == "ResourceInUseException" || isThrottle(code) {
				// The previous subscription is still closing, or a new one came
				// sooner than AWS allows (one per shard per consumer every 5 s).
				c.throttled.Add(1)
			} else {
				err = fmt.Errorf("kinesis at %s: SubscribeToShard %s on %s: %w", c.d.endpoint, from, s.id, err)
				if positioned != nil {
					positioned <- err
					positioned = nil
				} else if !c.send(batch{shard: s.num, err: err}) {
					return
				}
			}
			if !c.sleep(time.Second) {
				return
			}
			continue
		}
		c.subscriptions.Add(1)
		if positioned != nil {
			positioned <- nil
			positioned = nil
		}
		next, children, ended := c.readEvents(out.GetStream(), s)
		if ended {
			c.d.shards.finish(s.id, children)
			return
		}
		if c.life.Err() != nil {
			return
		}
		if next != "" {
			from = after(next)
		}
	}
}

// readEvents passes on the records of one subscription until it ends, is due for
// renewal, or the consumer closes. It returns the last continuation sequence number,
// and whether the shard has ended (with its children).
func (c *consumer) readEvents(stream *kinesis.SubscribeToShardEventStream, s *trackedShard) (next string, children []types.ChildShard, ended bool) {
	defer stream.Close()
	renew := time.NewTimer(c.d.set.ResubscribeAfter.D())
	defer renew.Stop()
	quota := c.d.readQuota(s.id)
	for {
		select {
		case ev, ok := <-stream.Events():
			if !ok {
				if err := stream.Err(); err != nil && c.life.Err() == nil {
					c.send(batch{shard: s.num, err: fmt.Errorf("kinesis at %s: subscription to %s: %w", c.d.endpoint, s.id, err)})
				}
				return next, nil, false
			}
			e, ok := ev.(*types.SubscribeToShardEventStreamMemberSubscribeToShardEvent)
			if !ok {
				continue
			}
			if len(e.Value.Records) > 0 {
				// AWS pushes at most 2 MiB a second per consumer and shard: an event
				// is passed on once the bytes before it are paid for.
				if !c.awaitQuota(quota) || !c.send(batch{shard: s.num, records: e.Value.Records}) {
					return next, nil, false
				}
				if quota != nil {
					quota.charge(time.Now(), recordBytes(e.Value.Records))
				}
			}
			if e.Value.ContinuationSequenceNumber == nil { // the shard is closed and read to its end
				return next, e.Value.ChildShards, true
			}
			next = aws.ToString(e.Value.ContinuationSequenceNumber)
		case <-renew.C:
			return next, nil, false
		case <-c.life.Done():
			return next, nil, false
		}
	}
}
