package kinesis_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"streambench/drivers"
	"streambench/drivers/kinesis"
)

// fakeKinesis answers ListShards with one shard, and PutRecords and PutRecord as its
// reject function says: an error code for a record's attempt (counted from 1), or "" to
// accept it. It stands in for a broker that throttles, which kinesis-mock never does;
// it is evidence about the driver's retry logic only.
type fakeKinesis struct {
	reject func(data string, attempt int) string
	// wholeCall, when set, fails a whole call (with that error type) on the calls it
	// returns true for (counted from 1).
	wholeCall func(call int) string

	// cutReads is how many GetRecords calls (from the first) lose their connection
	// halfway through the response.
	cutReads int
	// bigReads makes the shard hold two records of 6 MiB ("r0", "r1"), which the
	// first GetRecords returns together: more than AWS's 10 MiB a call.
	bigReads bool

	mu       sync.Mutex
	attempts map[string]int
	calls    [][]string // the data of each put call, in order
	reads    int        // GetRecords calls
}

func (f *fakeKinesis) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "Kinesis_20131202.")
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	var in struct {
		Records                []struct{ Data []byte }
		Data                   []byte
		ShardIterator          string
		StartingSequenceNumber string
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	switch op {
	case "ListShards":
		fmt.Fprint(w, `{"Shards":[{"ShardId":"shardId-000000000000","HashKeyRange":{"StartingHashKey":"0","EndingHashKey":"340282366920938463463374607431768211455"},"SequenceNumberRange":{"StartingSequenceNumber":"1"}}]}`)
		return
	case "GetShardIterator":
		// An iterator after record 1 is "after-1"; any other starts at the start.
		it := "start"
		if in.StartingSequenceNumber != "" {
			it = "after-" + in.StartingSequenceNumber
		}
		fmt.Fprintf(w, `{"ShardIterator":%q}`, it)
		return
	case "GetRecords":
		f.getRecords(w, in.ShardIterator)
		return
	case "PutRecord":
		in.Records = append(in.Records, struct{ Data []byte }{in.Data})
	case "PutRecords":
	default:
		http.Error(w, "unexpected "+op, http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var data []string
	for _, rec := range in.Records {
		data = append(data, string(rec.Data))
	}
	f.calls = append(f.calls, data)
	if f.wholeCall != nil {
		if code := f.wholeCall(len(f.calls)); code != "" {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"__type":%q,"message":"the whole call was refused"}`, code)
			return
		}
	}
	var results []string
	failed := 0
	for _, d := range data {
		f.attempts[d]++
		if code := f.reject(d, f.attempts[d]); code != "" {
			failed++
			results = append(results, fmt.Sprintf(`{"ErrorCode":%q,"ErrorMessage":"refused by the fake"}`, code))
		} else {
			results = append(results, `{"SequenceNumber":"1","ShardId":"shardId-000000000000"}`)
		}
	}
	if op == "PutRecord" {
		if failed > 0 {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"__type":"ProvisionedThroughputExceededException","message":"Rate exceeded for shard"}`)
			return
		}
		fmt.Fprint(w, `{"SequenceNumber":"1","ShardId":"shardId-000000000000"}`)
		return
	}
	fmt.Fprintf(w, `{"FailedRecordCount":%d,"Records":[%s]}`, failed, strings.Join(results, ","))
}

// getRecords answers GetRecords: one record ("r0") from the iterator "start", then
// nothing more. The first cutReads calls are cut off halfway through the answer, as a
// connection lost under a read.
func (f *fakeKinesis) getRecords(w http.ResponseWriter, iterator string) {
	f.mu.Lock()
	f.reads++
	cut := f.reads <= f.cutReads
	f.mu.Unlock()
	record := func(seq int, data string) string {
		return fmt.Sprintf(`{"Data":%q,"PartitionKey":"k","SequenceNumber":"%d"}`, base64.StdEncoding.EncodeToString([]byte(data)), seq)
	}
	records := ""
	switch {
	case iterator == "start" && f.bigReads:
		records = record(1, "r0"+strings.Repeat(" ", 6<<20)) + "," + record(2, "r1"+strings.Repeat(" ", 6<<20))
	case iterator == "start":
		records = record(1, "r0")
	case iterator == "after-1" && f.bigReads:
		records = record(2, "r1"+strings.Repeat(" ", 6<<20))
	}
	body := `{"Records":[` + records + `],"NextShardIterator":"end","MillisBehindLatest":0}`
	if !cut {
		fmt.Fprint(w, body)
		return
	}
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, body[:len(body)/2])
	w.(http.Flusher).Flush()
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

