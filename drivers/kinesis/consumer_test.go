package kinesis_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"streambench/drivers"
	"streambench/drivers/kinesis"
)

// read starts one consumer on the fake's one shard and polls until n records arrive or
// Poll fails; it returns the records' values (each cut to 2 bytes), Poll's error and
// the consumer's counts.
func read(t *testing.T, f *fakeKinesis, n int) ([]string, error, map[string]int64) {
	t.Helper()
	srv := httptest.NewServer(f)
	defer srv.Close()
	set := kinesis.NewSettings()
	set.PollInterval = drivers.Duration(10 * time.Millisecond)
	d, err := kinesis.Open(context.Background(), drivers.Config{Address: srv.URL, Settings: set,
		Topology: drivers.Topology{Name: "fake", Partitions: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	c, err := d.NewConsumer(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// A bound on a hang, not a speed: with -race on a busy machine, the 10 MiB answers of
	// the fake take most of 10 s to encode and decode.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	var got []string
	for len(got) < n {
		if err := c.Poll(ctx, func(v []byte, _ int32, _ int64) { got = append(got, string(v[:2])) }); err != nil {
			return got, err, c.(drivers.Counter).Counts()
		}
	}
	return got, nil, c.(drivers.Counter).Counts()
}

// A GetRecords call whose connection breaks as the answer is read (seen on ferrokinesis
// as "deserialization failed ... use of closed network connection") is asked again with
// the same iterator, not reported as a consumer error.
func TestLostConnectionUnderGetRecordsIsRetried(t *testing.T) {
	got, err, counts := read(t, &fakeKinesis{cutReads: 2}, 1)
	if err != nil || fmt.Sprint(got) != "[r0]" {
		t.Fatalf("read %q, error %v: want r0 and no error", got, err)
	}
	if n := counts["reads_retried"]; n != 2 {
		t.Errorf("reads_retried %d, want 2", n)
	}
}

// An endpoint that keeps losing the connection is reported, naming the shard and the
// endpoint, after a few tries.
func TestLostConnectionsInARowAreReported(t *testing.T) {
	_, err, counts := read(t, &fakeKinesis{cutReads: 1000}, 1)
	if err == nil || !strings.Contains(err.Error(), "GetRecords on shardId-000000000000") || !strings.Contains(err.Error(), "kinesis at http://127.0.0.1:") {
		t.Fatalf("Poll error %v: want the GetRecords failure, naming shard and endpoint", err)
	}
	if n := counts["reads_retried"]; n != 3 {
		t.Errorf("reads_retried %d before the error was reported, want 3", n)
	}
}

// An emulator's GetRecords answer over AWS's 10 MiB a call is cut where AWS would cut
// it: the records past it are read by the next call, from a new iterator after the last
// record passed on, once the quota has paid for the bytes (2 MiB a second).
func TestReadsOverTenMiBAreCutAsAWSWould(t *testing.T) {
	f := &fakeKinesis{bigReads: true}
	start := time.Now()
	got, err, counts := read(t, f, 2)
	if err != nil || fmt.Sprint(got) != "[r0 r1]" {
		t.Fatalf("read %q, error %v: want r0, r1 once each", got, err)
	}
	if took := time.Since(start); took < 2900*time.Millisecond {
		t.Errorf("r1 came %v after the start: want 3 s later, when the 6 MiB of r0 were paid for", took)
	}
	if counts["read_quota_waits"] == 0 {
		t.Errorf("read_quota_waits 0: the bytes of r0 held nothing back")
	}
}
