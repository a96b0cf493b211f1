package main

import (
	"strings"
	"testing"

	"streambench/bench"
	"streambench/brokers"
	"streambench/drivers"
	"streambench/drivers/kinesis"
)

// TestKinesisOptions checks where a run's local Kinesis engine and quotas come from:
// --kinesis-engine over the scenario's kinesis.engine over the default (left empty for
// package brokers to choose), and kinesis.aws_quotas.
func TestKinesisOptions(t *testing.T) {
	scenario := func(engine string, quotas bool) *bench.Scenario {
		set := kinesis.NewSettings()
		set.Engine, set.AWSQuotas = engine, quotas
		return &bench.Scenario{Drivers: map[string]drivers.Settings{"kinesis": set}}
	}
	for _, tc := range []struct {
		flag   string
		s      *bench.Scenario
		engine string
		quotas bool
	}{
		{"", scenario(kinesis.EngineAuto, true), "", true},
		{"", scenario(kinesis.EngineKinesisMock, true), brokers.EngineKinesisMock, true},
		{brokers.EngineFerrokinesis, scenario(kinesis.EngineKinesisMock, false), brokers.EngineFerrokinesis, false},
		{"", &bench.Scenario{}, "", true},
	} {
		o := kinesisOptions(tc.flag, tc.s)
		if o.Engine != tc.engine || o.NoQuotas == tc.quotas {
			t.Errorf("flag %q: engine %q, no quotas %v; want %q, quotas %v", tc.flag, o.Engine, o.NoQuotas, tc.engine, tc.quotas)
		}
	}
}

func TestRunRefusesUnknownEngine(t *testing.T) {
	code, _, stderr := runBench("run", "--kinesis-engine", "kinesalite", "../../scenarios/small-msgs.yaml")
	if code != exitUsage || !strings.Contains(stderr, `--kinesis-engine must be one of ferrokinesis, kinesis-mock, not "kinesalite"`) {
		t.Errorf("exit %d:\n%s", code, stderr)
	}
}
