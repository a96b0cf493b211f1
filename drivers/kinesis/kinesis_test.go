package kinesis_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"streambench/bench"
	"streambench/brokers/brokertest"
	"streambench/drivers"
	"streambench/drivers/kinesis"
)

// TestAgainstKinesisMock runs the engine end to end against the local kinesis-mock: one
// kinesis-mock for every subtest.
func TestAgainstKinesisMock(t *testing.T) {
	endpoint := brokertest.Kinesis(t)
	reg := drivers.NewRegistry(kinesis.Registration)
	scenario := func(shards int, set func(*kinesis.Settings)) (*bench.Scenario, *kinesis.Settings) {
		s := bench.NewScenario(reg)
		s.Name, s.Targets = "kinesis-test", []string{"kinesis"}
		s.Duration, s.Warmup = bench.Duration(3*time.Second), bench.Duration(500*time.Millisecond)
		s.Topology.Partitions = shards
		s.Workload.Rate = bench.Rate{PerSecond: 500}
		s.Workload.Producers, s.Workload.Consumers = 2, 2
		s.Workload.Keys = bench.Keys{Mode: bench.KeysRandom}
		ks := s.Drivers["kinesis"].(*kinesis.Settings)
		if set != nil {
			set(ks)
		}
		return &s, ks
	}
	// open opens the driver on a stream of its own, and returns the stream's name.
	open := func(t *testing.T, ks *kinesis.Settings, topo drivers.Topology) (drivers.Driver, string) {
		t.Helper()
		topo.Name = fmt.Sprintf("kinesis-test-%s", time.Now().Format("150405.000000"))
		d, err := kinesis.Open(context.Background(), drivers.Config{Address: endpoint, Settings: ks, Topology: topo})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(d.Close)
		return d, topo.Name
	}
	ferro := kinesis.Ferrokinesis(t)
	// measure runs the scenario.
	measure := func(t *testing.T, s *bench.Scenario, d drivers.Driver) *bench.Measurements {
		t.Helper()
		m, err := bench.Run(context.Background(), s, d, bench.Options{Logf: t.Logf})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	// run runs the scenario and checks that every message arrived exactly once.
	run := func(t *testing.T, s *bench.Scenario, d drivers.Driver, ordered bool) *bench.Measurements {
		t.Helper()
		m := measure(t, s, d)
		c := m.Counts
		want := int64(s.Workload.Rate.PerSecond * (s.Duration.D() + s.Warmup.D()).Seconds())
		if c.Sent < want*9/10 || c.Sent != c.Acked || c.Sent != c.Received {
			t.Errorf("sent %d, acked %d, received %d: want all equal, about %d", c.Sent, c.Acked, c.Received, want)
		}
		if c.Lost != 0 || c.Duplicated != 0 || c.SendErrors != 0 || c.Foreign != 0 || (ordered && c.Reordered != 0) {
			t.Errorf("integrity: %+v", c)
		}
		if m.EndToEnd.TotalCount() == 0 || m.Publish.TotalCount() == 0 {
			t.Errorf("no latencies recorded: %d end-to-end, %d publish", m.EndToEnd.TotalCount(), m.Publish.TotalCount())
		}
		t.Logf("counts %+v; driver %v; end-to-end p50 %v p99 %v", c, m.DriverCounts,
			time.Duration(m.EndToEnd.ValueAtQuantile(50)), time.Duration(m.EndToEnd.ValueAtQuantile(99)))
		return m
	}

	t.Run("PutRecord", func(t *testing.T) {
		s, ks := scenario(2, func(k *kinesis.Settings) { k.Producer = kinesis.ProducePutRecord })
		// kinesis-mock answers about 100 PutRecord calls a second on this kind of machine.
		s.Workload.Rate = bench.Rate{PerSecond: 50}
		d, _ := open(t, ks, drivers.Topology{Partitions: 2})
		m := run(t, s, d, false)
		if m.DriverCounts["put_calls"] != m.Counts.Sent {
			t.Errorf("%d PutRecord calls for %d messages", m.DriverCounts["put_calls"], m.Counts.Sent)
		}
	})

	t.Run("PutRecords batches of 500", func(t *testing.T) {
		s, ks := scenario(4, func(k *kinesis.Settings) {
			k.Linger = drivers.Duration(5 * time.Second) // batches leave full
			k.MaxInFlight = 1                            // and in order
		})
		// kinesis-mock takes about 2 s for a call of 500 records (and 0.1 s for 100): a low
		// rate, so that one call at a time keeps up.
		s.Workload.Rate = bench.Rate{PerSecond: 200}
		s.Duration = bench.Duration(5 * time.Second)
		s.Workload.Producers, s.Workload.Keys = 1, bench.Keys{Mode: bench.KeysRoundRobin}
		d, _ := open(t, ks, drivers.Topology{Partitions: 4})
		m := run(t, s, d, true)
		if calls, full := m.DriverCounts["put_calls"], m.Counts.Sent/500; calls < full || calls > full+1 {
			t.Errorf("%d PutRecords calls for %d messages: want batches of 500", calls, m.Counts.Sent)
		}
	})

	t.Run("aggregation", func(t *testing.T) {
		s, ks := scenario(2, func(k *kinesis.Settings) {
			k.Aggregation, k.AggregationMaxBytes = true, 4096
			k.Linger = drivers.Duration(50 * time.Millisecond)
		})
		s.Workload.Keys = bench.Keys{Mode: bench.KeysFixed, Count: 7}
		d, _ := open(t, ks, drivers.Topology{Partitions: 2})
		m := run(t, s, d, false)
		put, in := m.DriverCounts["records_put"], m.DriverCounts["aggregated_records"]
		if put == 0 || put*4 > m.Counts.Sent || in != put {
			t.Errorf("%d Kinesis records put and %d aggregated records read for %d messages: want one record for many messages, all read back",
				put, in, m.Counts.Sent)
		}
	})

	t.Run("enhanced fan-out", func(t *testing.T) {
		s, ks := scenario(2, func(k *kinesis.Settings) {
			k.Consumer = kinesis.ConsumeEFO
			k.ResubscribeAfter = drivers.Duration(1500 * time.Millisecond)
		})
		d, _ := open(t, ks, drivers.Topology{Partitions: 2})
		var m *bench.Measurements
		if ferro {
			// ferrokinesis 0.7.0 starts every subscription at the shard's start (it
			// drops StartingPosition.SequenceNumber, see TestPositionsOnKinesisMock):
			// each renewal delivers the shard again. Nothing is lost.
			m = measure(t, s, d)
			if c := m.Counts; c.Sent == 0 || c.Received != c.Sent || c.Lost != 0 || c.Duplicated == 0 {
				t.Errorf("ferrokinesis: %+v: want every message received, and duplicates from renewed subscriptions that start over (if none, the engine is fixed: make this the normal check)", c)
			}
		} else {
			m = run(t, s, d, false)
		}
		// Two shards, renewed every 1.5 s over about 3.5 s of load and the drain.
		if n := m.DriverCounts["subscriptions"]; n < 4 {
			t.Errorf("%d subscriptions: want each shard's renewed at least once", n)
		}
	})

	for _, it := range []string{kinesis.IteratorLatest, kinesis.IteratorAtTimestamp} {
		t.Run("iterator "+it, func(t *testing.T) {
			s, ks := scenario(1, func(k *kinesis.Settings) { k.Iterator = it })
			s.Duration = bench.Duration(time.Second)
			d, _ := open(t, ks, drivers.Topology{Partitions: 1})
			run(t, s, d, false)
		})
	}

	t.Run("reshard mid-run", func(t *testing.T) {
		// One put call at a time: calls in flight together may land in either order
		// (on AWS too), and the order checked here is the one the readers keep across
		// the reshard, parents before children.
		s, ks := scenario(2, func(k *kinesis.Settings) { k.MaxInFlight = 1 })
		s.Duration = bench.Duration(4 * time.Second)
		d, stream := open(t, ks, drivers.Topology{Partitions: 2})
		api := client(endpoint)
		done := make(chan error, 1)
		go func() {
			time.Sleep(2 * time.Second) // in the middle of the load
			_, err := api.UpdateShardCount(context.Background(), &awskinesis.UpdateShardCountInput{
				StreamName: aws.String(stream), TargetShardCount: aws.Int32(4), ScalingType: types.ScalingTypeUniformScaling,
			})
			done <- err
		}()
		s.Workload.Keys = bench.Keys{Mode: bench.KeysFixed, Count: 50}
		// Keep the stream, to look at its shards after the run.
		m, err := bench.Run(context.Background(), s, d, bench.Options{Logf: t.Logf, Keep: true})
		t.Cleanup(func() { d.Teardown(context.Background()) })
		if err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatalf("UpdateShardCount: %v", err)
		}
		c := m.Counts
		out, err := api.ListShards(context.Background(), &awskinesis.ListShardsInput{StreamName: aws.String(stream)})
		if err != nil {
			t.Fatal(err)
		}
		open, orphans := 0, 0
		for _, sh := range out.Shards {
			if sh.SequenceNumberRange.EndingSequenceNumber == nil {
				open++
				if sh.ParentShardId == nil && sh.AdjacentParentShardId == nil {
					orphans++
				}
			}
		}
		if open != 4 {
			t.Errorf("%d open shards of %s at %s after the reshard, want 4 (of %d)", open, stream, endpoint, len(out.Shards))
		}
		if ferro {
			// ferrokinesis 0.7.0's UpdateShardCount closes every shard and opens new
			// ones with no parent shard: neither GetRecords (no ChildShards) nor
			// ListShards says where a closed shard's keys went, so a consumer that
			// follows AWS's contract (children named by their parents) never reads
			// them. The records put after the reshard are lost to it.
			if orphans != open {
				t.Errorf("ferrokinesis: %d of %d new shards have no parent: if all have one now, the engine is fixed; make this the normal check", orphans, open)
			}
			t.Logf("ferrokinesis: integrity not checked across its parentless reshard: %+v", c)
			return
		}
		if orphans != 0 {
			t.Errorf("%d of %d shards of %s at %s opened by the reshard have no parent shard", orphans, open, stream, endpoint)
		}
		if c.Sent < 2000 || c.Sent != c.Received || c.Lost != 0 || c.Duplicated != 0 || c.Reordered != 0 {
			t.Errorf("across the reshard: %+v", c)
		}
		t.Logf("counts %+v; driver %v", c, m.DriverCounts)
	})

	t.Run("retention", func(t *testing.T) {
		for _, hours := range []int{48, 8760} { // 8760: a year, AWS's maximum
			d, stream := open(t, kinesis.NewSettings(), drivers.Topology{Partitions: 1, Retention: time.Duration(hours) * time.Hour})
			err := d.Setup(context.Background())
			if ferro && hours > 168 {
				// ferrokinesis 0.7.0 validates RetentionPeriodHours of
				// IncreaseStreamRetentionPeriod as at most 168 (7 days), where AWS
				// allows 8760 (365 days): it cannot judge retention past a week.
				if err == nil || !strings.Contains(err.Error(), "168") {
					t.Errorf("ferrokinesis: Setup of %s with %d hours: %v, want its refusal above 168 hours (if it accepts, the engine is fixed: make this the normal check)", stream, hours, err)
				}
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { d.Teardown(context.Background()) })
			out, err := client(endpoint).DescribeStreamSummary(context.Background(),
				&awskinesis.DescribeStreamSummaryInput{StreamName: aws.String(stream)})
			if err != nil {
				t.Fatal(err)
			}
			if h := aws.ToInt32(out.StreamDescriptionSummary.RetentionPeriodHours); h != int32(hours) {
				t.Errorf("retention of %s at %s read back: %d hours, want %d", stream, endpoint, h, hours)
			}
		}
	})

	t.Run("retention Kinesis cannot have", func(t *testing.T) {
		for _, tc := range []struct {
			retention time.Duration
			want      string
		}{
			{-1, "no unlimited retention"},
			{90 * time.Minute, "whole hours"},
		} {
			d, _ := open(t, kinesis.NewSettings(), drivers.Topology{Partitions: 1, Retention: tc.retention})
			err := d.Setup(context.Background())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("retention %v: Setup error %v, want %q", tc.retention, err, tc.want)
			}
		}
	})

	// On ferrokinesis the refusal holds from 169 hours (see "retention" above).
	t.Run("retention past the maximum is the broker's answer", func(t *testing.T) {
		d, stream := open(t, kinesis.NewSettings(), drivers.Topology{Partitions: 1, Retention: 8761 * time.Hour})
		err := d.Setup(context.Background())
		if err == nil || !strings.Contains(err.Error(), "setting the retention") {
			t.Fatalf("Setup with 8761 hours: %v, want the broker's refusal", err)
		}
		// The stream was removed again.
		_, derr := client(endpoint).DescribeStreamSummary(context.Background(),
			&awskinesis.DescribeStreamSummaryInput{StreamName: aws.String(stream)})
		if derr == nil {
			deadline := time.Now().Add(5 * time.Second)
			for derr == nil && time.Now().Before(deadline) {
				time.Sleep(200 * time.Millisecond)
				_, derr = client(endpoint).DescribeStreamSummary(context.Background(),
					&awskinesis.DescribeStreamSummaryInput{StreamName: aws.String(stream)})
			}
			if derr == nil {
				t.Errorf("the stream of a failed setup is still there")
			}
		}
		t.Logf("broker's answer: %v", err)
	})
}

// client is a plain SDK client for the test's own look at the stream.
func client(endpoint string) *awskinesis.Client {
	return awskinesis.New(awskinesis.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
}

// The driver implements every optional interface the engine looks for.
var (
	_ drivers.Replayer            = (*kinesis.Driver)(nil)
	_ drivers.Scaler              = (*kinesis.Driver)(nil)
	_ drivers.RetentionController = (*kinesis.Driver)(nil)
	_ drivers.EncryptionReporter  = (*kinesis.Driver)(nil)
)
