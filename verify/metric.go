package verify

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"streambench/bench"
	"streambench/report"
)

// metric is a metric name of a claims file, understood.
type metric struct {
	name string
	// family is the part before the first dot: latency, throughput, counts, driver,
	// cpu, probe, action or cost.
	family string
	// unit is shown after the metric's values ("ms", "msgs/s"; the currency for costs).
	unit string
	// of is the metric's value in a result; an error says why it has none.
	of func(r *report.Result, p *Prices) (float64, error)
}

// performance says whether the metric measures how fast the broker is (or what that
// speed would cost), which an emulator cannot say anything about, rather than what it
// does.
func (m metric) performance() bool {
	switch m.family {
	case "latency", "throughput", "cpu", "cost":
		return true
	}
	return false
}

// aspect names what an emulator's number is not evidence of, for the caveat.
func (m metric) aspect() string {
	switch m.family {
	case "latency":
		return "latency"
	case "cpu":
		return "client CPU use"
	}
	// A cost is computed from the measured throughput.
	return "throughput"
}

var (
	latencyKinds = []string{"publish", "end_to_end", "service", "send_lag"}
	latencyStats = []string{"min", "mean", "p50", "p90", "p99", "p999", "p9999", "max"}
	throughputs  = []string{"sent_msgs_per_s", "received_msgs_per_s", "received_mb_per_s"}
	countNames   = []string{"requested", "sent", "acked", "send_errors", "not_sent", "received", "lost", "duplicated", "reordered", "unacknowledged", "foreign", "redelivered"}
	costNames    = []string{"kinesis_provisioned_month", "kinesis_on_demand_month", "kafka_month"}
	replayNames  = []string{"read", "distinct", "missing"}
)

// errNoValue is the reason of a metric that a result does not have.
var errNoValue = errors.New("no value")

// parseMetric understands a metric name, or says what is wrong with it.
func parseMetric(name string) (metric, error) {
	family, rest, _ := strings.Cut(name, ".")
	m := metric{name: name, family: family}
	switch family {
	case "latency":
		kind, stat, _ := strings.Cut(rest, ".")
		k, s := slices.Index(latencyKinds, kind), slices.Index(latencyStats, stat)
		if k < 0 || s < 0 {
			break
		}
		m.unit = "ms"
		m.of = func(r *report.Result, _ *Prices) (float64, error) {
			l := []report.Latency{r.Latency.Publish, r.Latency.EndToEnd, r.Latency.Service, r.Latency.SendLag}[k]
			if l.Count == 0 {
				return 0, fmt.Errorf("%w: no %s latency was recorded", errNoValue, kind)
			}
			us := []float64{l.Min, l.Mean, l.P50, l.P90, l.P99, l.P999, l.P9999, l.Max}[s]
			return us / 1000, nil
		}
		return m, nil
	case "throughput":
		i := slices.Index(throughputs, rest)
		if i < 0 {
			break
		}
		m.unit = []string{"msgs/s", "msgs/s", "MB/s"}[i]
		m.of = func(r *report.Result, _ *Prices) (float64, error) {
			t := r.Throughput
			return []float64{t.SentMsgsPerS, t.ReceivedMsgsPerS, t.ReceivedMBPerS}[i], nil
		}
		return m, nil
	case "counts":
		i := slices.Index(countNames, rest)
		if i < 0 {
			break
		}
		m.of = func(r *report.Result, _ *Prices) (float64, error) {
			return float64(countsOf(r.Counts)[i]), nil
		}
		return m, nil
	case "driver":
		if rest == "" {
			break
		}
		m.of = func(r *report.Result, _ *Prices) (float64, error) {
			n, ok := r.DriverCounts[rest]
			if !ok {
				return 0, fmt.Errorf("%w: the driver kept no count %q", errNoValue, rest)
			}
			return float64(n), nil
		}
		return m, nil
	case "cpu":
		if rest != "percent" {
			break
		}
		m.unit = "%"
		m.of = func(r *report.Result, _ *Prices) (float64, error) {
			secs := r.EndedAt.Sub(r.StartedAt).Seconds()
			if secs <= 0 {
				return 0, fmt.Errorf("%w: the run has no duration", errNoValue)
			}
			return r.ClientCPUSeconds / secs * 100, nil
		}
		return m, nil
	case "probe":
		if rest == "" {
			break
		}
		m.of = func(r *report.Result, _ *Prices) (float64, error) {
			return probeValue(r.Probes, rest)
		}
		return m, nil
	case "action":
		do, ok := strings.CutSuffix(rest, ".took_s")
		if !ok || do == "" {
			break
		}
		m.unit = "s"
		m.of = func(r *report.Result, _ *Prices) (float64, error) {
			return actionTook(r.Actions, do)
		}
		return m, nil
	case "replay":
		i := slices.Index(replayNames, rest)
		if i < 0 {
			break
		}
		m.of = func(r *report.Result, _ *Prices) (float64, error) {
			rp := r.Replay
			switch {
			case rp == nil:
				return 0, fmt.Errorf("%w: the run did not read its topology again (replay: true)", errNoValue)
			case rp.Error != "":
				return 0, fmt.Errorf("%w: the replay failed: %s", errNoValue, rp.Error)
			}
			return float64([]int64{rp.Read, rp.Distinct, rp.Missing}[i]), nil
		}
		return m, nil
	case "scale":
		if rest != "carries_after_s" {
			break
		}
		m.unit = "s"
		m.of = func(r *report.Result, _ *Prices) (float64, error) {
			return newCapacityCarries(r)
		}
		return m, nil
	case "cost":
		i := slices.Index(costNames, rest)
		if i < 0 {
			break
		}
		m.of = func(r *report.Result, p *Prices) (float64, error) {
			if p == nil {
				return 0, fmt.Errorf("%w: cost metrics need a prices file", errNoValue)
			}
			return []func(*report.Result) float64{p.kinesisProvisioned, p.kinesisOnDemand, p.kafka}[i](r), nil
		}
		return m, nil
	}
	return metric{}, fmt.Errorf("unknown metric %q (%s)", name, metricHint(name))
}