// produce sends n messages ("m0", "m1", …) through a producer on the fake and returns the
// error of each message's acknowledgement, and the producer's counts.
func produce(t *testing.T, f *fakeKinesis, set *kinesis.Settings, n int) (map[string]error, map[string]int64) {
	t.Helper()
	f.attempts = map[string]int{}
	srv := httptest.NewServer(f)
	defer srv.Close()
	d, err := kinesis.Open(context.Background(), drivers.Config{Address: srv.URL, Settings: set,
		Topology: drivers.Topology{Name: "fake", Partitions: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	acks := map[string]error{}
	p, err := d.NewProducer(context.Background(), 0, func(m *drivers.Message, err error) {
		if _, dup := acks[string(m.Value)]; dup {
			t.Errorf("%s acknowledged twice", m.Value)
		}
		acks[string(m.Value)] = err
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		p.Send(context.Background(), &drivers.Message{Value: fmt.Appendf(nil, "m%d", i), Partition: -1})
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	p.Close()
	if len(acks) != n {
		t.Fatalf("%d of %d messages acknowledged", len(acks), n)
	}
	return acks, p.(drivers.Counter).Counts()
}

func fastRetries(producer string) *kinesis.Settings {
	s := kinesis.NewSettings()
	s.Producer = producer
	s.RetryBackoff = drivers.Duration(time.Millisecond)
	s.Linger = drivers.Duration(time.Hour) // one batch, sent by Flush
	s.MaxInFlight = 1
	return s
}

func TestPartialFailuresRetryOnlyTheFailedRecords(t *testing.T) {
	f := &fakeKinesis{reject: func(d string, attempt int) string {
		switch {
		case d == "m1" && attempt <= 2, d == "m3" && attempt == 1:
			return "ProvisionedThroughputExceededException"
		case d == "m4" && attempt == 1:
			return "InternalFailure"
		}
		return ""
	}}
	acks, counts := produce(t, f, fastRetries(kinesis.ProducePutRecords), 6)
	for m, err := range acks {
		if err != nil {
			t.Errorf("%s failed: %v", m, err)
		}
	}
	want := [][]string{{"m0", "m1", "m2", "m3", "m4", "m5"}, {"m1", "m3", "m4"}, {"m1"}}
	if fmt.Sprint(f.calls) != fmt.Sprint(want) {
		t.Errorf("calls carried %v, want %v", f.calls, want)
	}
	wantCounts := map[string]int64{"put_calls": 3, "records_put": 6, "records_throttled": 3, "records_retried": 4, "records_failed": 0}
	if fmt.Sprint(counts) != fmt.Sprint(wantCounts) {
		t.Errorf("counts %v, want %v", counts, wantCounts)
	}
}

func TestWholeCallThrottleRetriesEveryRecord(t *testing.T) {
	f := &fakeKinesis{
		reject: func(string, int) string { return "" },
		wholeCall: func(call int) string {
			if call == 1 {
				return "ProvisionedThroughputExceededException"
			}
			return ""
		},
	}
	acks, counts := produce(t, f, fastRetries(kinesis.ProducePutRecords), 3)
	for m, err := range acks {
		if err != nil {
			t.Errorf("%s failed: %v", m, err)
		}
	}
	if counts["put_calls"] != 2 || counts["records_throttled"] != 3 || counts["records_retried"] != 3 || counts["records_put"] != 3 {
		t.Errorf("counts %v: want 2 calls, 3 throttled, 3 retried, 3 put", counts)
	}
}

func TestPermanentErrorIsNotRetried(t *testing.T) {
	f := &fakeKinesis{
		reject:    func(string, int) string { return "" },
		wholeCall: func(int) string { return "ValidationException" },
	}
	acks, counts := produce(t, f, fastRetries(kinesis.ProducePutRecords), 2)
	for m, err := range acks {
		if err == nil || !strings.Contains(err.Error(), "ValidationException") {
			t.Errorf("%s: error %v, want the ValidationException", m, err)
		}
	}
	if counts["put_calls"] != 1 || counts["records_failed"] != 2 || counts["records_retried"] != 0 {
		t.Errorf("counts %v: want 1 call, 2 failed, none retried", counts)
	}
}

func TestGivesUpAfterTheDeliveryTimeout(t *testing.T) {
	f := &fakeKinesis{reject: func(string, int) string { return "ProvisionedThroughputExceededException" }}
	set := fastRetries(kinesis.ProducePutRecords)
	set.DeliveryTimeout = drivers.Duration(time.Second)
	set.RetryBackoff = drivers.Duration(50 * time.Millisecond)
	acks, counts := produce(t, f, set, 2)
	for m, err := range acks {
		if err == nil || !strings.Contains(err.Error(), "gave up after") || !strings.Contains(err.Error(), "ProvisionedThroughputExceededException") {
			t.Errorf("%s: error %v, want it to give up on the throttle", m, err)
		}
	}
	if counts["records_failed"] != 2 || counts["records_put"] != 0 || counts["records_throttled"] != 2*counts["put_calls"] || counts["put_calls"] < 2 {
		t.Errorf("counts %v: want 2 failed, none put, every attempt of both throttled", counts)
	}
}

func TestPutRecordCountsThrottles(t *testing.T) {
	f := &fakeKinesis{reject: func(d string, attempt int) string {
		if attempt == 1 && d != "m0" {
			return "ProvisionedThroughputExceededException"
		}
		return ""
	}}
	acks, counts := produce(t, f, fastRetries(kinesis.ProducePutRecord), 4)
	for m, err := range acks {
		if err != nil {
			t.Errorf("%s failed: %v", m, err)
		}
	}
	want := map[string]int64{"put_calls": 7, "records_put": 4, "records_throttled": 3, "records_retried": 3, "records_failed": 0}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Errorf("counts %v, want %v", counts, want)
	}
}

func TestFlushesAtOnceAllReturn(t *testing.T) {
	f := &fakeKinesis{reject: func(string, int) string { return "" }, attempts: map[string]int{}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	set := fastRetries(kinesis.ProducePutRecords)
	d, err := kinesis.Open(context.Background(), drivers.Config{Address: srv.URL, Settings: set,
		Topology: drivers.Topology{Name: "fake", Partitions: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	p, err := d.NewProducer(context.Background(), 0, func(*drivers.Message, error) {})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for i := range 10 {
		p.Send(context.Background(), &drivers.Message{Value: fmt.Appendf(nil, "m%d", i), Partition: -1})
	}
	// Flush waits for a signal that the last message is in, not on a clock: each of
	// several waiting at once must get it.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	errs := make(chan error, 3)
	for range cap(errs) {
		go func() { errs <- p.Flush(ctx) }()
	}
	for range cap(errs) {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	// And once more, with nothing pending.
	if err := p.Flush(ctx); err != nil {
		t.Error(err)
	}
}
