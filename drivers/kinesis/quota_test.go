package kinesis

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"streambench/brokers/brokertest"
)

// The limiter is driven by a fake clock: reserve and charge take the time as an
// argument, so these tests run in no time and exactly.
func TestReadQuotaSpacesCallsFiveASecond(t *testing.T) {
	q := newReadQuota(readCallsPerSecond, readBytesPerSecond)
	t0 := time.Unix(1000, 0)
	// Three readers ask at once, twice each: they are given successive turns 200 ms
	// apart, whoever asks.
	var starts []time.Time
	for i := range 6 {
		now := t0.Add(time.Duration(i%3) * time.Millisecond)
		starts = append(starts, now.Add(q.reserve(now)))
	}
	for i, s := range starts {
		if want := t0.Add(time.Duration(i) * 200 * time.Millisecond); !s.Equal(want) {
			t.Errorf("call %d starts at +%v, want +%v", i, s.Sub(t0), want.Sub(t0))
		}
	}
	// At most 5 calls start in any second.
	if n := countWithin(starts, time.Second); n > readCallsPerSecond {
		t.Errorf("%d calls within one second, want at most %d", n, readCallsPerSecond)
	}
	// A reader that comes back after a pause waits for nothing.
	later := t0.Add(10 * time.Second)
	if w := q.reserve(later); w != 0 {
		t.Errorf("after a pause: wait %v, want none", w)
	}
}

func TestReadQuotaChargesBytes(t *testing.T) {
	q := newReadQuota(readCallsPerSecond, readBytesPerSecond)
	t0 := time.Unix(1000, 0)
	if w := q.reserve(t0); w != 0 {
		t.Fatalf("first call waits %v", w)
	}
	// A call that returned 10 MiB holds the shard's reads for 5 s (10 MiB at 2 MiB/s),
	// as AWS documents.
	q.charge(t0.Add(50*time.Millisecond), 10<<20)
	now := t0.Add(300 * time.Millisecond)
	if w, want := q.reserve(now), 50*time.Millisecond+5*time.Second-300*time.Millisecond; w != want {
		t.Errorf("after 10 MiB: wait %v, want %v", w, want)
	}
	// Small reads cost little: 1 KiB is about 0.5 ms.
	q2 := newReadQuota(0, readBytesPerSecond)
	q2.charge(t0, 1024)
	if w := q2.reserve(t0); w < 488*time.Microsecond || w > 489*time.Microsecond {
		t.Errorf("after 1 KiB: wait %v, want 488.28 µs", w)
	}
	// Without a call limit (enhanced fan-out), calls come as fast as bytes allow.
	for range 10 {
		if w := q2.reserve(t0.Add(time.Second)); w != 0 {
			t.Errorf("enhanced fan-out quota without bytes owed: wait %v", w)
		}
	}
}

func TestWithinCallBytes(t *testing.T) {
	rec := func(n int) types.Record {
		return types.Record{Data: make([]byte, n), PartitionKey: aws.String("k")}
	}
	big := 4 << 20
	for _, tc := range []struct {
		sizes []int
		want  int
	}{
		{nil, 0},
		{[]int{10, 10}, 2},
		{[]int{big, big, big}, 2},             // the third would pass 10 MiB
		{[]int{11 << 20}, 1},                  // one record is always returned
		{[]int{maxGetRecordsBytes - 2, 0}, 2}, // exactly 10 MiB with the keys
		{[]int{maxGetRecordsBytes - 1, 0}, 1},
	} {
		var rs []types.Record
		for _, n := range tc.sizes {
			rs = append(rs, rec(n))
		}
		if got := withinCallBytes(rs); got != tc.want {
			t.Errorf("records of %v bytes (+1 key byte each): %d fit one call, want %d", tc.sizes, got, tc.want)
		}
	}
}

// The quota's bookkeeping runs once per call and reads each record's size: it must not
// allocate, so that pacing costs the hot path nothing per record.
func TestReadQuotaAllocatesNothing(t *testing.T) {
	q := newReadQuota(readCallsPerSecond, readBytesPerSecond)
	rs := make([]types.Record, 100)
	for i := range rs {
		rs[i] = types.Record{Data: make([]byte, 100), PartitionKey: aws.String("key")}
	}
	now := time.Unix(1000, 0)
	allocs := testing.AllocsPerRun(100, func() {
		q.reserve(now)
		q.charge(now, recordBytes(rs[:withinCallBytes(rs)]))
	})
	if allocs != 0 {
		t.Errorf("%v allocations per read, want 0", allocs)
	}
}

