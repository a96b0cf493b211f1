package kafka

import (
	"context"
	"fmt"
	"strconv"

	"github.com/twmb/franz-go/pkg/kbin"

	"streambench/drivers"
)

const maxMessageKey = "max.message.bytes"

// Framing around a record, in bytes. Measured against Apache Kafka 4.1 with franz-go
// 1.22 and no key: the broker takes values up to 1048516 under its default
// max.message.bytes of 1048588 (61 + 11 bytes of framing); franz-go, with a batch limit
// of 16384, takes every value up to 16308 (65 + 11) and refuses 16312 and above.
const (
	// brokerBatchHeader is a record batch's header as the broker counts it against
	// max.message.bytes (Kafka's RECORD_BATCH_OVERHEAD: base offset, length, epoch,
	// magic, CRC, attributes, deltas, timestamps, producer id and epoch, sequence,
	// record count).
	brokerBatchHeader = 61
	// clientBatchHeader is the same header as franz-go counts it against its batch
	// limit until a producer has its first produce response and so knows the
	// request's version: 4 bytes more, for the length prefix of the non-flexible
	// encoding. After that it counts 1 byte for the prefix, so values up to 3 bytes
	// larger pass; the first messages of each producer would not, so the smaller
	// limit is the one every message meets.
	clientBatchHeader = 65
)

// recordSize is the encoded size of a record alone in its batch (offset and timestamp
// deltas 0, no headers), its length prefix included. A key of length 0 is no key.
func recordSize(keyLen, valueLen int) int {
	body := 1 + // attributes
		1 + 1 + // timestamp and offset deltas, both 0
		kbin.VarintLen(int32(keyLen)) + keyLen +
		kbin.VarintLen(int32(valueLen)) + valueLen +
		1 // header count
	return kbin.VarintLen(int32(body)) + body
}

// maxValue is the largest value whose record, alone in a batch with header bytes of
// batch header, fits in limit bytes; 0 when not even an empty value fits.
func maxValue(limit, header, keyLen int) int {
	v := limit - header - keyLen
	for v > 0 && header+recordSize(keyLen, v) > limit {
		v--
	}
	return max(v, 0)
}

// SizeLimits reads the topic's max.message.bytes from the broker and adds the
// producer's own batch limit (batch_max_bytes: franz-go, unlike the Java client, also
// refuses a single record larger than a batch may be).
func (d *Driver) SizeLimits(ctx context.Context, shape drivers.MessageShape) ([]drivers.SizeLimit, error) {
	framing := func(header, maxValue int) string {
		return fmt.Sprintf("less %d bytes of record batch header and %d of record framing for a message %s",
			header, recordSize(shape.KeyLen, maxValue)-maxValue, keyWords(shape.KeyLen))
	}
	producer := maxValue(d.set.BatchMaxBytes, clientBatchHeader, shape.KeyLen)
	limits := []drivers.SizeLimit{{
		MaxValue: producer,
		By: fmt.Sprintf("the producer's batch limit, kafka.batch_max_bytes %d (franz-go refuses a record that does not fit in one batch), %s",
			d.set.BatchMaxBytes, framing(clientBatchHeader, producer)),
		Remedy: "raise kafka.batch_max_bytes",
	}}

	broker, err := d.maxMessageBytes(ctx)
	if err != nil {
		return limits, err
	}
	bv := maxValue(broker.bytes, brokerBatchHeader, shape.KeyLen)
	limits = append(limits, drivers.SizeLimit{
		MaxValue: bv,
		By: fmt.Sprintf("the topic's max.message.bytes %d (%s, read from the broker at %s), %s",
			broker.bytes, broker.source, d.addr(), framing(brokerBatchHeader, bv)),
		Remedy:     "raise message.max.bytes on the broker (new topics take it as their max.message.bytes)",
		Compressed: d.set.Compression != "none",
	})
	return limits, nil
}

func keyWords(keyLen int) string {
	if keyLen == 0 {
		return "without a key"
	}
	return fmt.Sprintf("with a key of up to %d bytes", keyLen)
}

type topicLimit struct {
	bytes  int
	source string // where the broker says the value comes from, e.g. DEFAULT_CONFIG
}

// maxMessageBytes is the topic's max.message.bytes as the broker reports it: the
// topic's own value, or the broker's message.max.bytes it inherits.
func (d *Driver) maxMessageBytes(ctx context.Context) (topicLimit, error) {
	ctx, cancel := context.WithTimeout(ctx, setupTimeout)
	defer cancel()
	rcs, err := d.admin.DescribeTopicConfigs(ctx, d.topo.Name)
	if err != nil {
		return topicLimit{}, fmt.Errorf("kafka at %s: describing topic %s: %w", d.addr(), d.topo.Name, err)
	}
	rc, err := rcs.On(d.topo.Name, nil)
	if err == nil {
		err = rc.Err
	}
	if err != nil {
		return topicLimit{}, fmt.Errorf("kafka at %s: the configs of topic %s: %w", d.addr(), d.topo.Name, err)
	}
	for _, c := range rc.Configs {
		if c.Key != maxMessageKey || c.Value == nil {
			continue
		}
		n, err := strconv.Atoi(*c.Value)
		if err != nil || n <= 0 {
			return topicLimit{}, fmt.Errorf("kafka at %s: topic %s has %s=%q, not a size in bytes", d.addr(), d.topo.Name, maxMessageKey, *c.Value)
		}
		return topicLimit{bytes: n, source: c.Source.String()}, nil
	}
	return topicLimit{}, fmt.Errorf("kafka at %s: topic %s reports no %s", d.addr(), d.topo.Name, maxMessageKey)
}
