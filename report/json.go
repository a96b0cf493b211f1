package report

import (
	"encoding/json"
	"io"
	"time"

	"streambench/bench"
	"streambench/drivers"
)

// JSON writes a summary of the groups for programs: for each, what produced the numbers,
// its settings, its runs, the totals of its counts and the spread of each figure over
// its runs (for one run, min, median and max are its value). Latencies are in
// microseconds, as in result files.
func JSON(w io.Writer, groups []Group) error {
	out := jsonSummary{Groups: make([]jsonGroup, 0, len(groups))}
	for _, g := range groups {
		out.Groups = append(out.Groups, summarize(g))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

type jsonSummary struct {
	Groups []jsonGroup `json:"groups"`
}

type jsonGroup struct {
	Label    string `json:"label"`
	Scenario string `json:"scenario"`
	// Settings are the scenario settings the numbers depend on, by dotted path.
	Settings     map[string]string         `json:"settings"`
	Target       jsonTarget                `json:"target"`
	Host         Host                      `json:"host"`
	Runs         []jsonRun                 `json:"runs"`
	Counts       bench.Counts              `json:"counts"`
	DriverCounts map[string]int64          `json:"driver_counts,omitempty"`
	Throughput   map[string]Spread         `json:"throughput"`
	Latency      map[string]map[string]any `json:"latency"`
	Notes        []string                  `json:"notes"`
	Errors       []bench.ErrorCount        `json:"errors"`
}

type jsonTarget struct {
	Name     string             `json:"name"`
	Driver   string             `json:"driver"`
	Broker   drivers.BrokerInfo `json:"broker"`
	Address  string             `json:"address"`
	Env      string             `json:"env"`
	Emulator bool               `json:"emulator"`
	// Kind is Target.Kind: a real broker, an emulator, or no broker.
	Kind string `json:"kind"`
}

type jsonRun struct {
	StartedAt   time.Time `json:"started_at"`
	EndedAt     time.Time `json:"ended_at"`
	Interrupted bool      `json:"interrupted"`
}

func summarize(g Group) jsonGroup {
	r := g.Runs[0]
	t := r.Target
	out := jsonGroup{
		Label:    g.Label,
		Scenario: r.Scenario.Name,
		Settings: settings(r),
		Target: jsonTarget{Name: t.Name, Driver: t.Driver, Broker: t.Broker, Address: t.Address,
			Env: t.Env, Emulator: t.Emulator, Kind: t.Kind()},
		Host:       r.Host,
		Throughput: map[string]Spread{},
		Latency:    map[string]map[string]any{},
		Notes:      []string{},
		Errors:     []bench.ErrorCount{},
	}
	for _, r := range g.Runs {
		out.Runs = append(out.Runs, jsonRun{r.StartedAt, r.EndedAt, r.Interrupted})
	}
	var driver map[string]int64
	out.Counts, driver = totals(g)
	if len(driver) > 0 {
		out.DriverCounts = driver
	}
	for _, f := range throughputFigures() {
		out.Throughput[f.Key] = f.Spread(g.Runs)
	}
	for _, m := range Metrics() {
		var count int64
		for _, r := range g.Runs {
			count += m.Of(r.Latency).Count
		}
		l := map[string]any{"count": count}
		for _, f := range latencyFigures(m) {
			l[f.Key] = f.Spread(g.Runs)
		}
		out.Latency[m.Key] = l
	}
	notes, errs := tallyNotes(g)
	for _, n := range notes {
		out.Notes = append(out.Notes, n.key)
	}
	for _, e := range errs {
		out.Errors = append(out.Errors, bench.ErrorCount{Where: e.key, Count: e.count, First: e.first})
	}
	return out
}
