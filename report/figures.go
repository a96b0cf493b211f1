package report

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"streambench/bench"
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

// Figure is one number of a run under a fixed name: what reports show of a run, with its
// spread over repetitions, and what claims files check (verify). Figures lists them.
type Figure struct {
	// Name is how a report's table names it: "sent msg/s", "p99.9".
	Name string
	// Key is its key in JSON summaries: "sent_msgs_per_s", "p999_us".
	Key string
	// Claim is its metric name in claims files ("throughput.sent_msgs_per_s",
	// "latency.end_to_end.p999"), empty for one they cannot name.
	Claim string
	// Unit is what a reader is shown it in: "msgs/s", "ms"; empty for a count.
	Unit string
	// Per is how many of the result file's units make one Unit (1000 µs to the ms); 0
	// when the file holds it in Unit.
	Per float64
	// Digits writes it, in Unit, in reports.
	Digits Digits
	// Of reads it from a run, in the result file's units, or says why the run has none
	// (an error wrapping ErrNoValue).
	Of func(*Result) (float64, error)
	// Integrity marks a count of messages that were not delivered once each (lost,
	// duplicated): an SLO on it that fails is an integrity failure, not a slow run.
	Integrity bool
}

// ErrNoValue is what the error of a figure that a run does not have wraps.
var ErrNoValue = errors.New("no value")

// Figures is the catalogue of figures: throughput and the cost of measuring it, every
// number of each latency distribution, the counts, what a replay found, and how soon
// new capacity carried messages.
func Figures() []Figure {
	figs := throughputFigures()
	for _, m := range Metrics() {
		figs = append(figs, m.figures(latencyStats())...)
	}
	figs = append(figs, receivedOfRequested())
	figs = append(figs, countFigures()...)
	figs = append(figs, replayFigures()...)
	return append(figs, Figure{Name: "new capacity carries after", Key: "carries_after_s",
		Claim: "scale.carries_after_s", Unit: "s", Of: newCapacityCarries})
}

// FigureClaimed is the figure a claims file names claim, if there is one.
func FigureClaimed(claim string) (Figure, bool) {
	figs := Figures()
	i := slices.IndexFunc(figs, func(f Figure) bool { return f.Claim != "" && f.Claim == claim })
	if i < 0 {
		return Figure{}, false
	}
	return figs[i], true
}

// InUnit turns a value of f as the result file holds it into f's Unit.
func (f Figure) InUnit(v float64) float64 {
	if f.Per == 0 {
		return v
	}
	return v / f.Per
}

// Spread is f over runs, in the result file's units, counting the runs that have it.
func (f Figure) Spread(runs []*Result) Spread {
	var vs []float64
	for _, r := range runs {
		if v, err := f.Of(r); err == nil {
			vs = append(vs, v)
		}
	}
	return SpreadOf(vs)
}

// text writes s, a spread of f, as a report's cell: in f's unit, with its digits.
func (f Figure) text(s Spread) string { return s.Map(f.InUnit).Text(f.Digits) }

// cells writes s, a spread of f, as three rows' cells: min, median and max.
func (f Figure) cells(s Spread) []string { return s.Map(f.InUnit).cells(f.Digits) }

// throughputFigures are the rates of a run and the cost of measuring them.
func throughputFigures() []Figure {
	return []Figure{
		{Name: "sent msg/s", Key: "sent_msgs_per_s", Claim: "throughput.sent_msgs_per_s", Unit: "msgs/s", Digits: Rate,
			Of: func(r *Result) (float64, error) { return r.Throughput.SentMsgsPerS, nil }},
		{Name: "received msg/s", Key: "received_msgs_per_s", Claim: "throughput.received_msgs_per_s", Unit: "msgs/s", Digits: Rate,
			Of: func(r *Result) (float64, error) { return r.Throughput.ReceivedMsgsPerS, nil }},
		{Name: "received MB/s", Key: "received_mb_per_s", Claim: "throughput.received_mb_per_s", Unit: "MB/s", Digits: Rate,
			Of: func(r *Result) (float64, error) { return r.Throughput.ReceivedMBPerS, nil }},
		{Name: "bench CPU, % of one core", Key: "client_cpu_percent", Claim: "cpu.percent", Unit: "%", Digits: Rate,
			Of: cpuPercent},
		{Name: "bench peak memory (RSS), MiB", Key: "client_peak_rss_mib", Unit: "MiB", Digits: Rate,
			Of: peakRSS},
	}
}

// cpuPercent is the bench process's CPU time over the run's length, in % of one core.
func cpuPercent(r *Result) (float64, error) {
	secs := r.EndedAt.Sub(r.StartedAt).Seconds()
	if secs <= 0 {
		return 0, fmt.Errorf("%w: the run has no duration", ErrNoValue)
	}
	return 100 * r.ClientCPUSeconds / secs, nil
}

// peakRSS is the bench process's peak resident memory in MiB; a run that did not
// record it has none.
func peakRSS(r *Result) (float64, error) {
	if r.ClientPeakRSSBytes <= 0 {
		return 0, fmt.Errorf("%w: the run did not record its peak memory", ErrNoValue)
	}
	return float64(r.ClientPeakRSSBytes) / (1 << 20), nil
}

// stat is one number summarising a latency distribution.
type stat struct {
	name string // as a table heads it: p99.9
	key  string // in result files, less the _us: p999
	of   func(Latency) float64
}

// percentiles are the stats reports show, the columns of their latency tables.
func percentiles() []stat {
	return []stat{
		{"p50", "p50", func(l Latency) float64 { return l.P50 }},
		{"p90", "p90", func(l Latency) float64 { return l.P90 }},
		{"p99", "p99", func(l Latency) float64 { return l.P99 }},
		{"p99.9", "p999", func(l Latency) float64 { return l.P999 }},
		{"p99.99", "p9999", func(l Latency) float64 { return l.P9999 }},
		{"max", "max", func(l Latency) float64 { return l.Max }},
	}
}

