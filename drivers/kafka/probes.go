package kafka

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
)

const retentionKey = "retention.ms"

// Retention reads the topic's retention.ms as the broker reports it (its default when
// the topic sets none); -1, no time limit, comes back as a negative duration.
func (d *Driver) Retention(ctx context.Context) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, setupTimeout)
	defer cancel()
	rcs, err := d.admin.DescribeTopicConfigs(ctx, d.topo.Name)
	if err != nil {
		return 0, fmt.Errorf("kafka at %s: describing topic %s: %w", d.addr(), d.topo.Name, err)
	}
	rc, err := rcs.On(d.topo.Name, nil)
	if err == nil {
		err = rc.Err
	}
	if err != nil {
		return 0, fmt.Errorf("kafka at %s: the configs of topic %s: %w", d.addr(), d.topo.Name, err)
	}
	for _, c := range rc.Configs {
		if c.Key != retentionKey || c.Value == nil {
			continue
		}
		ms, err := strconv.ParseInt(*c.Value, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("kafka at %s: topic %s has %s=%q: %w", d.addr(), d.topo.Name, retentionKey, *c.Value, err)
		}
		if ms < 0 {
			return -1, nil
		}
		return time.Duration(ms) * time.Millisecond, nil
	}
	return 0, fmt.Errorf("kafka at %s: topic %s reports no %s", d.addr(), d.topo.Name, retentionKey)
}

// SetRetention sets the topic's retention.ms (-1 for a negative r: no time limit).
func (d *Driver) SetRetention(ctx context.Context, r time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, setupTimeout)
	defer cancel()
	ms := "-1"
	if r >= 0 {
		ms = strconv.FormatInt(r.Milliseconds(), 10)
	}
	resps, err := d.admin.AlterTopicConfigs(ctx, []kadm.AlterConfig{{Op: kadm.SetConfig, Name: retentionKey, Value: &ms}}, d.topo.Name)
	if err == nil {
		var resp kadm.AlterConfigsResponse
		if resp, err = resps.On(d.topo.Name, nil); err == nil && resp.Err != nil {
			err = fmt.Errorf("%w: %s", resp.Err, resp.ErrMessage)
		}
	}
	if err != nil {
		return fmt.Errorf("kafka at %s: setting %s=%s on topic %s: %w", d.addr(), retentionKey, ms, d.topo.Name, err)
	}
	// The controller accepts the change before the broker applies it: a describe right
	// after it may still read the old value. Wait until it reads the new one.
	want := r
	if r < 0 {
		want = -1
	}
	for {
		got, err := d.Retention(ctx)
		if err == nil && got == want {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("kafka at %s: topic %s accepted %s=%s but still reads %s: %w", d.addr(), d.topo.Name, retentionKey, ms, got, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Encryption says what Kafka does with the topic's messages: it stores them as they
// arrive (it has no encryption at rest of its own); in transit, what the connection used.
func (d *Driver) Encryption(context.Context) (bool, string, error) {
	return false, "none at rest (Kafka stores records as sent); in transit: " + d.security, nil
}

// Scale raises the topic's partition count to n (Kafka cannot lower it) and waits until
// every partition has a leader. Producers use the new partitions after their next
// metadata refresh (the metadata_max_age setting).
func (d *Driver) Scale(ctx context.Context, n int) error {
	ctx, cancel := context.WithTimeout(ctx, setupTimeout)
	defer cancel()
	resps, err := d.admin.UpdatePartitions(ctx, n, d.topo.Name)
	if err == nil {
		var resp kadm.CreatePartitionsResponse
		if resp, err = resps.On(d.topo.Name, nil); err == nil && resp.Err != nil {
			err = fmt.Errorf("%w: %s", resp.Err, resp.ErrMessage)
		}
	}
	if err != nil {
		return fmt.Errorf("kafka at %s: raising topic %s to %d partitions: %w", d.addr(), d.topo.Name, n, err)
	}
	return d.waitLeaders(ctx, n)
}
