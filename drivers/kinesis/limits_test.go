package kinesis_test

import (
	"strings"
	"testing"

	"streambench/drivers"
	"streambench/drivers/kinesis"
	"streambench/drivers/kinesis/kpl"
)

var _ drivers.SizeLimiter = (*kinesis.Driver)(nil)

func TestRecordLimit(t *testing.T) {
	const mib = 1 << 20
	for _, tc := range []struct {
		name   string
		shards int
		shape  drivers.MessageShape
		// key and hashKey are the longest the producer gives such a message.
		key, hashKey string
	}{
		{"no key: a random 13-character key", 1, drivers.MessageShape{}, "3w5e11264sgsf", ""},
		{"round-robin on 12 shards", 12, drivers.MessageShape{Partitioned: true}, "p11", "340282366920938463463374607431768211455"},
		{"fixed keys", 4, drivers.MessageShape{KeyLen: 7}, "key-999", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plain := kinesis.NewSettings()
			l := kinesis.RecordLimit(plain, tc.shards, tc.shape)
			// Without aggregation the explicit hash key does not count.
			if want := mib - len(tc.key); l.MaxValue != want {
				t.Errorf("limit %d, want %d (1 MiB less the %d-byte key)", l.MaxValue, want, len(tc.key))
			}
			if !strings.Contains(l.By, "1048576 bytes (1 MiB) for one record") || !strings.Contains(l.Remedy, "lower workload.message_size") {
				t.Errorf("limit %+v does not say where it comes from or what to do", l)
			}

			agg := kinesis.NewSettings()
			agg.Aggregation = true
			l = kinesis.RecordLimit(agg, tc.shards, tc.shape)
			// The aggregated record of the message alone, put with its key, fits at the
			// limit and not one byte above it.
			size := func(v int) int {
				var a kpl.Aggregator
				a.Add(kpl.Record{PartitionKey: tc.key, ExplicitHashKey: tc.hashKey, Data: make([]byte, v)})
				return a.Size() + len(a.PartitionKey())
			}
			if size(l.MaxValue) > mib || size(l.MaxValue+1) <= mib {
				t.Errorf("aggregated limit %d: records of %d and %d bytes, want the first at most %d and the second over it",
					l.MaxValue, size(l.MaxValue), size(l.MaxValue+1), mib)
			}
			if !strings.Contains(l.By, "KPL aggregation framing") {
				t.Errorf("aggregated limit %+v does not name the aggregation", l)
			}
		})
	}
}
