package kinesis

import (
	"fmt"
	"time"

	"streambench/drivers"
)

// The values of the settings that choose a way of working.
const (
	StreamProvisioned = "provisioned"
	StreamOnDemand    = "on_demand"

	ProducePutRecords = "put_records"
	ProducePutRecord  = "put_record"

	ConsumePolling = "polling"
	ConsumeEFO     = "efo"

	EngineAuto         = "auto"
	EngineFerrokinesis = "ferrokinesis"
	EngineKinesisMock  = "kinesis-mock"

	IteratorTrimHorizon = "trim_horizon"
	IteratorLatest      = "latest"
	IteratorAtTimestamp = "at_timestamp"
)

// AWS's documented limits that bound the settings.
const (
	maxBatchRecords   = 500      // records per PutRecords call
	maxBatchBytes     = 10 << 20 // bytes per PutRecords call
	maxRecordBytes    = 1 << 20  // data plus partition key of one record (the default stream limit)
	maxGetRecords     = 10000    // records per GetRecords call
	subscriptionLimit = 5 * time.Minute
)

// Settings is the `kinesis:` block of a scenario. The producer defaults are those of the
// Kinesis Producer Library (KPL), the consumer defaults those AWS documents for polling
// consumers, so a run compares with what an application gets out of the box.
type Settings struct {
	// Engine is the local engine bench runs when no endpoint is named: ferrokinesis,
	// kinesis-mock, or auto (ferrokinesis where it can be built, else kinesis-mock). A
	// scenario names one where only that engine is faithful to what it checks. It says
	// nothing to a named endpoint or to AWS.
	Engine string `yaml:"engine" json:"engine"`
	// StreamMode is provisioned (the scenario's partitions are the shard count) or
	// on_demand (AWS chooses the shards).
	StreamMode string `yaml:"stream_mode" json:"stream_mode"`
	// Producer is put_records (batches) or put_record (one call per message).
	Producer string `yaml:"producer" json:"producer"`
	// BatchRecords and BatchBytes bound one PutRecords call.
	BatchRecords int `yaml:"batch_records" json:"batch_records"`
	BatchBytes   int `yaml:"batch_bytes" json:"batch_bytes"`
	// Linger is how long a record may wait for its batch to fill (the KPL's
	// RecordMaxBufferedTime).
	Linger drivers.Duration `yaml:"linger" json:"linger"`
	// MaxInFlight is the number of put calls a producer has outstanding at once.
	MaxInFlight int `yaml:"max_in_flight" json:"max_in_flight"`
	// Aggregation packs several messages into one Kinesis record in the KPL's format,
	// up to AggregationMaxBytes each.
	Aggregation         bool `yaml:"aggregation" json:"aggregation"`
	AggregationMaxBytes int  `yaml:"aggregation_max_bytes" json:"aggregation_max_bytes"`
	// RetryBackoff is the first wait before a rejected record is sent again; it doubles
	// with each retry, up to 100 times the first wait.
	RetryBackoff drivers.Duration `yaml:"retry_backoff" json:"retry_backoff"`
	// DeliveryTimeout is how long a record may be retried before it counts as a send
	// error (the KPL's RecordTtl).
	DeliveryTimeout drivers.Duration `yaml:"delivery_timeout" json:"delivery_timeout"`

	// Consumer is polling (GetRecords) or efo (enhanced fan-out, SubscribeToShard).
	Consumer string `yaml:"consumer" json:"consumer"`
	// Iterator is where consumers start: trim_horizon, latest or at_timestamp (the
	// time the consumer starts).
	Iterator string `yaml:"iterator" json:"iterator"`
	// PollInterval is the wait between two GetRecords calls on one shard that found
	// nothing new; AWS allows 5 calls a second per shard.
	PollInterval drivers.Duration `yaml:"poll_interval" json:"poll_interval"`
	// GetRecordsLimit is the most records one GetRecords call returns.
	GetRecordsLimit int `yaml:"get_records_limit" json:"get_records_limit"`
	// ResubscribeAfter is how long an enhanced fan-out subscription is kept before it is
	// renewed; AWS ends each one after 5 minutes.
	ResubscribeAfter drivers.Duration `yaml:"resubscribe_after" json:"resubscribe_after"`
	// AWSQuotas applies AWS's per-shard quotas on an emulator: the local engine bench
	// starts enforces the write quotas where it can (ferrokinesis), and the consumers
	// read no faster than the read quotas allow: 5 GetRecords calls and 2 MiB a second
	// per shard, 10 MiB per call, and 2 MiB a second per shard for enhanced fan-out.
	// Against AWS itself the service enforces them and the driver models nothing.
	AWSQuotas bool `yaml:"aws_quotas" json:"aws_quotas"`
}