func countsOf(c bench.Counts) []int64 {
	return []int64{c.Requested, c.Sent, c.Acked, c.SendErrors, c.NotSent, c.Received, c.Lost, c.Duplicated, c.Reordered, c.Unacknowledged, c.Foreign, c.Redelivered}
}

func probeValue(probes []bench.Probe, name string) (float64, error) {
	for _, p := range probes {
		if p.Name != name {
			continue
		}
		if p.Value == nil {
			return 0, fmt.Errorf("%w: probe %q has no numeric answer (answer: %q)", errNoValue, name, p.Answer)
		}
		return *p.Value, nil
	}
	return 0, fmt.Errorf("%w: the run asked no probe %q", errNoValue, name)
}

func actionTook(actions []bench.ActionRecord, do string) (float64, error) {
	for _, a := range actions {
		if a.Do != do {
			continue
		}
		if a.Error != "" {
			return 0, fmt.Errorf("%w: action %s failed: %s", errNoValue, do, a.Error)
		}
		return a.TookS, nil
	}
	return 0, fmt.Errorf("%w: the run took no action %q", errNoValue, do)
}

// newCapacityCarries is how long after the start of the run's scale action the first
// message arrived from a partition (shard) numbered at or above the count the run
// started with: one that the scaling made.
func newCapacityCarries(r *report.Result) (float64, error) {
	at := -1.0
	for _, a := range r.Actions {
		if a.Do == bench.ActionScale {
			if a.Error != "" {
				return 0, fmt.Errorf("%w: the scale action failed: %s", errNoValue, a.Error)
			}
			at = a.AtS
			break
		}
	}
	if at < 0 {
		return 0, fmt.Errorf("%w: the run has no scale action", errNoValue)
	}
	first := -1.0
	for _, p := range r.Partitions {
		if int(p.Partition) >= r.Scenario.Topology.Partitions && (first < 0 || p.FirstS < first) {
			first = p.FirstS
		}
	}
	if first < 0 {
		return 0, fmt.Errorf("%w: no new partition delivered a message during the run", errNoValue)
	}
	return first - at, nil
}

// metricHint suggests the nearest fixed metric name, or lists the forms.
func metricHint(name string) string {
	switch family, _, _ := strings.Cut(name, "."); family {
	case "action":
		return "an action's metric is action.<do>.took_s"
	case "driver", "probe":
		return "write " + family + ".<name>"
	}
	var known []string
	for _, k := range latencyKinds {
		for _, s := range latencyStats {
			known = append(known, "latency."+k+"."+s)
		}
	}
	for _, group := range []struct {
		prefix string
		names  []string
	}{{"throughput.", throughputs}, {"counts.", countNames}, {"cost.", costNames}, {"replay.", replayNames}} {
		for _, n := range group.names {
			known = append(known, group.prefix+n)
		}
	}
	known = append(known, "cpu.percent", "scale.carries_after_s")
	if s := bench.Suggest(name, known); s != "" {
		return fmt.Sprintf("did you mean %q?", s)
	}
	return "known: latency.<" + strings.Join(latencyKinds, "|") + ">.<" + strings.Join(latencyStats, "|") +
		">, throughput.<" + strings.Join(throughputs, "|") + ">, counts.<" + strings.Join(countNames, "|") +
		">, driver.<name>, cpu.percent, probe.<name>, action.<do>.took_s, replay.<" + strings.Join(replayNames, "|") +
		">, scale.carries_after_s, cost.<" + strings.Join(costNames, "|") + ">"
}