func TestReadQuotaOnlyForEmulators(t *testing.T) {
	for _, tc := range []struct {
		real, on bool
		want     bool
	}{{false, true, true}, {false, false, false}, {true, true, false}} {
		set := NewSettings()
		set.AWSQuotas = tc.on
		d := &Driver{real: tc.real, set: set}
		if got := d.readQuota("shardId-000000000000") != nil; got != tc.want {
			t.Errorf("AWS itself %v, aws_quotas %v: quota %v, want %v", tc.real, tc.on, got, tc.want)
		}
		c := &consumer{d: d}
		_, counted := c.Counts()["read_quota_waits"]
		if counted != tc.want {
			t.Errorf("AWS itself %v, aws_quotas %v: read_quota_waits counted %v, want %v", tc.real, tc.on, counted, tc.want)
		}
	}
	// One quota per shard, shared by every reader of the driver.
	d := &Driver{set: NewSettings()}
	if a, b := d.readQuota("shardId-000000000000"), d.readQuota("shardId-000000000000"); a != b {
		t.Error("two readers of one shard got quotas of their own")
	}
	if a, b := d.readQuota("shardId-000000000000"), d.readQuota("shardId-000000000001"); a == b {
		t.Error("two shards share one quota")
	}
}

// countWithin is the most of times (sorted) that fall within one window of length w.
func countWithin(times []time.Time, w time.Duration) int {
	most, lo := 0, 0
	for hi := range times {
		for times[hi].Sub(times[lo]) >= w {
			lo++
		}
		most = max(most, hi-lo+1)
	}
	return most
}

// TestReadQuotaSharedByReadersOfOneShard runs three polling readers of one shard, on
// the integration tests' engine, with no poll interval of their own: between them they
// make at most 5 GetRecords calls a second. The calls are counted by a proxy in front
// of the engine, not by the driver.
//
// In a run, the driver's consumers share the shards out (one reader per shard, as the
// instances of one application share a lease table); more readers of one shard are
// consumers of several applications, which share AWS's quota as these readers share
// the driver's.
func TestReadQuotaSharedByReadersOfOneShard(t *testing.T) {
	endpoint := brokertest.Kinesis(t)
	target, err := url.Parse(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var calls []time.Time
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Amz-Target") == "Kinesis_20131202.GetRecords" {
			mu.Lock()
			calls = append(calls, time.Now())
			mu.Unlock()
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close) // after the stream's removal, which goes through it

	ctx := context.Background()
	set := NewSettings()
	set.PollInterval = 0 // only the quota holds the readers back
	d := testStream(t, srv.URL, "read-quota", set)
	tr, _, err := d.tracker(ctx)
	if err != nil {
		t.Fatal(err)
	}
	shard := tr.shards["shardId-000000000000"]
	if shard == nil {
		t.Fatalf("stream %s at %s has no shardId-000000000000: %v", d.topo.Name, endpoint, tr.shards)
	}
	var readers []*consumer
	positioned := make(chan error, 3)
	for i := range 3 {
		c, err := d.NewConsumer(ctx, i)
		if err != nil {
			t.Fatal(err)
		}
		cc := c.(*consumer)
		cc.started = true
		cc.startReader(shard, position{kind: types.ShardIteratorTypeTrimHorizon}, nil, positioned)
		readers = append(readers, cc)
	}
	for range readers {
		if err := <-positioned; err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	calls = calls[:0] // from here on, every reader is polling
	mu.Unlock()
	time.Sleep(3 * time.Second)
	for _, c := range readers {
		c.Close()
	}
	mu.Lock()
	defer mu.Unlock()
	// Turns are 200 ms apart: six calls within 900 ms would leave the quota, with
	// 100 ms for the calls' way to the proxy.
	if n := countWithin(calls, 900*time.Millisecond); n > readCallsPerSecond {
		t.Errorf("%d GetRecords calls on %s of %s at %s within 900 ms from three readers, want at most %d a second between them",
			n, shard.id, d.topo.Name, endpoint, readCallsPerSecond)
	}
	if len(calls) < 10 {
		t.Errorf("%d GetRecords calls in 3 s: want about 15, the quota's worth", len(calls))
	}
	var waits int64
	for i, c := range readers {
		n := c.Counts()
		if n["get_records_calls"] == 0 {
			t.Errorf("reader %d made no call: the quota is not shared out", i)
		}
		waits += n["read_quota_waits"]
	}
	if waits == 0 {
		t.Error("read_quota_waits 0: the quota never held a reader back")
	}
	t.Logf("%d GetRecords calls in 3 s; %d quota waits", len(calls), waits)
}
