package verify

import (
	"fmt"
	"slices"
	"strings"

	"streambench/bench"
	"streambench/internal/strictyaml"
	"streambench/report"
)

// metric is a metric name of a claims file, understood.
type metric struct {
	name string
	// family is the part before the first dot: latency, throughput, counts, driver,
	// cpu, probe, action, replay, scale or cost.
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

// cost is a metric a prices file gives: what a month of the run's load would cost.
type cost struct {
	name string
	of   func(*Prices, *report.Result) float64
}

var costs = []cost{
	{"kinesis_provisioned_month", (*Prices).kinesisProvisioned},
	{"kinesis_on_demand_month", (*Prices).kinesisOnDemand},
	{"kafka_month", (*Prices).kafka},
}

// parseMetric understands a metric name, or says what is wrong with it: a figure of
// report's catalogue, a cost, or a count, probe or action the run names itself.
func parseMetric(name string) (metric, error) {
	family, rest, _ := strings.Cut(name, ".")
	m := metric{name: name, family: family}
	if f, ok := report.FigureClaimed(name); ok {
		m.unit = f.Unit
		m.of = func(r *report.Result, _ *Prices) (float64, error) {
			v, err := f.Of(r)
			return f.InUnit(v), err
		}
		return m, nil
	}
	switch family {
	case "cost":
		i := slices.IndexFunc(costs, func(c cost) bool { return c.name == rest })
		if i < 0 {
			break
		}
		m.of = func(r *report.Result, p *Prices) (float64, error) {
			if p == nil {
				return 0, fmt.Errorf("%w: cost metrics need a prices file", report.ErrNoValue)
			}
			return costs[i].of(p, r), nil
		}
		return m, nil
	case "driver":
		if rest == "" {
			break
		}
		m.of = func(r *report.Result, _ *Prices) (float64, error) {
			n, ok := r.DriverCounts[rest]
			if !ok {
				return 0, fmt.Errorf("%w: the driver kept no count %q", report.ErrNoValue, rest)
			}
			return float64(n), nil
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
	}
	return metric{}, fmt.Errorf("unknown metric %q (%s)", name, metricHint(name))
}

func probeValue(probes []bench.Probe, name string) (float64, error) {
	for _, p := range probes {
		if p.Name != name {
			continue
		}
		if p.Value == nil {
			return 0, fmt.Errorf("%w: probe %q has no numeric answer (answer: %q)", report.ErrNoValue, name, p.Answer)
		}
		return *p.Value, nil
	}
	return 0, fmt.Errorf("%w: the run asked no probe %q", report.ErrNoValue, name)
}

func actionTook(actions []bench.ActionRecord, do string) (float64, error) {
	for _, a := range actions {
		if a.Do != do {
			continue
		}
		if a.Error != "" {
			return 0, fmt.Errorf("%w: action %s failed: %s", report.ErrNoValue, do, a.Error)
		}
		return a.TookS, nil
	}
	return 0, fmt.Errorf("%w: the run took no action %q", report.ErrNoValue, do)
}

// metricHint suggests the nearest fixed metric name, or lists the forms.
func metricHint(name string) string {
	switch family, _, _ := strings.Cut(name, "."); family {
	case "action":
		return "an action's metric is action.<do>.took_s"
	case "driver", "probe":
		return "write " + family + ".<name>"
	}
	byFamily := map[string][]string{}
	for _, f := range report.Figures() {
		if family, rest, _ := strings.Cut(f.Claim, "."); f.Claim != "" {
			byFamily[family] = append(byFamily[family], rest)
		}
	}
	for _, c := range costs {
		byFamily["cost"] = append(byFamily["cost"], c.name)
	}
	var known []string
	for _, family := range []string{"latency", "throughput", "counts", "cost", "replay", "cpu", "scale"} {
		for _, rest := range byFamily[family] {
			known = append(known, family+"."+rest)
		}
	}
	if s := strictyaml.Suggest(name, known); s != "" {
		return fmt.Sprintf("did you mean %q?", s)
	}
	// form writes a family's names as family.<a|b>.<c|d>: at each place, the parts
	// its names have there.
	form := func(family string) string {
		var places [][]string
		for _, rest := range byFamily[family] {
			for i, part := range strings.Split(rest, ".") {
				if i == len(places) {
					places = append(places, nil)
				}
				if !slices.Contains(places[i], part) {
					places[i] = append(places[i], part)
				}
			}
		}
		s := family
		for _, parts := range places {
			if len(parts) == 1 {
				s += "." + parts[0]
			} else {
				s += ".<" + strings.Join(parts, "|") + ">"
			}
		}
		return s
	}
	return "known: " + strings.Join([]string{form("latency"), form("throughput"), form("counts"), "driver.<name>",
		form("cpu"), "probe.<name>", "action.<do>.took_s", form("replay"), form("scale"), form("cost")}, ", ")
}
