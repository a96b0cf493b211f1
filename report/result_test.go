package report

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"streambench/bench"
	"streambench/drivers"
	"streambench/drivers/kafka"
)

func sampleResult(t *testing.T) *Result {
	t.Helper()
	s := bench.NewScenario(drivers.NewRegistry(kafka.Registration))
	s.Name, s.Targets = "sample", []string{"kafka"}
	m := &bench.Measurements{
		StartedAt: time.Date(2026, 11, 24, 14, 0, 0, 0, time.UTC),
		EndedAt:   time.Date(2026, 11, 24, 14, 0, 40, 0, time.UTC),
		Counts:    bench.Counts{Requested: 100, Sent: 100, Acked: 100, Received: 100},
		Publish:   bench.NewHistogram(), EndToEnd: bench.NewHistogram(),
		Service: bench.NewHistogram(), SendLag: bench.NewHistogram(),
		MeasuredSeconds: 10, SentInWindow: 100, ReceivedInWindow: 90,
	}
	for i := int64(1); i <= 100; i++ {
		m.EndToEnd.RecordValue(i * int64(time.Millisecond))
	}
	r := &Result{Scenario: s, Target: Target{Name: "kafka", Driver: "kafka", Env: "local"}, Host: CurrentHost()}
	if err := r.FromMeasurements(m); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestFromMeasurements(t *testing.T) {
	r := sampleResult(t)
	e := r.Latency.EndToEnd
	if e.Count != 100 || e.P50 < 49_900 || e.P50 > 50_100 || e.Max < 99_900 || e.Max > 100_100 {
		t.Errorf("end-to-end summary %+v: want 100 values, p50 about 50 ms, max about 100 ms", e)
	}
	if r.Throughput.ReceivedMsgsPerS != 9 || r.Throughput.SentMsgsPerS != 10 {
		t.Errorf("throughput %+v: want 10 sent/s and 9 received/s over 10 s", r.Throughput)
	}
	h, err := e.Histogram()
	if err != nil || h.TotalCount() != 100 || h.ValueAtQuantile(50) != int64(e.P50*1e3) {
		t.Errorf("stored histogram does not decode to the summary: %v", err)
	}
	if r.Latency.Publish.Count != 0 || r.Latency.Publish.HDR == "" {
		t.Errorf("empty histogram: %+v", r.Latency.Publish)
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	r := sampleResult(t)
	path := Path(t.TempDir(), "sample", "kafka", r.StartedAt)
	if !strings.HasSuffix(path, filepath.Join("sample", "20261124T140000Z-kafka.json")) {
		t.Errorf("path %s", path)
	}
	got, err := Write(path, r)
	if err != nil || got != path {
		t.Fatalf("Write = %s, %v", got, err)
	}
	back, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.Counts != r.Counts || back.Latency != r.Latency || back.Scenario.Duration != r.Scenario.Duration {
		t.Errorf("read back differs:\n%+v\n%+v", back, r)
	}
	raw, ok := back.Scenario.Drivers["kafka"].(drivers.RawSettings)
	if !ok || !bytes.Contains(raw, []byte(`"acks": "all"`)) && !bytes.Contains(raw, []byte(`"acks":"all"`)) {
		t.Errorf("kafka settings not kept: %T %s", back.Scenario.Drivers["kafka"], raw)
	}
	// A second result of the same name does not overwrite the first.
	second, err := Write(path, r)
	if err != nil || second == path || !strings.HasSuffix(second, "-kafka-2.json") {
		t.Errorf("second Write = %s, %v", second, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 2 {
		t.Errorf("%d files in the result directory, want 2 (no temporary file left)", len(entries))
	}
}

// TestWriteConcurrent: runs in parallel that write results of the same name at the
// same moment each get a file of their own, and every file is whole.
func TestWriteConcurrent(t *testing.T) {
	r := sampleResult(t)
	path := Path(t.TempDir(), "sample", "kafka", r.StartedAt)
	const writers = 20
	paths := make([]string, writers)
	errs := make([]error, writers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			// Each writer its own copy (Write sets the schema version), marked as its own.
			mine := *r
			mine.Notes = []string{fmt.Sprintf("writer %d", i)}
			<-start
			paths[i], errs[i] = Write(path, &mine)
		})
	}
	close(start)
	wg.Wait()

	seen := map[string]int{}
	for i := range writers {
		if errs[i] != nil {
			t.Errorf("writer %d: %v", i, errs[i])
			continue
		}
		if j, dup := seen[paths[i]]; dup {
			t.Errorf("writers %d and %d both wrote %s", j, i, paths[i])
		}
		seen[paths[i]] = i
		back, err := Read(paths[i])
		if err != nil {
			t.Errorf("writer %d: %v", i, err)
		} else if want := fmt.Sprintf("writer %d", i); len(back.Notes) != 1 || back.Notes[0] != want {
			t.Errorf("%s holds %q, want the result of %s", paths[i], back.Notes, want)
		}
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != writers {
		t.Errorf("%d files in the result directory, want %d (no temporary file left)", len(entries), writers)
	}
}

func TestDecodeRejects(t *testing.T) {
	good, err := os.ReadFile(mustWrite(t, sampleResult(t)))
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		data []byte
		want string
	}{
		"not json":               {[]byte("hello"), "not a result file (not JSON"},
		"other json":             {[]byte(`{"a": 1}`), "no schema_version"},
		"future version":         {bytes.Replace(good, []byte(`"schema_version": 2`), []byte(`"schema_version": 9`), 1), "schema_version 9, this bench reads versions 1 to 2"},
		"version 0":              {bytes.Replace(good, []byte(`"schema_version": 2`), []byte(`"schema_version": 0`), 1), "schema_version 0, this bench reads versions 1 to 2"},
		"truncated":              {good[:len(good)/2], "not a result file"},
		"unknown field":          {bytes.Replace(good, []byte(`"interrupted"`), []byte(`"interupted"`), 1), "corrupt result file"},
		"wrong type":             {bytes.Replace(good, []byte(`"sent": 100`), []byte(`"sent": "many"`), 1), "corrupt result file"},
		"version as text":        {[]byte(`{"schema_version": "1"}`), `not a result file (schema_version "1" is not a version number)`},
		"not an object":          {[]byte(`[{"schema_version": 1}]`), "not a result file (JSON, but array, not an object)"},
		"unknown scenario field": {bytes.Replace(good, []byte(`"name": "sample"`), []byte(`"nmae": "sample"`), 1), `corrupt result file: json: unknown field "nmae"`},
	} {
		_, err := Decode("x.json", tc.data)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "x.json: ") {
			t.Errorf("%s: error %v, want one naming x.json and containing %q", name, err, tc.want)
		}
	}
}

func mustWrite(t *testing.T, r *Result) string {
	t.Helper()
	p, err := Write(filepath.Join(t.TempDir(), "r.json"), r)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSummaryLabelsWhatProducedTheNumbers(t *testing.T) {
	a, b := sampleResult(t), sampleResult(t)
	b.Target = Target{Name: "kinesis", Emulator: true, Broker: drivers.BrokerInfo{Product: "kinesis-mock"}}
	var out bytes.Buffer
	if err := Summary(&out, []*Result{a, b}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"kafka", "kinesis", "EMULATOR", "real broker, local", "100 / 100", "50.0"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
}

func TestNotesSayWhenLostMessagesMayOnlyBeLate(t *testing.T) {
	r := &Result{}
	m := &bench.Measurements{Counts: bench.Counts{Lost: 5}, DrainExpired: true}
	late := "some of the 5 counted as lost may only have been late"
	if n := strings.Join(notes(r, m), "\n"); strings.Contains(n, late) {
		t.Errorf("nothing was arriving any more, yet the notes say %q", n)
	}
	m.StillArriving = true
	if n := strings.Join(notes(r, m), "\n"); !strings.Contains(n, "5 acknowledged messages were never received") || !strings.Contains(n, late) {
		t.Errorf("notes %q", n)
	}
}

// TestNotesSayWhatFaultsDidAndWhenErrorsHappened: a reader of the summary learns each
// fault's window and effect, and when a broker stopped answering.
func TestNotesSayWhatFaultsDidAndWhenErrorsHappened(t *testing.T) {
	back := 0.98
	m := &bench.Measurements{
		Counts: bench.Counts{SendErrors: 7},
		Errors: []bench.ErrorCount{{Where: "send", Count: 7, First: "dial refused", FirstS: 9.2, LastS: 14.04}},
		Actions: []bench.ActionRecord{
			{Do: bench.ActionPauseBroker, Detail: "for 5s", AtS: 8, TookS: 5.02,
				Effect: &bench.FaultEffect{BaselineP99Ms: 12.5, MaxPublishMs: 5020.6, MaxEndToEndMs: 5021, RecoveredAfterS: &back}},
			{Do: bench.ActionKillBroker, Detail: "down for 1s", AtS: 20, TookS: 9,
				Effect: &bench.FaultEffect{BaselineP99Ms: 12.5, MaxPublishMs: 9000, MaxEndToEndMs: 9100}},
			{Do: bench.ActionCutNetwork, Detail: "for 2s", AtS: 30, Error: "this run has no fault proxy"},
			{Do: bench.ActionScale, Detail: "to 8 partitions", AtS: 31, TookS: 0.3},
		},
	}
	got := strings.Join(notes(&Result{}, m), "\n")
	for _, want := range []string{
		"7 messages failed to send, from 9.2 s to 14.0 s of the run (see errors)",
		"fault pause_broker for 5s from 8.0 s to 13.0 s: highest latency publish 5021 ms, end-to-end 5021 ms; back within 2× the end-to-end p99 before it (12.5 ms) 1.0 s after it ended (to the second)",
		"fault kill_broker down for 1s from 20.0 s to 29.0 s: highest latency publish 9000 ms, end-to-end 9100 ms; not back within 2× the end-to-end p99 before it (12.5 ms) before the run ended",
		"action cut_network for 2s at 30.0 s failed: this run has no fault proxy",
		"action scale to 8 partitions at 31.0 s took 0.3 s",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("notes lack %q:\n%s", want, got)
		}
	}
}
