package peer

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"streambench/brokers"
)

// The peers: command-line tools of Apache Kafka, in the org.apache.kafka:kafka-tools
// artifact (kafka-producer-perf-test.sh, kafka-consumer-perf-test.sh and
// kafka-e2e-latency.sh of the distribution).
const (
	ProducerPerformance = "org.apache.kafka.tools.ProducerPerformance"
	ConsumerPerformance = "org.apache.kafka.tools.ConsumerPerformance"
	EndToEndLatency     = "org.apache.kafka.tools.EndToEndLatency"
)

// shortName is a peer's class name without its package.
func shortName(class string) string { return class[strings.LastIndexByte(class, '.')+1:] }

// producerSummary is ProducerPerformance's last line, e.g.
//
//	3000000 records sent, 149797.8 records/sec (14.29 MB/sec), 1686.63 ms avg latency,
//	3563.00 ms max latency, 1603 ms 50th, 2836 ms 95th, 3358 ms 99th, 3560 ms 99.9th.
//
// (one line). Its percentiles are whole milliseconds; its MB are 2^20 bytes.
var producerSummary = regexp.MustCompile(`(?m)^(\d+) records sent, ([\d.]+) records/sec \([\d.]+ MB/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th\.`)

// producerResult is what ProducerPerformance reports for a whole run.
type producerResult struct {
	Records                     int64
	RecordsPerS                 float64
	AvgMs, MaxMs                float64
	P50Ms, P95Ms, P99Ms, P999Ms float64
}

func parseProducer(out string) (producerResult, error) {
	all := producerSummary.FindAllStringSubmatch(out, -1)
	if len(all) == 0 {
		return producerResult{}, fmt.Errorf("%s printed no summary line (\"N records sent, … 99.9th.\")%s", shortName(ProducerPerformance), tail(out))
	}
	m := all[len(all)-1]
	f := floats(m[2:])
	n, _ := strconv.ParseInt(m[1], 10, 64)
	return producerResult{Records: n, RecordsPerS: f[0], AvgMs: f[1], MaxMs: f[2], P50Ms: f[3], P95Ms: f[4], P99Ms: f[5], P999Ms: f[6]}, nil
}

// consumerResult is ConsumerPerformance's line of figures, under its header
// "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec,
// rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec".
type consumerResult struct {
	Records int64
	// RecordsPerS runs from the consumer's start, joining its group included;
	// FetchRecordsPerS leaves the join (RebalanceMs) out.
	RecordsPerS, FetchRecordsPerS float64
	RebalanceMs                   float64
}

func parseConsumer(out string) (consumerResult, error) {
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, "start.time, end.time,") || i+1 >= len(lines) {
			continue
		}
		cols := strings.Split(lines[i+1], ",")
		if len(cols) != 10 {
			break
		}
		for j := range cols {
			cols[j] = strings.TrimSpace(cols[j])
		}
		f := floats(cols[4:])
		if f == nil {
			break
		}
		return consumerResult{Records: int64(f[0]), RecordsPerS: f[1], RebalanceMs: f[2], FetchRecordsPerS: f[5]}, nil
	}
	return consumerResult{}, fmt.Errorf("%s printed no line of figures under its header%s", shortName(ConsumerPerformance), tail(out))
}

var (
	e2eAverage     = regexp.MustCompile(`(?m)^Avg latency: ([\d.]+) ms`)
	e2ePercentiles = regexp.MustCompile(`(?m)^Percentiles: 50th = (\d+), 99th = (\d+), 99\.9th = (\d+)`)
)

// e2eResult is what EndToEndLatency reports: the mean in fractional milliseconds, the
// percentiles in whole milliseconds, truncated (it keeps each latency as a whole number
// of milliseconds).
type e2eResult struct {
	AvgMs                float64
	P50Ms, P99Ms, P999Ms float64
}

func parseE2E(out string) (e2eResult, error) {
	a := e2eAverage.FindStringSubmatch(out)
	p := e2ePercentiles.FindStringSubmatch(out)
	if a == nil || p == nil {
		return e2eResult{}, fmt.Errorf("%s printed no \"Avg latency\" and \"Percentiles\" lines%s", shortName(EndToEndLatency), tail(out))
	}
	f := floats(append(a[1:], p[1:]...))
	return e2eResult{AvgMs: f[0], P50Ms: f[1], P99Ms: f[2], P999Ms: f[3]}, nil
}

// floats parses every string, or returns nil.
func floats(ss []string) []float64 {
	out := make([]float64, len(ss))
	for i, s := range ss {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil
		}
		out[i] = v
	}
	return out
}

// tail quotes the last lines of a tool's output for an error.
func tail(out string) string {
	if t := brokers.OutputTail(out, 8); t != "" {
		return "; its last lines:" + t
	}
	return "; it printed nothing"
}
