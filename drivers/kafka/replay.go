package kafka

import (
	"context"
	"fmt"
	"slices"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"streambench/drivers"
)

// Replay reads every partition of the topic from its start offset up to the end offset
// it had when Replay was called, with a client of its own outside any group (so it
// neither uses nor moves the run's committed offsets).
func (d *Driver) Replay(ctx context.Context, fn drivers.DeliverFunc) error {
	ends, err := d.admin.ListEndOffsets(ctx, d.topo.Name)
	if err != nil {
		return fmt.Errorf("kafka at %s: end offsets of %s: %w", d.addr(), d.topo.Name, err)
	}
	remaining := map[int32]int64{} // partition -> end offset still to reach
	ends.Each(func(o kadm.ListedOffset) {
		if o.Err == nil && o.Offset > 0 {
			remaining[o.Partition] = o.Offset
		}
	})
	if err := ends.Error(); err != nil {
		return fmt.Errorf("kafka at %s: end offsets of %s: %w", d.addr(), d.topo.Name, err)
	}
	cl, err := kgo.NewClient(append(slices.Clip(d.conn),
		kgo.ClientID("streambench-replay"),
		kgo.ConsumeTopics(d.topo.Name),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
	)...)
	if err != nil {
		return fmt.Errorf("kafka at %s: replay client: %w", d.addr(), err)
	}
	defer cl.Close()
	for len(remaining) > 0 {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("kafka at %s: replaying %s, %d partitions not read to their end: %w", d.addr(), d.topo.Name, len(remaining), err)
		}
		var ferr error
		fs.EachError(func(_ string, _ int32, err error) { ferr = err })
		if ferr != nil {
			return fmt.Errorf("kafka at %s: replaying %s: %w", d.addr(), d.topo.Name, ferr)
		}
		fs.EachRecord(func(r *kgo.Record) {
			end, ok := remaining[r.Partition]
			if !ok || r.Offset >= end {
				return
			}
			fn(r.Value, r.Partition, r.Offset)
			if r.Offset+1 >= end {
				delete(remaining, r.Partition)
			}
		})
	}
	return nil
}
