package kafka

import (
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"streambench/drivers"
)

// Settings is the `kafka:` block of a scenario. The defaults are Apache Kafka 4.x's own
// producer and consumer defaults (not franz-go's), so a run compares with what a Java
// client does out of the box.
type Settings struct {
	// Acks is all, 1 (leader only) or 0 (none).
	Acks string `yaml:"acks" json:"acks"`
	// Linger is how long the producer waits to fill a batch.
	Linger drivers.Duration `yaml:"linger" json:"linger"`
	// BatchMaxBytes is the largest record batch the producer builds.
	BatchMaxBytes int `yaml:"batch_max_bytes" json:"batch_max_bytes"`
	// Compression is none, gzip, snappy, lz4 or zstd.
	Compression string `yaml:"compression" json:"compression"`
	// Idempotence turns the idempotent producer on (it needs acks all).
	Idempotence bool `yaml:"idempotence" json:"idempotence"`
	// MaxInFlight is the number of produce requests in flight per broker.
	MaxInFlight int `yaml:"max_in_flight" json:"max_in_flight"`
	// DeliveryTimeout is how long a record may wait for its acknowledgement, retries
	// included, before it counts as a send error.
	DeliveryTimeout drivers.Duration `yaml:"delivery_timeout" json:"delivery_timeout"`
	// FetchMaxWait is how long the broker may hold a fetch to gather FetchMinBytes.
	FetchMaxWait drivers.Duration `yaml:"fetch_max_wait" json:"fetch_max_wait"`
	// FetchMinBytes is the least data a fetch response waits for.
	FetchMinBytes int `yaml:"fetch_min_bytes" json:"fetch_min_bytes"`
	// MetadataMaxAge is how often clients refresh the cluster's metadata at the latest:
	// partitions added during a run are used only from a client's next refresh.
	MetadataMaxAge drivers.Duration `yaml:"metadata_max_age" json:"metadata_max_age"`
	// SessionTimeout is how long the group coordinator waits for a silent consumer
	// before it gives its partitions to the others: what a killed consumer costs.
	SessionTimeout drivers.Duration `yaml:"session_timeout" json:"session_timeout"`
}

// The values of acks and compression, and what they mean to franz-go.
var (
	acksByName = map[string]kgo.Acks{"all": kgo.AllISRAcks(), "1": kgo.LeaderAck(), "0": kgo.NoAck()}

	compressionByName = map[string]kgo.CompressionCodec{
		"none": kgo.NoCompression(), "gzip": kgo.GzipCompression(), "snappy": kgo.SnappyCompression(),
		"lz4": kgo.Lz4Compression(), "zstd": kgo.ZstdCompression(),
	}
)

// NewSettings returns the defaults.
func NewSettings() *Settings {
	return &Settings{
		Acks:            "all",
		Linger:          drivers.Duration(5 * time.Millisecond),
		BatchMaxBytes:   16384,
		Compression:     "none",
		Idempotence:     true,
		MaxInFlight:     5,
		DeliveryTimeout: drivers.Duration(2 * time.Minute),
		FetchMaxWait:    drivers.Duration(500 * time.Millisecond),
		FetchMinBytes:   1,
		MetadataMaxAge:  drivers.Duration(5 * time.Minute),
		SessionTimeout:  drivers.Duration(45 * time.Second),
	}
}

// Validate reports each out-of-range setting.
func (s *Settings) Validate(report func(field, msg string)) {
	_, acksKnown := acksByName[s.Acks]
	if !acksKnown {
		report("acks", fmt.Sprintf("must be all, 1 or 0, not %q", s.Acks))
	}
	if d := s.Linger.D(); d < 0 || d > time.Minute {
		report("linger", "must be from 0 to 1m")
	}
	if s.BatchMaxBytes < 1 || s.BatchMaxBytes > 64<<20 {
		report("batch_max_bytes", "must be from 1 to 67108864")
	}
	if _, ok := compressionByName[s.Compression]; !ok {
		report("compression", fmt.Sprintf("must be none, gzip, snappy, lz4 or zstd, not %q", s.Compression))
	}
	// Only for acks that exist: for others, the complaint would read as if they did, and
	// come first (idempotence is set where the kafka block starts).
	if s.Idempotence && acksKnown && s.Acks != "all" {
		report("idempotence", "needs acks: all (set idempotence: false to use acks "+s.Acks+")")
	}
	if s.MaxInFlight < 1 || s.MaxInFlight > 1000 {
		report("max_in_flight", "must be from 1 to 1000")
	} else if s.Idempotence && s.MaxInFlight != 5 {
		report("max_in_flight", "must be 5 with idempotence: the idempotent producer (franz-go, as the Java client) keeps 5 requests in flight; set idempotence: false to choose another value")
	}
	if d := s.DeliveryTimeout.D(); d < time.Second || d > time.Hour {
		report("delivery_timeout", "must be from 1s to 1h")
	}
	// franz-go refuses less than 10 ms (a client that never waits would poll in a loop).
	if d := s.FetchMaxWait.D(); d < 10*time.Millisecond || d > time.Minute {
		report("fetch_max_wait", "must be from 10ms (the least franz-go accepts) to 1m")
	}
	if s.FetchMinBytes < 1 || s.FetchMinBytes > 64<<20 {
		report("fetch_min_bytes", "must be from 1 to 67108864")
	}
	if d := s.MetadataMaxAge.D(); d < time.Second || d > time.Hour {
		report("metadata_max_age", "must be from 1s to 1h")
	}
	// The broker's group.min.session.timeout.ms and group.max.session.timeout.ms defaults.
	if d := s.SessionTimeout.D(); d < 6*time.Second || d > 30*time.Minute {
		report("session_timeout", "must be from 6s to 30m (the broker's default bounds)")
	}
}
