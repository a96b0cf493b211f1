package kinesis

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"streambench/drivers"
	"streambench/drivers/kinesis/kpl"
)

// Lengths of the partition keys the producer makes for messages without a key of
// their own (see producer.newEntry), and of the longest explicit hash key.
var (
	randomKeyLen  = len(strconv.FormatUint(math.MaxUint64, 36))
	maxHashKeyLen = len("340282366920938463463374607431768211455") // 2^128 - 1
)

// SizeLimits returns Kinesis's limit on one record, which holds for any Kinesis API:
// it needs no call.
func (d *Driver) SizeLimits(_ context.Context, shape drivers.MessageShape) ([]drivers.SizeLimit, error) {
	return []drivers.SizeLimit{RecordLimit(d.set, d.topo.Partitions, shape)}, nil
}

// RecordLimit is the largest message the driver can put as one record on a stream of
// the given shard count: AWS's limit of 1 MiB of data plus partition key for a record
// of a new stream, less the partition key, and with aggregation the KPL framing of an
// aggregated record that holds the message alone.
func RecordLimit(set *Settings, shards int, shape drivers.MessageShape) drivers.SizeLimit {
	keyLen, hashKeyLen := shape.KeyLen, 0
	switch {
	case keyLen > 0:
	case shape.Partitioned:
		keyLen = len("p" + strconv.Itoa(max(shards-1, 0)))
		hashKeyLen = maxHashKeyLen
	default:
		keyLen = randomKeyLen
	}
	const by = "Kinesis's limit of 1048576 bytes (1 MiB) for one record of a new stream, data and partition key together"
	remedy := "lower workload.message_size: bench creates streams with that default (AWS can raise a stream's limit to 10 MiB, MaxRecordSizeInKiB, which bench does not set)"
	if !set.Aggregation {
		return drivers.SizeLimit{
			MaxValue: max(maxRecordBytes-keyLen, 0),
			By:       fmt.Sprintf("%s, less %d bytes of partition key", by, keyLen),
			Remedy:   remedy,
		}
	}
	// A message too large to share an aggregate is aggregated alone: its record is the
	// message's data in the KPL format, put with its partition key.
	r := kpl.Record{PartitionKey: strings.Repeat("k", keyLen), ExplicitHashKey: strings.Repeat("1", hashKeyLen)}
	buf := make([]byte, maxRecordBytes)
	size := func(v int) int {
		var a kpl.Aggregator
		r.Data = buf[:v]
		return a.SizeWith(r) + keyLen
	}
	v := maxRecordBytes - keyLen
	framing := size(v) - v
	for v > 0 && size(v) > maxRecordBytes {
		v--
	}
	return drivers.SizeLimit{
		MaxValue: max(v, 0),
		By:       fmt.Sprintf("%s, less %d bytes of partition key and KPL aggregation framing (kinesis.aggregation)", by, framing),
		Remedy:   remedy,
	}
}
