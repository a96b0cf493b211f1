package brokers

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkKinesisEngineFill measures each local engine's own write speed, quotas off:
// PutRecords calls of 500 records of 100 bytes to a stream of 4 shards, one call at a
// time, timed over the first 10,000 records into a fresh stream, then again over 10,000
// more once the stream holds 100,000 (or as many as the engine took within the fill
// budget, which the output says). kinesis-mock slows as a stream fills; this is the
// figure behind that statement. It starts its own engines on free ports; run it on a
// quiet machine:
//
//	go test ./brokers -run '^$' -bench KinesisEngineFill -benchtime 1x
func BenchmarkKinesisEngineFill(b *testing.B) {
	const (
		batch   = 500
		size    = 100
		measure = 10_000
		fillTo  = 100_000
		budget  = 5 * time.Minute
	)
	for _, e := range engines {
		b.Run(e.name, func(b *testing.B) {
			ctx := context.Background()
			k, err := StartKinesis(ctx, KinesisOptions{Engine: e.name, NoQuotas: true, FreePorts: true})
			if err != nil {
				b.Fatal(err)
			}
			defer k.Stop(ctx)
			for b.Loop() {
				stream := fmt.Sprintf("fill-%d", time.Now().UnixNano())
				if status, body, err := kinesisCall(ctx, k.Endpoint(), "CreateStream", fmt.Sprintf(`{"StreamName": %q, "ShardCount": 4}`, stream)); err != nil || status != 200 {
					b.Fatalf("CreateStream: HTTP %d %s %v", status, body, err)
				}
				waitActive(b, k.Endpoint(), stream)
				put := putBatch(b, k.Endpoint(), stream, batch, size)
				fresh := rate(measure, batch, put)
				held := measure
				deadline := time.Now().Add(budget)
				for held < fillTo && time.Now().Before(deadline) {
					put()
					held += batch
				}
				later := rate(measure, batch, put)
				b.ReportMetric(fresh, "records/s-fresh")
				b.ReportMetric(later, "records/s-full")
				b.ReportMetric(float64(held), "records-held")
				b.Logf("%s %s: %.0f records/s into a fresh stream, %.0f records/s once it held %d records",
					k.Product(), k.Version(), fresh, later, held)
			}
		})
	}
}

// rate times n records put in calls of batch, in records per second.
func rate(n, batch int, put func()) float64 {
	start := time.Now()
	for range n / batch {
		put()
	}
	return float64(n) / time.Since(start).Seconds()
}

// putBatch returns a function that puts batch records of size bytes with random keys,
// failing the benchmark on any error or rejected record.
func putBatch(b *testing.B, endpoint, stream string, batch, size int) func() {
	data := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("x", size)))
	n := 0
	return func() {
		var body strings.Builder
		fmt.Fprintf(&body, `{"StreamName": %q, "Records": [`, stream)
		for i := range batch {
			if i > 0 {
				body.WriteByte(',')
			}
			n++
			fmt.Fprintf(&body, `{"Data": %q, "PartitionKey": "k%d"}`, data, n)
		}
		body.WriteString("]}")
		status, answer, err := kinesisCall(context.Background(), endpoint, "PutRecords", body.String())
		var out struct{ FailedRecordCount int }
		if err != nil || status != 200 || json.Unmarshal(answer, &out) != nil || out.FailedRecordCount != 0 {
			b.Fatalf("PutRecords: HTTP %d %.300s %v", status, answer, err)
		}
	}
}

// waitActive waits up to 30 s for the stream to become ACTIVE.
func waitActive(b testing.TB, endpoint, stream string) {
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		_, body, err := kinesisCall(context.Background(), endpoint, "DescribeStreamSummary", fmt.Sprintf(`{"StreamName": %q}`, stream))
		var out struct{ StreamDescriptionSummary struct{ StreamStatus string } }
		if err == nil && json.Unmarshal(body, &out) == nil && out.StreamDescriptionSummary.StreamStatus == "ACTIVE" {
			return
		}
	}
	b.Fatalf("stream %s not ACTIVE within 30 s", stream)
}

// TestFerrokinesisConcurrentPutsAndReads checks that ferrokinesis, as bench starts it,
// keeps answering 8 concurrent PutRecords loops and 8 GetRecords loops on one shard: with
// its default runtime (a thread per core) it stopped answering within seconds of such a
// load on 2 cores (see ferroWorkerThreads). It runs an engine of its own, so that a hang
// harms no other test.
func TestFerrokinesisConcurrentPutsAndReads(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine, _ string) {
		if engine != EngineFerrokinesis {
			t.Skip("the hang is ferrokinesis's")
		}
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		k, err := StartKinesis(ctx, KinesisOptions{Engine: engine, NoQuotas: true, FreePorts: true, Log: t.Output()})
		if err != nil {
			t.Fatal(err)
		}
		defer k.Stop(context.Background())
		stream := "hang-check"
		if status, body, err := kinesisCall(ctx, k.Endpoint(), "CreateStream", fmt.Sprintf(`{"StreamName": %q, "ShardCount": 1}`, stream)); err != nil || status != 200 {
			t.Fatalf("CreateStream: HTTP %d %s %v", status, body, err)
		}
		waitActive(t, k.Endpoint(), stream)
		data := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("x", 100)))
		records := strings.TrimSuffix(strings.Repeat(fmt.Sprintf(`{"Data": %q, "PartitionKey": "k"},`, data), 100), ",")
		put := fmt.Sprintf(`{"StreamName": %q, "Records": [%s]}`, stream, records)
		var calls atomic.Int64
		load, stop := context.WithCancel(ctx)
		defer stop()
		for range 8 {
			go func() {
				for load.Err() == nil {
					if status, _, err := kinesisCall(load, k.Endpoint(), "PutRecords", put); err == nil && status == 200 {
						calls.Add(1)
					}
				}
			}()
			go func() {
				_, body, _ := kinesisCall(load, k.Endpoint(), "GetShardIterator",
					fmt.Sprintf(`{"StreamName": %q, "ShardId": "shardId-000000000000", "ShardIteratorType": "TRIM_HORIZON"}`, stream))
				var it struct{ ShardIterator, NextShardIterator string }
				json.Unmarshal(body, &it)
				for load.Err() == nil && it.ShardIterator != "" {
					status, body, err := kinesisCall(load, k.Endpoint(), "GetRecords", fmt.Sprintf(`{"ShardIterator": %q, "Limit": 1000}`, it.ShardIterator))
					if err != nil || status != 200 {
						continue
					}
					calls.Add(1)
					if json.Unmarshal(body, &it) == nil && it.NextShardIterator != "" {
						it.ShardIterator = it.NextShardIterator
					}
				}
			}()
		}
		// Every second of the load must see calls answered: a hung engine answers none.
		for s := range 6 {
			before := calls.Load()
			time.Sleep(time.Second)
			if calls.Load() == before {
				t.Fatalf("ferrokinesis answered no call in second %d of the load (%d answered before): hung", s+1, before)
			}
		}
	})
}
