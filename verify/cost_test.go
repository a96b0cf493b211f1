package verify

import (
	"math"
	"path/filepath"
	"testing"

	"streambench/report"
)

// TestCosts checks the cost metrics against sums done by hand from
// testdata/claims/prices.yaml: shard_hour 0.015, put_payload_units_per_million 0.014,
// on_demand_stream_hour 0.04, per GB ingested 0.08 and retrieved 0.04; 3 Kafka brokers
// at 0.20 an hour, storage 0.08 per GB-month over 168 hours.
func TestCosts(t *testing.T) {
	c, err := LoadClaims(filepath.Join(claimsDir, "good.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name       string
		rate       float64
		size       int
		partitions int
		metric     string
		want       float64
	}{
		// 2 shards × 0.015 × 730 = 21.9; 1,000 msg/s × 730 h × 3,600 s = 2,628 million
		// records of one 25 KB unit each × 0.014 = 36.792.
		{"provisioned", 1000, 100, 2, "cost.kinesis_provisioned_month", 21.9 + 36.792},
		// 30,000-byte records are 2 units of 25 KiB: 1 × 0.015 × 730 = 10.95, plus
		// 2 × 2,628 × 0.014 = 73.584.
		{"provisioned, large records", 1000, 30_000, 1, "cost.kinesis_provisioned_month", 10.95 + 73.584},
		// 0.04 × 730 = 29.2; 100-byte records count as 1,024 bytes: 2,628e6 × 1,024 /
		// 1e9 = 2,691.072 GB, × 0.08 = 215.28576 in and × 0.04 = 107.64288 out.
		{"on demand", 1000, 100, 4, "cost.kinesis_on_demand_month", 29.2 + 215.28576 + 107.64288},
		// 3 × 0.20 × 730 = 438; 1,000 msg/s × 100 B × 168 h × 3,600 s = 60.48 GB
		// retained, × 0.08 = 4.8384.
		{"kafka", 1000, 100, 4, "cost.kafka_month", 438 + 4.8384},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run("c5", "kinesis", 0, received(tc.rate), func(r *report.Result) {
				r.Scenario.Workload.MessageSize = tc.size
				r.Scenario.Topology.Partitions = tc.partitions
			})
			m, err := parseMetric(tc.metric)
			if err != nil {
				t.Fatal(err)
			}
			got, err := m.of(r, c.Prices)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got-tc.want) > 1e-9*tc.want {
				t.Errorf("%s = %.6f, want %.6f", tc.metric, got, tc.want)
			}
		})
	}
	// The unit of a cost is the prices file's currency.
	c.Claims = []Claim{{ID: "C5", Measurable: "partly", Checks: []Check{{Left: ref("c5", "kinesis", "cost.kinesis_on_demand_month"), Op: AtMost, Threshold: 1000}}}}
	v := Evaluate(c, []*report.Result{run("c5", "kinesis", 0, received(10))}).Claims[0]
	if v.Checks[0].Unit != "USD" {
		t.Errorf("cost unit %q, want USD", v.Checks[0].Unit)
	}
}
