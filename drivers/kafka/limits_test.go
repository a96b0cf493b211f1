package kafka_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"

	"streambench/brokers/brokertest"
	"streambench/drivers"
	"streambench/drivers/kafka"
)

var _ drivers.SizeLimiter = (*kafka.Driver)(nil)

// TestSizeLimitsAgreeWithTheBroker reads the limits from a real broker with its default
// max.message.bytes, and sends a message of exactly each limit and one byte more, each
// as the first message of a new producer (the case the client's limit is counted for):
// the first must be acknowledged, the second refused with MESSAGE_TOO_LARGE.
func TestSizeLimitsAgreeWithTheBroker(t *testing.T) {
	addr := brokertest.Kafka(t)
	for _, tc := range []struct {
		name       string
		batchBytes int
		shape      drivers.MessageShape
		key        []byte
		partition  int32
		// want is the tight limit; which is the index of the limit that sets it.
		want, which int
	}{
		// With the default batch_max_bytes (16384), the producer refuses first.
		{"producer, no key", 16384, drivers.MessageShape{}, nil, -1, 16308, 0},
		{"producer, round-robin", 16384, drivers.MessageShape{Partitioned: true}, nil, 0, 16308, 0},
		{"producer, 13-byte key", 16384, drivers.MessageShape{KeyLen: 13}, []byte("3w5e11264sgsf"), -1, 16295, 0},
		// With a larger batch limit, the broker's default max.message.bytes (1048588).
		{"broker, no key", 2 << 20, drivers.MessageShape{}, nil, -1, 1048516, 1},
		{"broker, 13-byte key", 2 << 20, drivers.MessageShape{KeyLen: 13}, []byte("3w5e11264sgsf"), -1, 1048503, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set := kafka.NewSettings()
			set.BatchMaxBytes = tc.batchBytes
			d, err := kafka.Open(context.Background(), drivers.Config{
				Address:  addr,
				Settings: set,
				Topology: drivers.Topology{Name: fmt.Sprintf("kafka-limits-%d", time.Now().UnixNano()), Partitions: 1, Replication: 1},
			})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if err := d.Setup(t.Context()); err != nil {
				t.Fatal(err)
			}
			defer d.Teardown(context.Background())
			limits, err := d.(drivers.SizeLimiter).SizeLimits(t.Context(), tc.shape)
			if err != nil || len(limits) != 2 {
				t.Fatalf("SizeLimits = %+v, %v; want the producer's and the broker's", limits, err)
			}
			if l := limits[tc.which]; l.MaxValue != tc.want {
				t.Errorf("limit %+v, want %d", l, tc.want)
			}
			if b := limits[1].By; !strings.Contains(b, "max.message.bytes 1048588 (DEFAULT_CONFIG, read from the broker at "+addr) {
				t.Errorf("the broker's limit does not say where it comes from: %q", b)
			}
			value := make([]byte, tc.want+1)
			rand.Read(value)
			for _, size := range []int{tc.want, tc.want + 1} {
				err := sendFirst(t, d, &drivers.Message{Key: tc.key, Value: value[:size], Partition: tc.partition})
				switch {
				case size == tc.want && err != nil:
					t.Errorf("%d bytes (the limit) refused: %v", size, err)
				case size > tc.want && !errors.Is(err, kerr.MessageTooLarge):
					t.Errorf("%d bytes (over the limit): error %v, want MESSAGE_TOO_LARGE", size, err)
				}
			}
		})
	}
}

// sendFirst sends m as the first message of a new producer and returns its outcome.
func sendFirst(t *testing.T, d drivers.Driver, m *drivers.Message) error {
	t.Helper()
	done := make(chan error, 1)
	p, err := d.NewProducer(t.Context(), 0, func(_ *drivers.Message, err error) { done <- err })
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.Send(t.Context(), m)
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("no acknowledgement in 30 s")
		return nil
	}
}
