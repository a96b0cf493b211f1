package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Metric is one of a result's four latency distributions.
type Metric struct {
	// Name is how a flag names it: publish, end-to-end, service, send-lag.
	Name string
	// Title is how a table shows it.
	Title string
	// Key is its key in result files and JSON summaries.
	Key string
	// Of picks the metric out of a result's latencies.
	Of func(Latencies) Latency
}

// Metrics lists the latency distributions in the order reports show them.
func Metrics() []Metric {
	return []Metric{
		{"publish", "publish", "publish", func(l Latencies) Latency { return l.Publish }},
		{"end-to-end", "end-to-end", "end_to_end", func(l Latencies) Latency { return l.EndToEnd }},
		{"service", "service", "service", func(l Latencies) Latency { return l.Service }},
		{"send-lag", "send lag", "send_lag", func(l Latencies) Latency { return l.SendLag }},
	}
}

// MetricNamed returns the metric of that name (as a flag gives it).
func MetricNamed(name string) (Metric, error) {
	var names []string
	for _, m := range Metrics() {
		if m.Name == name || m.Key == name {
			return m, nil
		}
		names = append(names, m.Name)
	}
	return Metric{}, fmt.Errorf("no metric %q (known: %s)", name, strings.Join(names, ", "))
}

// percentile is one column of a latency table.
type percentile struct {
	name string
	key  string // in JSON summaries, as in result files
	of   func(Latency) float64
}

func percentiles() []percentile {
	return []percentile{
		{"p50", "p50_us", func(l Latency) float64 { return l.P50 }},
		{"p90", "p90_us", func(l Latency) float64 { return l.P90 }},
		{"p99", "p99_us", func(l Latency) float64 { return l.P99 }},
		{"p99.9", "p999_us", func(l Latency) float64 { return l.P999 }},
		{"p99.99", "p9999_us", func(l Latency) float64 { return l.P9999 }},
		{"max", "max_us", func(l Latency) float64 { return l.Max }},
	}
}

// figure is one number of a run that reports show with its spread and comparisons
// divide by the first column's.
type figure struct {
	name   string
	key    string // in JSON summaries
	format func(float64) string
	// of returns the run's value, and false when the run has none (an empty histogram).
	of func(*Result) (float64, bool)
}

// throughputFigures are the rates of a run and the cost of measuring them.
func throughputFigures() []figure {
	return []figure{
		{"sent msg/s", "sent_msgs_per_s", num, func(r *Result) (float64, bool) { return r.Throughput.SentMsgsPerS, true }},
		{"received msg/s", "received_msgs_per_s", num, func(r *Result) (float64, bool) { return r.Throughput.ReceivedMsgsPerS, true }},
		{"received MB/s", "received_mb_per_s", num, func(r *Result) (float64, bool) { return r.Throughput.ReceivedMBPerS, true }},
		{"bench CPU, % of one core", "client_cpu_percent", num, cpuPercent},
		{"bench peak memory (RSS), MiB", "client_peak_rss_mib", num, peakRSS},
	}
}

// peakRSS is the bench process's peak resident memory in MiB; a run that did not
// record it has none.
func peakRSS(r *Result) (float64, bool) {
	return float64(r.ClientPeakRSSBytes) / (1 << 20), r.ClientPeakRSSBytes > 0
}

func cpuPercent(r *Result) (float64, bool) {
	secs := r.EndedAt.Sub(r.StartedAt).Seconds()
	if secs <= 0 {
		return 0, false
	}
	return 100 * r.ClientCPUSeconds / secs, true
}

// latencyFigures are m's percentiles, in milliseconds.
func latencyFigures(m Metric) []figure {
	var out []figure
	for _, p := range percentiles() {
		out = append(out, figure{p.name, p.key, ms, func(r *Result) (float64, bool) {
			l := m.Of(r.Latency)
			return p.of(l), l.Count > 0
		}})
	}
	return out
}

// requested is the scenario's rate as a reader wants it: a number, or max.
func requested(r *Result) string {
	if r.Throughput.RequestedMsgsPerS == nil {
		return "max"
	}
	return num(*r.Throughput.RequestedMsgsPerS)
}

// ms writes microseconds as milliseconds, to about 3 significant digits.
func ms(us float64) string {
	v := us / 1e3
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case v >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'f', 3, 64)
}

// num writes a rate with at most one decimal, or three below 1 (0.010 MB/s is not 0.0).
func num(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 1 || v == 0:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 3, 64)
}

// ratio writes a ratio as "48.0×", "1.1×" or "0.52×": one decimal from 1 up, two
// significant digits below.
func ratio(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64) + "×"
	case v >= 0.95:
		return strconv.FormatFloat(v, 'f', 1, 64) + "×"
	case v <= 0:
		return "0×"
	}
	decimals := min(1-int(math.Floor(math.Log10(v))), 6)
	return strconv.FormatFloat(v, 'f', decimals, 64) + "×"
}
