package bench_test

import (
	"path/filepath"
	"testing"

	"streambench/bench"
	"streambench/report"
	"streambench/targets"
)

// TestShippedScenarios loads every scenario in scenarios/ (and its claims/ and perf/) with the real drivers'
// settings, target names and SLO metrics (as bench run loads them), and expands its
// matrix.
func TestShippedScenarios(t *testing.T) {
	reg, names := targets.Registry(), targets.Names()
	files, err := filepath.Glob(filepath.Join("..", "scenarios", "*.yaml"))
	claims, _ := filepath.Glob(filepath.Join("..", "scenarios", "claims", "c*.yaml"))
	perf, _ := filepath.Glob(filepath.Join("..", "scenarios", "perf", "*.yaml"))
	files = append(append(files, claims...), perf...)
	if err != nil || len(files) == 0 || len(claims) == 0 {
		t.Fatalf("no scenarios: %v", err)
	}
	for _, file := range files {
		s, err := bench.LoadWith(file, bench.Known{Registry: reg, Targets: names, Metrics: report.SLOMetrics()})
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		points, err := s.Expand()
		if err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		labels := map[string]bool{}
		for _, p := range points {
			if err := p.Scenario.Validate(names); err != nil {
				t.Errorf("%s, run %s: %v", file, p.Sweep, err)
			}
			if labels[p.Sweep.Label()] {
				t.Errorf("%s: two runs labelled %q", file, p.Sweep.Label())
			}
			labels[p.Sweep.Label()] = true
		}
	}
}
