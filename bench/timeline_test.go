package bench_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"streambench/bench"
)

// TestTimeline runs actions through the loopback driver, which can be neither scaled
// nor have its consumers replaced (its producers feed the consumers that existed when
// they started): consumer stops are tested against the real brokers.
func TestTimeline(t *testing.T) {
	s, d := loopbackScenario(t, func(s *bench.Scenario) {
		s.Workload.Rate = bench.Rate{PerSecond: 2000}
		s.Actions = []bench.Action{
			{At: bench.Duration(300 * time.Millisecond), Do: &bench.RestartBroker{}},
			{At: bench.Duration(400 * time.Millisecond), Do: &bench.Scale{Partitions: 8}},
		}
	})
	b := &fakeBroker{restartTakes: 50 * time.Millisecond}
	m, err := bench.Run(context.Background(), s, d, bench.Options{Broker: b})
	if err != nil {
		t.Fatal(err)
	}
	if got := b.log(); got != "restart" || len(m.Actions) != 2 {
		t.Fatalf("broker calls %q, actions %+v", got, m.Actions)
	}
	for i, want := range []struct {
		do, err string
		at      float64
	}{
		{bench.ActionRestartBroker, "", 0.3},
		{bench.ActionScale, "cannot change the partition count", 0.4},
	} {
		a := m.Actions[i]
		if a.Do != want.do || !strings.Contains(a.Error, want.err) || (want.err == "") != (a.Error == "") ||
			a.AtS < want.at || a.AtS > want.at+0.2 {
			t.Errorf("action %d = %+v, want %s at about %.1fs, error %q", i, a, want.do, want.at, want.err)
		}
	}
	if took := m.Actions[0].TookS; took < 0.05 || took > 1 {
		t.Errorf("the restart took %.3fs, want the 50ms it slept", took)
	}
	if len(m.Partitions) != 4 {
		t.Errorf("partitions %+v, want the 4 that carried messages", m.Partitions)
	}
	checkComplete(t, m)
}

func TestActionsStoppedByTheLoadsEnd(t *testing.T) {
	s, d := loopbackScenario(t, func(s *bench.Scenario) {
		s.Actions = []bench.Action{{At: bench.Duration(1100 * time.Millisecond), Do: &bench.RestartBroker{}}}
	})
	interrupt := make(chan struct{})
	time.AfterFunc(500*time.Millisecond, func() { close(interrupt) })
	b := &fakeBroker{}
	m, err := bench.Run(context.Background(), s, d, bench.Options{Interrupt: interrupt, Broker: b})
	if err != nil {
		t.Fatal(err)
	}
	if b.log() != "" {
		t.Errorf("broker calls after the load stopped: %q", b.log())
	}
	if len(m.Actions) != 1 || !strings.Contains(m.Actions[0].Error, "load stopped first") {
		t.Errorf("actions %+v", m.Actions)
	}
}

func TestBadActionsAreFieldErrors(t *testing.T) {
	_, err := bench.Parse("a.yaml", []byte(`name: a
targets: [loopback]
duration: 10s
warmup: 2s
topology: {partitions: 4}
actions:
  - {at: 3s, do: scale, partitions: 2}
  - {at: 1s, do: restart_brokr}
  - {at: 20s, do: stop_consumers}
  - {at: 5s, do: restart_broker, partitions: 3}
`), nil, []string{"loopback"})
	if err == nil {
		t.Fatal("bad actions accepted")
	}
	for _, want := range []string{
		"a.yaml:7:37: actions[0].partitions: a scale action needs the new count, more than topology.partitions (4)",
		`a.yaml:8:10: actions[1].at: actions run one after another, in time order: 1s comes before the previous one ends (3s)`,
		`a.yaml:8:18: actions[1].do: unknown action "restart_brokr"`,
		`did you mean "restart_broker"?`,
		"a.yaml:9:10: actions[2].at: must be from 0s to before the load ends (warm-up + duration = 12s)",
		"a.yaml:10:46: actions[3].partitions: only a scale action takes partitions",
		"a.yaml:7:3: actions: the consumers are stopped and never started again",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}
