package bench_test

import (
	"path/filepath"
	"testing"

	"streambench/bench"
	"streambench/drivers"
	"streambench/drivers/kafka"
	"streambench/drivers/kinesis"
	"streambench/drivers/loopback"
)

// TestShippedScenarios loads every scenario in scenarios/ with the real drivers'
// settings, and expands its matrix.
func TestShippedScenarios(t *testing.T) {
	reg := drivers.NewRegistry(kafka.Registration, kinesis.Registration, loopback.Registration)
	files, err := filepath.Glob(filepath.Join("..", "scenarios", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenarios: %v", err)
	}
	for _, file := range files {
		s, err := bench.Load(file, reg, reg.Names())
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
			if err := p.Scenario.Validate(reg.Names()); err != nil {
				t.Errorf("%s, run %s: %v", file, p.Sweep, err)
			}
			if labels[p.Sweep.Label()] {
				t.Errorf("%s: two runs labelled %q", file, p.Sweep.Label())
			}
			labels[p.Sweep.Label()] = true
		}
	}
}
