package peer

import (
	"os"
	"strings"
	"testing"
)

// The testdata files are what the tools of Kafka 4.1.2 printed on this project's
// machine (bench peer --scale 0.1), less the header bench peer adds.
func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParseProducer(t *testing.T) {
	// The summary follows progress lines of the same shape but without percentiles.
	out := "153796 records sent, 30759.2 records/sec (2.93 MB/sec), 1222.1 ms avg latency, 2451.0 ms max latency.\n" +
		readTestdata(t, "produce-100-1-ProducerPerformance.txt")
	got, err := parseProducer(out)
	if err != nil {
		t.Fatal(err)
	}
	want := producerResult{Records: 300000, RecordsPerS: 80472.1, AvgMs: 225.32, MaxMs: 1119, P50Ms: 245, P95Ms: 379, P99Ms: 426, P999Ms: 464}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestParseConsumer(t *testing.T) {
	got, err := parseConsumer(readTestdata(t, "consume-1-ConsumerPerformance.txt"))
	if err != nil {
		t.Fatal(err)
	}
	want := consumerResult{Records: 384645, RecordsPerS: 168261.1549, FetchRecordsPerS: 287262.8827, RebalanceMs: 947}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestParseE2E(t *testing.T) {
	got, err := parseE2E(readTestdata(t, "end-to-end-1-EndToEndLatency.txt"))
	if err != nil {
		t.Fatal(err)
	}
	want := e2eResult{AvgMs: 4.6449, P50Ms: 2, P99Ms: 36, P999Ms: 153}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

// A tool that failed or printed something else is reported with what it printed.
func TestParseFailures(t *testing.T) {
	out := "Exception in thread \"main\" org.apache.kafka.common.errors.TimeoutException: Topic t not present in metadata after 60000 ms.\n"
	for name, parse := range map[string]func(string) error{
		"ProducerPerformance": func(s string) error { _, err := parseProducer(s); return err },
		"ConsumerPerformance": func(s string) error { _, err := parseConsumer(s); return err },
		"EndToEndLatency":     func(s string) error { _, err := parseE2E(s); return err },
	} {
		err := parse(out)
		if err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "TimeoutException") {
			t.Errorf("%s: err = %v, want one naming the tool and quoting its output", name, err)
		}
		if err := parse(""); err == nil || !strings.Contains(err.Error(), "printed nothing") {
			t.Errorf("%s, no output: err = %v", name, err)
		}
	}
	// A header with a broken line of figures under it.
	if _, err := parseConsumer("start.time, end.time, data.consumed.in.MB\n1, 2\n"); err == nil {
		t.Error("parseConsumer accepted a short line of figures")
	}
}
