package kafka_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"streambench/bench"
	"streambench/brokers/brokertest"
	"streambench/drivers"
	"streambench/drivers/kafka"
)

// TestRunAgainstRealKafka runs the engine end to end against a real broker, once per
// way of keying, and checks that every message arrives exactly once.
func TestRunAgainstRealKafka(t *testing.T) {
	addr := brokertest.Kafka(t)
	reg := drivers.NewRegistry(kafka.Registration)
	for _, tc := range []struct {
		name string
		keys bench.Keys
		set  func(*kafka.Settings)
	}{
		{"round-robin, defaults", bench.Keys{Mode: bench.KeysRoundRobin}, nil},
		{"no key, sticky partitioner", bench.Keys{Mode: bench.KeysNone}, nil},
		{"fixed keys, acks 1, lz4", bench.Keys{Mode: bench.KeysFixed, Count: 7}, func(s *kafka.Settings) {
			s.Acks, s.Idempotence, s.Compression = "1", false, "lz4"
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := bench.NewScenario(reg)
			s.Name, s.Targets = "kafka-test", []string{"kafka"}
			s.Duration, s.Warmup = bench.Duration(2*time.Second), bench.Duration(500*time.Millisecond)
			s.Topology.Partitions = 3
			s.Workload.Rate = bench.Rate{PerSecond: 2000}
			s.Workload.Producers, s.Workload.Consumers = 2, 2
			s.Workload.Keys = tc.keys
			set := s.Drivers["kafka"].(*kafka.Settings)
			if tc.set != nil {
				tc.set(set)
			}
			d, err := kafka.Open(context.Background(), drivers.Config{
				Address:  addr,
				Settings: set,
				Topology: drivers.Topology{Name: "kafka-test-" + time.Now().Format("150405.000000"), Partitions: 3, Replication: 1, Retention: time.Hour},
			})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			info, err := d.Broker(context.Background())
			if err != nil || info.Version == "" {
				t.Errorf("Broker() = %+v, %v", info, err)
			}
			m, err := bench.Run(context.Background(), &s, d, bench.Options{Logf: t.Logf})
			if err != nil {
				t.Fatal(err)
			}
			c := m.Counts
			if c.Sent < 4000 || c.Sent != c.Acked || c.Sent != c.Received {
				t.Errorf("sent %d, acked %d, received %d: want all equal, about 5000", c.Sent, c.Acked, c.Received)
			}
			if c.Lost != 0 || c.Duplicated != 0 || c.SendErrors != 0 || c.Reordered != 0 || c.Foreign != 0 {
				t.Errorf("integrity: %+v", c)
			}
			// Batches hold one or more records, requests one or more batches.
			dc := m.DriverCounts
			if dc["batches"] == 0 || dc["batches"] > c.Sent || dc["produce_requests"] == 0 || dc["produce_requests"] > dc["batches"] ||
				dc["batch_bytes"] < c.Sent*int64(s.Workload.MessageSize)/2 {
				t.Errorf("driver counts %v for %d messages of %d bytes", dc, c.Sent, s.Workload.MessageSize)
			}
			for name, h := range map[string]interface {
				TotalCount() int64
				Min() int64
				Max() int64
			}{"publish": m.Publish, "end-to-end": m.EndToEnd, "service": m.Service} {
				if h.TotalCount() == 0 || h.Min() <= 0 || h.Max() >= int64(10*time.Second) {
					t.Errorf("%s: %d values from %d to %d ns; want some, all in (0, 10 s)", name, h.TotalCount(), h.Min(), h.Max())
				}
			}
		})
	}
}

// TestSetupFailsFastOnAClosedPort checks that a wrong address is an error naming it,
// within the setup bound, rather than a hang.
func TestSetupFailsFastOnAClosedPort(t *testing.T) {
	d, err := kafka.Open(context.Background(), drivers.Config{
		Address:  "127.0.0.1:1",
		Settings: kafka.NewSettings(),
		Topology: drivers.Topology{Name: "never", Partitions: 1, Replication: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	start := time.Now()
	err = d.Setup(context.Background())
	if err == nil {
		t.Fatal("Setup on a closed port succeeded")
	}
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("Setup took %s to fail", took)
	}
	if got := err.Error(); !strings.Contains(got, "127.0.0.1:1") {
		t.Errorf("error %q does not name the address", got)
	}
}

// The driver implements every optional interface the engine looks for.
var (
	_ drivers.Replayer            = (*kafka.Driver)(nil)
	_ drivers.Scaler              = (*kafka.Driver)(nil)
	_ drivers.RetentionController = (*kafka.Driver)(nil)
	_ drivers.EncryptionReporter  = (*kafka.Driver)(nil)
)
