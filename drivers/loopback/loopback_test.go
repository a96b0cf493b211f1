package loopback

import (
	"context"
	"runtime"
	"testing"
	"time"

	"streambench/drivers"
)

// TestMemoryFollowsWhatIsSent: the memory the loopback driver allocates to hand a few
// large messages to a consumer follows from those messages, not from a fixed multiple of
// their size (issue 17: it made room for 512 messages at once, 50 GiB for 100 MiB ones,
// and a run at 1 msg/s died of it).
func TestMemoryFollowsWhatIsSent(t *testing.T) {
	const size, messages = 1 << 20, 4
	ctx := context.Background()
	d, err := Registration.Open(ctx, drivers.Config{Topology: drivers.Topology{Partitions: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	c, err := d.NewConsumer(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	acked := make(chan error, messages)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	p, err := d.NewProducer(ctx, 0, func(_ *drivers.Message, err error) { acked <- err })
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	value := make([]byte, size)
	for range messages {
		p.Send(ctx, &drivers.Message{Value: value, Partition: -1})
		if err := <-acked; err != nil {
			t.Fatal(err)
		}
	}
	got := 0
	for got < messages {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := c.Poll(pctx, func(v []byte, _ int32, _ int64) {
			if len(v) != size {
				t.Errorf("received %d bytes, want %d", len(v), size)
			}
			got++
		})
		cancel()
		if err != nil {
			t.Fatalf("after %d of %d messages: %v", got, messages, err)
		}
	}
	runtime.ReadMemStats(&after)
	// The value itself, then a copy per message in batches: a few MiB. 512 MiB before.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 32<<20 {
		t.Errorf("handing %d messages of %d bytes allocated %d MiB, want at most 32 MiB", messages, size, alloc>>20)
	}
}