// latencyStats are all the numbers result files hold of a latency distribution.
func latencyStats() []stat {
	return append([]stat{
		{"min", "min", func(l Latency) float64 { return l.Min }},
		{"mean", "mean", func(l Latency) float64 { return l.Mean }},
	}, percentiles()...)
}

// latencyFigures are m's percentiles, as reports show them.
func latencyFigures(m Metric) []Figure { return m.figures(percentiles()) }

// figures are the stats of m's distribution: in µs, shown in ms.
func (m Metric) figures(stats []stat) []Figure {
	var out []Figure
	for _, s := range stats {
		out = append(out, Figure{Name: s.name, Key: s.key + "_us", Claim: "latency." + m.Key + "." + s.key,
			Unit: "ms", Per: 1e3, Digits: Millis, Of: func(r *Result) (float64, error) {
				l := m.Of(r.Latency)
				if l.Count == 0 {
					return 0, fmt.Errorf("%w: no %s latency was recorded", ErrNoValue, m.Key)
				}
				return s.of(l), nil
			}})
	}
	return out
}

// countFigures are the run's counts, as claims files name them.
func countFigures() []Figure {
	count := func(key string, of func(bench.Counts) int64) Figure {
		return Figure{Name: key, Key: key, Claim: "counts." + key,
			Of: func(r *Result) (float64, error) { return float64(of(r.Counts)), nil }}
	}
	return []Figure{
		count("requested", func(c bench.Counts) int64 { return c.Requested }),
		count("sent", func(c bench.Counts) int64 { return c.Sent }),
		count("acked", func(c bench.Counts) int64 { return c.Acked }),
		count("send_errors", func(c bench.Counts) int64 { return c.SendErrors }),
		count("not_sent", func(c bench.Counts) int64 { return c.NotSent }),
		count("received", func(c bench.Counts) int64 { return c.Received }),
		integrity(count("lost", func(c bench.Counts) int64 { return c.Lost })),
		integrity(count("duplicated", func(c bench.Counts) int64 { return c.Duplicated })),
		count("reordered", func(c bench.Counts) int64 { return c.Reordered }),
		count("unacknowledged", func(c bench.Counts) int64 { return c.Unacknowledged }),
		count("foreign", func(c bench.Counts) int64 { return c.Foreign }),
		count("redelivered", func(c bench.Counts) int64 { return c.Redelivered }),
	}
}

// integrity marks f as a count of messages not delivered once each.
func integrity(f Figure) Figure {
	f.Integrity = true
	return f
}

// receivedOfRequested is the received rate as a percentage of the requested (offered)
// one, over the measured window: whether the system kept up with the load. It is not
// among the throughput table's rows, which show both rates.
func receivedOfRequested() Figure {
	return Figure{Name: "received, % of requested", Key: "received_percent_of_requested",
		Claim: "throughput.received_percent_of_requested", Unit: "%", Digits: Rate,
		Of: func(r *Result) (float64, error) {
			req := r.Throughput.RequestedMsgsPerS
			if req == nil || *req <= 0 {
				return 0, fmt.Errorf("%w: the rate is max, so nothing was offered to compare with", ErrNoValue)
			}
			return 100 * r.Throughput.ReceivedMsgsPerS / *req, nil
		}}
}

// replayFigures are what reading the topology again found (scenario replay: true).
func replayFigures() []Figure {
	replay := func(key string, of func(*bench.Replay) int64) Figure {
		return Figure{Name: key, Key: key, Claim: "replay." + key, Of: func(r *Result) (float64, error) {
			switch rp := r.Replay; {
			case rp == nil:
				return 0, fmt.Errorf("%w: the run did not read its topology again (replay: true)", ErrNoValue)
			case rp.Error != "":
				return 0, fmt.Errorf("%w: the replay failed: %s", ErrNoValue, rp.Error)
			}
			return float64(of(r.Replay)), nil
		}}
	}
	return []Figure{
		replay("read", func(rp *bench.Replay) int64 { return rp.Read }),
		replay("distinct", func(rp *bench.Replay) int64 { return rp.Distinct }),
		replay("missing", func(rp *bench.Replay) int64 { return rp.Missing }),
	}
}

// newCapacityCarries is how long after the start of the run's scale action the first
// message arrived from a partition (shard) numbered at or above the count the run
// started with: one that the scaling made.
func newCapacityCarries(r *Result) (float64, error) {
	at := -1.0
	for _, a := range r.Actions {
		if a.Do == bench.ActionScale {
			if a.Error != "" {
				return 0, fmt.Errorf("%w: the scale action failed: %s", ErrNoValue, a.Error)
			}
			at = a.AtS
			break
		}
	}
	if at < 0 {
		return 0, fmt.Errorf("%w: the run has no scale action", ErrNoValue)
	}
	first := -1.0
	for _, p := range r.Partitions {
		if int(p.Partition) >= r.Scenario.Topology.Partitions && (first < 0 || p.FirstS < first) {
			first = p.FirstS
		}
	}
	if first < 0 {
		return 0, fmt.Errorf("%w: no new partition delivered a message during the run", ErrNoValue)
	}
	return first - at, nil
}

// requested is the scenario's rate as a reader wants it: a number, or max.
func requested(r *Result) string {
	if r.Throughput.RequestedMsgsPerS == nil {
		return "max"
	}
	return Rate.Format(*r.Throughput.RequestedMsgsPerS)
}

// ms writes microseconds as milliseconds, as latencies are shown.
func ms(us float64) string { return Millis.Format(us / 1e3) }
