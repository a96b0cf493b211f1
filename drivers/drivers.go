// Package drivers defines what the engine asks of a broker client: create and remove
// the topology, produce with acknowledgements, consume. Each broker API lives in a
// package of its own (drivers/kafka, drivers/loopback, …); the engine only sees these
// interfaces, so it never names a broker.
package drivers

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Topology is what a driver creates before a run and removes after it: a Kafka topic,
// a Kinesis stream.
type Topology struct {
	// Name of the topic or stream.
	Name string
	// Partitions is the partition count (shards on Kinesis).
	Partitions int
	// Replication is the replication factor, where the broker has one.
	Replication int
	// Retention is how long the broker keeps messages: 0 leaves the broker's default,
	// a negative value asks for no time limit.
	Retention time.Duration
}

// Message is one message on its way to the broker. The engine owns it: a driver reads
// Key, Value and Partition, and must not touch the message after it has called the
// producer's AckFunc for it.
type Message struct {
	// Key is the partition key; empty means none.
	Key []byte
	// Value is the payload, starting with the engine's envelope.
	Value []byte
	// Partition asks for one partition (or shard, by index); -1 lets the driver's
	// partitioner decide from the key.
	Partition int32

	// Bookkeeping of the engine; drivers leave it alone.
	Seq      uint64
	Intended int64
	Sent     int64
}

// AckFunc is called once per message sent, when the broker has acknowledged it (err nil)
// or the driver has given up on it. For one producer, calls are never concurrent.
type AckFunc func(m *Message, err error)

// Producer sends messages to the topology. Send may block when the client's buffer is
// full (that shows up as schedule lag); it never reports errors itself: every message
// given to Send gets exactly one call of the AckFunc.
type Producer interface {
	Send(ctx context.Context, m *Message)
	// Flush waits until every message sent so far has been acknowledged or failed.
	Flush(ctx context.Context) error
	// Close fails whatever is still unacknowledged and returns after the last call of
	// the AckFunc.
	Close()
}

// Counter is implemented by producers and consumers that count events of their own
// client, which the engine cannot see: requests throttled by the broker, retries, records
// given up on. The engine sums the counts of every producer and consumer by name, after
// Close, into the result.
type Counter interface {
	Counts() map[string]int64
}

// Killer is a Consumer that can also be stopped as a crashed process would stop: at
// once, committing nothing and taking no leave of its group, so that the broker finds
// out only when the member's session expires. A killed consumer is not closed again.
type Killer interface {
	Kill()
}

// DeliverFunc is called for each message received, with its value, the partition (or
// shard index) it came from, and its offset in that partition, or -1 where the broker
// has no such number (Kinesis sequence numbers are not consecutive offsets). The offset
// tells a re-delivery of the same record (after a consumer restart or a group
// rebalance) from a second copy of a message in the log. The value is only valid during
// the call. For one consumer, calls are never concurrent.
type DeliverFunc func(value []byte, partition int32, offset int64)

// Consumer reads messages from the topology.
type Consumer interface {
	// WaitReady returns once the consumer will see every message produced from now on
	// (partitions assigned, iterators positioned).
	WaitReady(ctx context.Context) error
	// Poll blocks until some messages arrive, calls fn for each, and returns. It returns
	// ctx.Err() once ctx is done.
	Poll(ctx context.Context, fn DeliverFunc) error
	Close()
}

// BrokerInfo says what answered at the other end.
type BrokerInfo struct {
	// Product is the broker's name, e.g. "Apache Kafka".
	Product string `json:"product"`
	// Version as the broker reports it, or as far as it can be inferred.
	Version string `json:"version"`
}

// Driver is one connection to one broker, for one run.
type Driver interface {
	// Broker describes the broker that answers.
	Broker(ctx context.Context) (BrokerInfo, error)
	// Setup creates the topology; Teardown deletes it.
	Setup(ctx context.Context) error
	Teardown(ctx context.Context) error
	// NewProducer starts producer number id; ack is called for each message it sends.
	NewProducer(ctx context.Context, id int, ack AckFunc) (Producer, error)
	// NewConsumer starts consumer number id.
	NewConsumer(ctx context.Context, id int) (Consumer, error)
	// Close releases what the driver holds (not the topology).
	Close()
}

// Settings is a driver's block of a scenario (for example `kafka:`), decoded onto a
// value that already holds every default. It is written into the result as it is, so
// it must marshal to JSON and must not hold secrets.
type Settings interface {
	// Validate calls report for each field that is out of range, naming the field by
	// its YAML key.
	Validate(report func(field, msg string))
}

// Config is what a driver is opened with.
type Config struct {
	// Address is where the broker is: bootstrap servers, an endpoint.
	Address string
	// Settings is the scenario's block for this driver (from the driver's NewSettings).
	Settings Settings
	// Topology is what the run uses.
	Topology Topology
	// Connection is how to connect beyond the address, in the driver's own type (TLS and
	// SASL for Kafka, an AWS profile for Kinesis); nil means the driver's plain default.
	// It comes from the command line and the environment, never from the scenario, and is
	// not written into results: it may hold secrets.
	Connection any
}