// NewSettings returns the defaults.
func NewSettings() *Settings {
	return &Settings{
		Engine:              EngineAuto,
		AWSQuotas:           true,
		StreamMode:          StreamProvisioned,
		Producer:            ProducePutRecords,
		BatchRecords:        maxBatchRecords,
		BatchBytes:          5 << 20, // the KPL's CollectionMaxSize
		Linger:              drivers.Duration(100 * time.Millisecond),
		MaxInFlight:         16,
		Aggregation:         false,
		AggregationMaxBytes: 51200, // the KPL's AggregationMaxSize
		RetryBackoff:        drivers.Duration(100 * time.Millisecond),
		DeliveryTimeout:     drivers.Duration(30 * time.Second),
		Consumer:            ConsumePolling,
		Iterator:            IteratorTrimHorizon,
		PollInterval:        drivers.Duration(200 * time.Millisecond),
		GetRecordsLimit:     maxGetRecords,
		ResubscribeAfter:    drivers.Duration(subscriptionLimit - 10*time.Second),
	}
}

// Validate reports each out-of-range setting.
func (s *Settings) Validate(report func(field, msg string)) {
	oneOf := func(field, v string, allowed ...string) {
		for _, a := range allowed {
			if v == a {
				return
			}
		}
		report(field, fmt.Sprintf("must be one of %v, not %q", allowed, v))
	}
	between := func(field string, v, lo, hi int) {
		if v < lo || v > hi {
			report(field, fmt.Sprintf("must be from %d to %d", lo, hi))
		}
	}
	durationBetween := func(field string, d drivers.Duration, lo, hi time.Duration) {
		if d.D() < lo || d.D() > hi {
			report(field, fmt.Sprintf("must be from %s to %s", drivers.Duration(lo), drivers.Duration(hi)))
		}
	}
	oneOf("engine", s.Engine, EngineAuto, EngineFerrokinesis, EngineKinesisMock)
	oneOf("stream_mode", s.StreamMode, StreamProvisioned, StreamOnDemand)
	oneOf("producer", s.Producer, ProducePutRecords, ProducePutRecord)
	between("batch_records", s.BatchRecords, 1, maxBatchRecords)
	between("batch_bytes", s.BatchBytes, 1, maxBatchBytes)
	durationBetween("linger", s.Linger, 0, time.Minute)
	between("max_in_flight", s.MaxInFlight, 1, 1000)
	between("aggregation_max_bytes", s.AggregationMaxBytes, 64, maxRecordBytes)
	if s.Aggregation && s.Producer != ProducePutRecords {
		report("aggregation", "needs producer: put_records")
	}
	durationBetween("retry_backoff", s.RetryBackoff, time.Millisecond, time.Minute)
	durationBetween("delivery_timeout", s.DeliveryTimeout, time.Second, time.Hour)
	oneOf("consumer", s.Consumer, ConsumePolling, ConsumeEFO)
	oneOf("iterator", s.Iterator, IteratorTrimHorizon, IteratorLatest, IteratorAtTimestamp)
	durationBetween("poll_interval", s.PollInterval, 0, time.Minute)
	between("get_records_limit", s.GetRecordsLimit, 1, maxGetRecords)
	durationBetween("resubscribe_after", s.ResubscribeAfter, time.Second, subscriptionLimit)
}
