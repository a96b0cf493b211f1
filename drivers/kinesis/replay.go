package kinesis

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"streambench/drivers"
)

// Replay reads every shard of the stream, closed ones included, from TRIM_HORIZON: the
// oldest record the stream still holds. A closed shard is read to its end; an open one
// until a read returns nothing more and says it is at the tip (MillisBehindLatest 0).
func (d *Driver) Replay(ctx context.Context, fn drivers.DeliverFunc) error {
	shards, err := d.listShards(ctx)
	if err != nil {
		return err
	}
	for _, sh := range shards {
		if err := d.replayShard(ctx, aws.ToString(sh.ShardId), fn); err != nil {
			return err
		}
	}
	return nil
}

func (d *Driver) replayShard(ctx context.Context, shard string, fn drivers.DeliverFunc) error {
	it, err := d.api.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{
		StreamName: d.stream(), ShardId: aws.String(shard), ShardIteratorType: types.ShardIteratorTypeTrimHorizon,
	})
	if err != nil {
		return fmt.Errorf("kinesis at %s: replaying shard %s: %w", d.endpoint, shard, err)
	}
	iter, num := it.ShardIterator, shardNumber(shard)
	for iter != nil {
		out, err := d.api.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(int32(d.set.GetRecordsLimit))})
		if err != nil {
			if isThrottle(errorCode(err)) {
				if err := sleep(ctx, d.set.PollInterval.D()); err != nil {
					return err
				}
				continue
			}
			return fmt.Errorf("kinesis at %s: replaying shard %s: %w", d.endpoint, shard, err)
		}
		if _, err := d.deliver(out.Records, num, fn); err != nil {
			return err
		}
		if len(out.Records) == 0 && aws.ToInt64(out.MillisBehindLatest) == 0 {
			return nil // an open shard, read to its tip
		}
		iter = out.NextShardIterator
	}
	return nil // a closed shard, read to its end
}

// sleep waits d, or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}
