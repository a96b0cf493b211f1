package session

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"streambench/bench"
	"streambench/brokers"
	"streambench/drivers"
	"streambench/drivers/kinesis"
	"streambench/report"
)

// TestKinesisOptions checks where a run's local Kinesis engine and quotas come from:
// the engine asked for over the scenario's kinesis.engine over the default (left empty
// for package brokers to choose), and kinesis.aws_quotas.
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
		o := KinesisOptions(tc.flag, tc.s)
		if o.Engine != tc.engine || o.NoQuotas == tc.quotas {
			t.Errorf("flag %q: engine %q, no quotas %v; want %q, quotas %v", tc.flag, o.Engine, o.NoQuotas, tc.engine, tc.quotas)
		}
	}
}

func load(t *testing.T, body string) (string, bench.Scenario) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "s.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	return p, s
}

// TestPlan checks the order of the runs: repetitions alternate the targets and go
// round the whole matrix each time.
func TestPlan(t *testing.T) {
	path, s := load(t, `
name: plan
targets: [loopback, kafka]
duration: 10s
matrix:
  workload.rate: [100, 300]
`)
	ses, err := New(path, s, Options{Repeat: 2, TimeScale: 0.5, Out: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range ses.Runs {
		got = append(got, r.String())
	}
	want := []string{
		"target loopback [workload.rate=100] (run 1 of 2)", "target kafka [workload.rate=100] (run 1 of 2)",
		"target loopback [workload.rate=300] (run 1 of 2)", "target kafka [workload.rate=300] (run 1 of 2)",
		"target loopback [workload.rate=100] (run 2 of 2)", "target kafka [workload.rate=100] (run 2 of 2)",
		"target loopback [workload.rate=300] (run 2 of 2)", "target kafka [workload.rate=300] (run 2 of 2)",
	}
	if !slices.Equal(got, want) {
		t.Errorf("runs\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if ses.Scenario.Duration.String() != "5s" || ses.Points[1].Scenario.Duration.String() != "5s" {
		t.Errorf("durations %s and %s, want 5s (time scale 0.5)", ses.Scenario.Duration, ses.Points[1].Scenario.Duration)
	}
	one, err := New(path, s, Options{Targets: []string{"kafka"}, Out: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if len(one.Runs) != 2 || one.Runs[0].String() != "target kafka [workload.rate=100]" {
		t.Errorf("target kafka alone: runs %v", one.Runs)
	}
}

func TestNewRefuses(t *testing.T) {
	path, s := load(t, "name: refused\ntargets: [loopback]\n")
	_, err := New(path, s, Options{Targets: []string{"kafka"}, Out: t.TempDir()})
	var te *TargetError
	if !errors.As(err, &te) || te.Target != "kafka" || !slices.Equal(te.Have, []string{"loopback"}) {
		t.Errorf("unknown target: %v", err)
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = New(path, s, Options{Out: file})
	var oe *OutError
	if !errors.As(err, &oe) || oe.Out != file {
		t.Errorf("out under a file: %v", err)
	}
}

// TestRunLoopback runs a session of the loopback target (no broker) twice: its results
// are written and summed up; then, interrupted before it starts, it skips every run.
func TestRunLoopback(t *testing.T) {
	path, s := load(t, `
name: loop
targets: [loopback]
duration: 1s
warmup: 0s
workload: {rate: 200}
`)
	out := t.TempDir()
	var log, summary bytes.Buffer
	o := Options{Repeat: 2, Out: out, Log: &log, Summary: &summary, Overrides: map[string]string{"--x": "y"}}
	ses, err := New(path, s, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := ses.Run(context.Background(), nil); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	files, _ := filepath.Glob(filepath.Join(out, "loop", "*-loopback.json"))
	if len(files) != 2 {
		t.Fatalf("results %v, want 2\n%s", files, log.String())
	}
	r, err := report.Read(files[0])
	if err != nil || r.Overrides["--x"] != "y" || r.Counts.Received == 0 || r.Interrupted {
		t.Errorf("result %+v: %v", r, err)
	}
	for _, want := range []string{"scenario loop: 0s warm-up + 1s measured", "target loopback (run 2 of 2): result written to ", "report with charts: "} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log.String())
		}
	}
	if !strings.Contains(summary.String(), "loopback") {
		t.Errorf("summary:\n%s", summary.String())
	}

	log.Reset()
	stopped := make(chan struct{})
	close(stopped)
	if err := ses.Run(context.Background(), stopped); !errors.Is(err, ErrInterrupted) {
		t.Errorf("interrupted before it started: %v", err)
	}
	if n := strings.Count(log.String(), ": skipped (interrupted)"); n != 2 {
		t.Errorf("%d runs skipped, want 2:\n%s", n, log.String())
	}
}
