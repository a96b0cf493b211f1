package verify

import (
	"encoding/json"
	"fmt"

	"streambench/report"
)

// AWS's published write quotas of one Kinesis shard, which an emulator started with
// them enforced (ferrokinesis) holds a stream to.
const (
	shardRecordsPerS = 1000
	shardBytesPerS   = 1 << 20
)

// quotaShare is how close to the shards' write quota a run's received rate must come for
// the quota, not the emulator's speed, to be what bounded it. An engine that refuses
// writes over the quota is answering faster than the quota lets records in, so the
// emulator is not the limit; what keeps the rate below the quota itself is the
// producer's backoff before retrying refused records (one shard offered 2,000 records/s
// on ferrokinesis delivered 875/s: 1,000 allowed, the rest of each second's window lost
// to backoff), which an application on Amazon Kinesis pays too.
const quotaShare = 0.8

// quotaBound says whether the figure m of run r, on an emulator, is bounded by an AWS
// write quota that the emulator enforced rather than by the emulator's own speed, and
// if so says it in words. It holds for a received rate of a run whose engine enforced
// the write quotas, refused writes above them, and delivered at least 80 % (and at most
// 105 %) of what the quota allows its shards.
func quotaBound(r *report.Result, m metric) (string, bool) {
	if !r.Target.Emulator || !r.Target.WriteQuotas || m.family != "throughput" || m.name == "throughput.sent_msgs_per_s" {
		return "", false
	}
	if aggregated(r) {
		// Aggregated, a Kinesis record holds several messages: the received rate of
		// messages is no longer the rate of records the quota counts.
		return "", false
	}
	throttled := r.DriverCounts["records_throttled"]
	shards := r.Scenario.Topology.Partitions
	perShard := min(float64(shardRecordsPerS), float64(shardBytesPerS)/float64(max(r.Scenario.Workload.MessageSize, 1)))
	quota := perShard * float64(shards)
	got := r.Throughput.ReceivedMsgsPerS
	if throttled == 0 || shards < 1 || got < quotaShare*quota || got > 1.05*quota {
		return "", false
	}
	return fmt.Sprintf("%d shard(s) delivered %s records/s: bounded by AWS's published write quota (%s records/s per shard), "+
		"enforced by the emulator (%s %s, %d writes refused) and by the producer's retries, not by the emulator's speed",
		shards, report.Trimmed.Format(got), report.Trimmed.Format(perShard), r.Target.Broker.Product, r.Target.Broker.Version, throttled), true
}

// aggregated reports whether the run's Kinesis producer packed several messages into a
// record, or says so when its settings cannot be read. A result read back from its file
// holds the settings as the JSON they were written as, so they are read as JSON either
// way.
func aggregated(r *report.Result) bool {
	b, err := json.Marshal(r.Scenario.Drivers["kinesis"])
	var set struct {
		Aggregation *bool `json:"aggregation"`
	}
	if err != nil || json.Unmarshal(b, &set) != nil || set.Aggregation == nil {
		return true
	}
	return *set.Aggregation
}