// Registration describes one driver.
type Registration struct {
	// Name is the driver's name and the key of its settings block in a scenario.
	Name string
	// NewSettings returns the driver's settings with every default filled in.
	NewSettings func() Settings
	// Open connects to a broker.
	Open func(ctx context.Context, cfg Config) (Driver, error)
}

// Registry holds the drivers a program knows, by name.
type Registry struct {
	byName map[string]Registration
}

// NewRegistry returns a registry of the given drivers.
func NewRegistry(regs ...Registration) *Registry {
	r := &Registry{byName: make(map[string]Registration, len(regs))}
	for _, reg := range regs {
		if _, dup := r.byName[reg.Name]; dup {
			panic("drivers: " + reg.Name + " registered twice")
		}
		r.byName[reg.Name] = reg
	}
	return r
}

// Lookup returns the driver called name.
func (r *Registry) Lookup(name string) (Registration, error) {
	reg, ok := r.byName[name]
	if !ok {
		return Registration{}, fmt.Errorf("unknown driver %q (known: %s)", name, strings.Join(r.Names(), ", "))
	}
	return reg, nil
}

// Names lists the registered drivers in order.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.byName))
	for n := range r.byName {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// RawSettings is a settings block read back from a result file, kept as the JSON it was
// written as: a report has no need to know every driver's settings type.
type RawSettings []byte

// Validate accepts anything: the block was validated when the run was made.
func (RawSettings) Validate(func(field, msg string)) {}

// MarshalJSON writes the block as it was read.
func (r RawSettings) MarshalJSON() ([]byte, error) {
	if len(r) == 0 {
		return []byte("null"), nil
	}
	return r, nil
}

// Secret is a password or key. It prints, and marshals to JSON, as "[hidden]", so that a
// stray %v or a settings dump cannot put it into a log or a result file; Reveal gives the
// value to the code that must send it.
type Secret string

// String hides the secret.
func (Secret) String() string { return "[hidden]" }

// GoString hides the secret from %#v.
func (Secret) GoString() string { return `"[hidden]"` }

// MarshalJSON hides the secret.
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"[hidden]"`), nil }

// Reveal returns the secret itself.
func (s Secret) Reveal() string { return string(s) }

// ErrUnsupported is wrapped by a driver's error when the broker's API cannot express
// what was asked (a Kinesis stream with no retention limit), as opposed to a broker that
// was asked and refused.
var ErrUnsupported = errors.New("the broker's API cannot express this")

// RetentionController is implemented by drivers that can read and change how long the
// broker keeps the topology's messages. A negative duration means no time limit.
type RetentionController interface {
	Retention(ctx context.Context) (time.Duration, error)
	// SetRetention asks the broker for a new retention; its error is the broker's
	// refusal, or wraps ErrUnsupported.
	SetRetention(ctx context.Context, d time.Duration) error
}

// EncryptionReporter is implemented by drivers that can say how the broker stores the
// topology's messages: whether it encrypts them at rest, and in its own words
// (Kinesis's EncryptionType "NONE" or "KMS"; what a Kafka broker does).
type EncryptionReporter interface {
	Encryption(ctx context.Context) (atRest bool, detail string, err error)
}

// Scaler is implemented by drivers that can add partitions (shards) to the topology
// while a run goes on. Scale returns once the broker has made the change; how soon the
// clients use the new capacity is what a run measures.
type Scaler interface {
	Scale(ctx context.Context, partitions int) error
}

// Replayer is implemented by drivers that can read the whole topology again from its
// oldest message, as a new reader with no saved position would: the replay a durable
// log allows. Replay returns once it has read up to what the topology held when it was
// called.
type Replayer interface {
	Replay(ctx context.Context, fn DeliverFunc) error
}

// MessageShape is what a driver needs to know of a run's messages to say how large one
// may be.
type MessageShape struct {
	// KeyLen is the length of the longest key the run gives a message; 0 means the
	// messages have no key.
	KeyLen int
	// Partitioned is set when the messages name their partition (Message.Partition is
	// not -1).
	Partitioned bool
}

// SizeLimit is one bound on the size of a message: the broker's, or the driver's own
// client's.
type SizeLimit struct {
	// MaxValue is the largest Message.Value, in bytes, that is accepted.
	MaxValue int
	// By says what sets the limit, with its value and where that was read, and what the
	// framing around the value takes from it.
	By string
	// Remedy says how to allow larger messages; empty when nothing can.
	Remedy string
	// Compressed is set when the limit applies to what the client sends after
	// compressing: a payload that compresses can pass above MaxValue.
	Compressed bool
}

// SizeLimiter is implemented by drivers that know how large a message the broker, and
// the driver's own client, accept on the run's topology. The engine asks once the
// topology exists, so that a scenario whose messages cannot be sent is refused before
// the load starts rather than measured as a run of errors.
type SizeLimiter interface {
	SizeLimits(ctx context.Context, shape MessageShape) ([]SizeLimit, error)
}
