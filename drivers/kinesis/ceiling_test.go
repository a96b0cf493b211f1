package kinesis_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"streambench/bench"
	"streambench/brokers/brokertest"
	"streambench/drivers"
	"streambench/drivers/kinesis"
)

// The stream and records of BenchmarkPutRecordsCeiling: the same for every
// sub-benchmark, so that they differ only in the client.
const (
	ceilingShards     = 4
	ceilingRecordSize = 100
)

// BenchmarkPutRecordsCeiling compares the driver's PutRecords producer, with its default
// settings, with the plainest use of the SDK: a loop that builds one PutRecords call of
// the driver's batch size, sends it and starts again. The driver keeps max_in_flight
// calls outstanding where that loop keeps one, so the loop also runs on as many
// goroutines, each looping: the first comparison is the one a user makes ("is the driver
// as fast as the obvious code?"), the second tells the cost of the driver's own work at
// equal concurrency.
//
// One op is one batch of records (500 by default) in every sub-benchmark; records/s
// counts the records the endpoint accepted, over the time from the first call to the last
// acknowledgement, and cpu-ns/record this process's CPU time per record. The driver takes
// about 10,000 messages (its queue, the batch it fills and max_in_flight batches) before
// Send blocks, so on a short run most of its time is the wait in Flush. Each
// sub-benchmark puts into a new stream of its own, deleted after: kinesis-mock gets
// slower as a stream fills, so run with a fixed count (for example -benchtime=20x) to
// give each sub-benchmark a stream that ends equally full.
//
// It needs a Kinesis endpoint in $BENCH_KINESIS_ENDPOINT, and measures that endpoint as
// much as the client: against kinesis-mock, the emulator's CPU is usually the limit.
func BenchmarkPutRecordsCeiling(b *testing.B) {
	endpoint := os.Getenv(brokertest.EnvKinesisEndpoint)
	if endpoint == "" {
		b.Skipf("$%s is not set: this benchmark measures an existing endpoint (kinesis-mock, for one), and starts none", brokertest.EnvKinesisEndpoint)
	}
	set := kinesis.NewSettings()
	batch := set.BatchRecords
	b.Run("sdk-loop", func(b *testing.B) {
		api, stream := ceilingClient(b, endpoint, set)
		value := make([]byte, ceilingRecordSize)
		var ok int64
		b.ReportAllocs()
		cpu := bench.ProcessCPU()
		for b.Loop() {
			ok += putBatch(b, api, stream, batch, value)
		}
		reportRecords(b, ok, bench.ProcessCPU()-cpu)
	})
	b.Run(fmt.Sprintf("sdk-loop-x%d", set.MaxInFlight), func(b *testing.B) {
		api, stream := ceilingClient(b, endpoint, set)
		value := make([]byte, ceilingRecordSize)
		var (
			ok    atomic.Int64
			calls = make(chan struct{})
			wg    sync.WaitGroup
		)
		for range set.MaxInFlight {
			wg.Go(func() {
				for range calls {
					ok.Add(putBatch(b, api, stream, batch, value))
				}
			})
		}
		b.ReportAllocs()
		cpu := bench.ProcessCPU()
		for b.Loop() {
			calls <- struct{}{}
		}
		// The calls still out are part of the work measured.
		b.StartTimer()
		close(calls)
		wg.Wait()
		b.StopTimer()
		reportRecords(b, ok.Load(), bench.ProcessCPU()-cpu)
	})
	b.Run("driver", func(b *testing.B) {
		d, _ := ceilingStream(b, endpoint, set)
		var ok, failed atomic.Int64
		p, err := d.NewProducer(context.Background(), 0, func(_ *drivers.Message, err error) {
			if err != nil {
				failed.Add(1)
				return
			}
			ok.Add(1)
		})
		if err != nil {
			b.Fatal(err)
		}
		defer p.Close()
		value := make([]byte, ceilingRecordSize)
		b.ReportAllocs()
		cpu := bench.ProcessCPU()
		for b.Loop() {
			// Send blocks once the producer holds all it can, which keeps max_in_flight
			// full batches outstanding and no more.
			for range batch {
				p.Send(context.Background(), &drivers.Message{Value: value, Partition: -1})
			}
		}
		b.StartTimer()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if err := p.Flush(ctx); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if n := failed.Load(); n > 0 {
			b.Errorf("%d records failed", n)
		}
		reportRecords(b, ok.Load(), bench.ProcessCPU()-cpu)
	})
}

// ceilingStream opens the driver on a new stream of ceilingShards shards, deleted when
// the benchmark ends, and returns it with the stream's name.
func ceilingStream(b *testing.B, endpoint string, set *kinesis.Settings) (drivers.Driver, string) {
	b.Helper()
	topo := drivers.Topology{Name: "ceiling-" + time.Now().Format("150405.000000"), Partitions: ceilingShards}
	d, err := kinesis.Open(context.Background(), drivers.Config{Address: endpoint, Settings: set, Topology: topo})
	if err != nil {
		b.Fatal(err)
	}
	if err := d.Setup(context.Background()); err != nil {
		d.Close()
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := d.Teardown(context.Background()); err != nil {
			b.Error(err)
		}
		d.Close()
	})
	return d, topo.Name
}

// ceilingClient makes a stream as ceilingStream does, and returns a plain SDK client
// for it. Like the driver's, its HTTP transport keeps up to 512 idle connections to the
// endpoint (the SDK's default of 10 is fewer than the looping goroutines, which would
// then reconnect now and then); unlike the driver's, it keeps the SDK's standard retryer
// and is made without LoadDefaultConfig, as the shortest code would be.
func ceilingClient(b *testing.B, endpoint string, set *kinesis.Settings) (*awskinesis.Client, *string) {
	b.Helper()
	_, stream := ceilingStream(b, endpoint, set)
	api := awskinesis.New(awskinesis.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("x", "x", ""),
		HTTPClient: awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
			t.MaxIdleConnsPerHost = 512
		}),
	})
	return api, aws.String(stream)
}

// putBatch puts n records of value, each with a random partition key as the driver gives
// a message without a key, in one PutRecords call, and returns how many the endpoint
// accepted.
func putBatch(b *testing.B, api *awskinesis.Client, stream *string, n int, value []byte) int64 {
	in := &awskinesis.PutRecordsInput{StreamName: stream, Records: make([]types.PutRecordsRequestEntry, n)}
	for i := range in.Records {
		in.Records[i] = types.PutRecordsRequestEntry{PartitionKey: aws.String(strconv.FormatUint(rand.Uint64(), 36)), Data: value}
	}
	out, err := api.PutRecords(context.Background(), in)
	if err != nil {
		b.Error(err)
		return 0
	}
	return int64(n) - int64(aws.ToInt32(out.FailedRecordCount))
}

// reportRecords reports the records the endpoint accepted per second of measured time,
// and the CPU time this process spent per record: against an emulator that takes all
// the CPU it can get, records/s says more about the emulator than about the client, and
// the CPU time is the client's own cost.
func reportRecords(b *testing.B, ok int64, cpu time.Duration) {
	b.ReportMetric(float64(ok)/b.Elapsed().Seconds(), "records/s")
	if ok > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(ok), "cpu-ns/record")
	}
}
