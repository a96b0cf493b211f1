package bench

import (
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Phase is the part of a run a moment belongs to.
type Phase string

// The phases of a run, in order.
const (
	PhaseWarmup  Phase = "warmup"
	PhaseMeasure Phase = "measure"
	PhaseDrain   Phase = "drain"
)

// Progress is a snapshot of a run in progress.
type Progress struct {
	Phase   Phase
	Elapsed time.Duration // since the first send
	Total   time.Duration // warm-up plus duration
	// Sent and Received count messages so far.
	Sent, Received int64
	// SentRate and ReceivedRate are messages per second over the last second.
	SentRate, ReceivedRate float64
	// P99 is the end-to-end 99th percentile of the measured part so far (0 before it).
	P99 time.Duration
}

// Counts account for every message of a run, warm-up and drain included.
type Counts struct {
	// Requested is what the schedule asked for until the load stopped (open loop), or
	// what was sent (closed loop).
	Requested int64 `json:"requested"`
	Sent      int64 `json:"sent"`
	Acked     int64 `json:"acked"`
	// SendErrors are messages whose send failed.
	SendErrors int64 `json:"send_errors"`
	// NotSent are messages the schedule asked for that the producers never sent because
	// they fell behind.
	NotSent    int64 `json:"not_sent"`
	Received   int64 `json:"received"`
	Lost       int64 `json:"lost"`
	Duplicated int64 `json:"duplicated"`
	Reordered  int64 `json:"reordered"`
	// Redelivered counts deliveries of a record the consumers had already been given,
	// at the same partition and offset: read again after a consumer restart or a group
	// rebalance from the last committed offset (at-least-once delivery), not a second
	// copy in the log, which counts as duplicated. Only drivers that report offsets
	// (Kafka) tell the two apart; elsewhere every second delivery is a duplicate.
	Redelivered int64 `json:"redelivered"`
	// Unacknowledged are messages received although their send was not acknowledged.
	Unacknowledged int64 `json:"unacknowledged"`
	// Foreign are messages on the topic that this run did not send.
	Foreign int64 `json:"foreign"`
}

// Interval is one second of a run.
type Interval struct {
	// Start is the interval's start in seconds since the first send; warm-up comes first.
	Start   float64 `json:"start_s"`
	Seconds float64 `json:"length_s"`
	Phase   Phase   `json:"phase"`
	// Offered is how many messages the schedule intended in the interval (open loop
	// only; none in the drain): the offered rate, beside which Sent shows how the
	// producers kept up.
	Offered int64 `json:"offered,omitempty"`
	// Messages sent, acknowledged, failed and received (first deliveries) in the interval.
	Sent       int64 `json:"sent"`
	Acked      int64 `json:"acked"`
	SendErrors int64 `json:"send_errors"`
	Received   int64 `json:"received"`
	// Latencies of the messages acknowledged and received in the interval, in µs.
	PublishP50 float64 `json:"publish_p50_us"`
	PublishP99 float64 `json:"publish_p99_us"`
	PublishMax float64 `json:"publish_max_us,omitempty"`
	E2EP50     float64 `json:"end_to_end_p50_us"`
	E2EP99     float64 `json:"end_to_end_p99_us"`
	E2EMax     float64 `json:"end_to_end_max_us,omitempty"`
}

// ErrorCount is one kind of error seen during a run.
type ErrorCount struct {
	Where string `json:"where"`
	Count int64  `json:"count"`
	First string `json:"first"`
	// FirstS and LastS are when the first and the last of them happened, in seconds
	// since the first send: a broker that went away mid-run shows as errors from then on.
	FirstS float64 `json:"first_s,omitempty"`
	LastS  float64 `json:"last_s,omitempty"`
}

// Measurements are what a run measured.
type Measurements struct {
	StartedAt, EndedAt time.Time
	// Interrupted is set when the load was stopped before the scenario's end.
	Interrupted bool
	// MeasuredSeconds is the length of the measured window (shorter when interrupted).
	MeasuredSeconds float64
	Counts          Counts
	// Sends and receipts during the measured window, for throughput.
	SentInWindow, ReceivedInWindow int64
	// Latency histograms in nanoseconds of the messages meant to be sent in the
	// measured window: publish (ack − intended), end-to-end (receipt − intended),
	// service (ack − actual send) and send lag (actual − intended send; open loop only).
	Publish, EndToEnd, Service, SendLag *hdrhistogram.Histogram
	// CPUSeconds is the CPU time the whole bench process used from the first send to the
	// end of the drain: producers, consumers, recording and the clients' own work.
	CPUSeconds float64
	// PeakRSSBytes is the most memory the bench process held resident during the run
	// (Linux; 0 elsewhere): with the clients' buffers, the messages in flight, the
	// histograms and the integrity bitsets.
	PeakRSSBytes int64
	// Clamped counts latencies above an hour, recorded as an hour.
	Clamped   int64
	Intervals []Interval
	Errors    []ErrorCount
	// DriverCounts are the counts the drivers' producers and consumers keep of their
	// own (drivers.Counter), summed by name.
	DriverCounts map[string]int64
	// DrainExpired is set when the drain time ran out before the consumers had
	// received every acknowledged message; StillArriving, when they were still
	// receiving in its last second: then some of the messages counted lost were late,
	// not gone.
	DrainExpired, StillArriving bool
	// Probes are the answers to the scenario's probes; Actions what its timeline did.
	Probes  []Probe
	Actions []ActionRecord
	// Partitions says, for a run with a timeline, when each partition (shard) first
	// delivered a message and how many it delivered.
	Partitions []PartitionReceipt
	// Replay is what reading the topology again from its start found (scenario replay).
	Replay *Replay
	// Backlog is how the consumers read the backlog the load left
	// (workload.consume: after).
	Backlog *Backlog
}
