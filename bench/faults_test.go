package bench_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"streambench/bench"
)

// fakeBroker is a bench.BrokerControl that records what it was asked to do.
type fakeBroker struct {
	restartTakes time.Duration
	mu           sync.Mutex
	calls        []string
}

func (b *fakeBroker) note(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls = append(b.calls, s)
}

func (b *fakeBroker) log() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(b.calls, " ")
}

func (b *fakeBroker) Restart(_ context.Context, kill bool, down time.Duration) error {
	if kill {
		b.note(fmt.Sprintf("kill %s", down))
	} else {
		b.note("restart")
	}
	time.Sleep(b.restartTakes + down)
	return nil
}
func (b *fakeBroker) Pause(context.Context) error  { b.note("pause"); return nil }
func (b *fakeBroker) Resume(context.Context) error { b.note("resume"); return nil }

// fakeNetwork is a bench.Network that records what it was asked to do.
type fakeNetwork struct{ fakeBroker }

func (n *fakeNetwork) Degrade(_ context.Context, latency, jitter time.Duration, bps int64) error {
	n.note(fmt.Sprintf("degrade %s %s %d", latency, jitter, bps))
	return nil
}
func (n *fakeNetwork) Cut(context.Context) error  { n.note("cut"); return nil }
func (n *fakeNetwork) Heal(context.Context) error { n.note("heal"); return nil }

// TestFaultsOnTheTimeline runs each broker and network fault through the loopback
// driver with fakes standing in for the broker and the proxy: each is undone after its
// time, and each has a window and an effect in the result.
func TestFaultsOnTheTimeline(t *testing.T) {
	ms := func(n int) bench.Duration { return bench.Duration(time.Duration(n) * time.Millisecond) }
	s, d := loopbackScenario(t, func(s *bench.Scenario) {
		// A fault's baseline is the p99 of the whole seconds before it: the first comes
		// after the first second.
		s.Warmup, s.Duration = ms(200), ms(3500)
		s.Actions = []bench.Action{
			{At: ms(1200), Do: &bench.PauseBroker{For: ms(200)}},
			{At: ms(1500), Do: &bench.KillBroker{For: ms(100)}},
			{At: ms(1700), Do: &bench.SlowNetwork{For: ms(100), Latency: ms(50), Jitter: ms(10), Bandwidth: 1000}},
			{At: ms(1900), Do: &bench.CutNetwork{For: ms(100)}},
		}
	})
	b, n := &fakeBroker{}, &fakeNetwork{}
	m, err := bench.Run(context.Background(), s, d, bench.Options{Broker: b, Network: n})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := b.log(), "pause resume kill 100ms"; got != want {
		t.Errorf("broker calls %q, want %q", got, want)
	}
	if got, want := n.log(), "degrade 50ms 10ms 1000 heal cut heal"; got != want {
		t.Errorf("network calls %q, want %q", got, want)
	}
	if len(m.Actions) != 4 {
		t.Fatalf("actions %+v", m.Actions)
	}
	for i, want := range []struct {
		detail string
		took   float64
	}{{"for 200ms", 0.2}, {"down for 100ms", 0.1}, {"latency 50ms ± 10ms, bandwidth 1KB/s for 100ms", 0.1}, {"for 100ms", 0.1}} {
		a := m.Actions[i]
		if a.Error != "" || a.Detail != want.detail || a.TookS < want.took || a.Effect == nil {
			t.Errorf("action %d = %+v, want %q taking at least %.1fs, with an effect", i, a, want.detail, want.took)
			continue
		}
		// The loopback driver has no broker to fault: each fault has a baseline and a
		// highest latency; whether the run counts as recovered depends on how busy the
		// machine is (TestAnalyseFaults checks that rule).
		if e := a.Effect; e.BaselineP99Ms <= 0 || e.MaxEndToEndMs <= 0 {
			t.Errorf("action %d effect %+v", i, *e)
		}
	}
	checkComplete(t, m)
}

// TestFaultCutShortByAnInterrupt stops the load in the middle of a pause: the broker is
// resumed at once, not left frozen for the rest of the fault.
func TestFaultCutShortByAnInterrupt(t *testing.T) {
	s, d := loopbackScenario(t, func(s *bench.Scenario) {
		s.Actions = []bench.Action{{At: bench.Duration(200 * time.Millisecond), Do: &bench.PauseBroker{For: bench.Duration(time.Second)}}}
	})
	interrupt := make(chan struct{})
	time.AfterFunc(400*time.Millisecond, func() { close(interrupt) })
	b := &fakeBroker{}
	m, err := bench.Run(context.Background(), s, d, bench.Options{Broker: b, Interrupt: interrupt})
	if err != nil {
		t.Fatal(err)
	}
	if b.log() != "pause resume" || len(m.Actions) != 1 || m.Actions[0].TookS >= 0.9 || !m.Interrupted {
		t.Errorf("broker calls %q, actions %+v, interrupted %v", b.log(), m.Actions, m.Interrupted)
	}
}

// TestFaultsWithoutControl: a fault the target cannot have is recorded as failed, and
// the run goes on.
func TestFaultsWithoutControl(t *testing.T) {
	s, d := loopbackScenario(t, func(s *bench.Scenario) {
		s.Actions = []bench.Action{
			{At: bench.Duration(100 * time.Millisecond), Do: &bench.PauseBroker{For: bench.Duration(100 * time.Millisecond)}},
			{At: bench.Duration(300 * time.Millisecond), Do: &bench.CutNetwork{For: bench.Duration(100 * time.Millisecond)}},
		}
	})
	m, err := bench.Run(context.Background(), s, d, bench.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Actions) != 2 || !strings.Contains(m.Actions[0].Error, "--env local") || !strings.Contains(m.Actions[1].Error, "fault proxy") {
		t.Errorf("actions %+v", m.Actions)
	}
	checkComplete(t, m)
}

func TestBadFaultsAreFieldErrors(t *testing.T) {
	_, err := bench.Parse("f.yaml", []byte(`name: f
targets: [loopback]
duration: 10s
warmup: 2s
actions:
  - {at: 1s, do: pause_broker}
  - {at: 2s, do: slow_network, for: 1s}
  - {at: 4s, do: slow_network, for: 1s, latency: 10ms, jitter: 20ms, bandwidth: 5 apples}
  - {at: 5s, do: restart_broker, for: 1s, latency: 5ms}
  - {at: 6s, do: cut_network, for: 2s}
  - {at: 7s, do: kill_broker, for: 6s}
  - {at: 9s, do: kill_consumer}
`), nil, []string{"loopback"})
	if err == nil {
		t.Fatal("bad faults accepted")
	}
	for _, want := range []string{
		"f.yaml:6:5: actions[0].for: pause_broker needs `for`: how long the fault lasts",
		"f.yaml:7:5: actions[1]: slow_network needs a latency, a bandwidth, or both",
		`f.yaml:8:81: actions[2].bandwidth: want a positive rate in bytes per second such as 500KB/s or 10MiB/s, not "5 apples"`,
		"actions[2].jitter: must be from 0s to the latency (10ms)",
		"actions[3].for: only pause_broker, kill_broker, slow_network, cut_network and kill_consumers last for a time",
		"actions[3].latency: only slow_network takes latency",
		"f.yaml:11:10: actions[5].at: actions run one after another, in time order: 7s comes before the previous one ends (8s)",
		"actions[5].for: the fault must end before the load does (at 7s + 6s, the load ends at 12s)",
		`actions[6].do: unknown action "kill_consumer"`,
		`did you mean "kill_consumers"?`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestByteRate(t *testing.T) {
	for in, want := range map[string]bench.ByteRate{
		"500KB/s": 500_000, "1MiB/s": 1 << 20, "2000B/s": 2000, "1.5MB/s": 1_500_000, "2GiB/s": 2 << 30,
	} {
		var r bench.ByteRate
		if err := r.UnmarshalText([]byte(in)); err != nil || r != want {
			t.Errorf("%s: %d, %v; want %d", in, r, err, want)
		}
	}
	for _, in := range []string{"", "500KB", "0KB/s", "-1MB/s", "fast/s", "1e20GB/s", "5 kb/s"} {
		var r bench.ByteRate
		if err := r.UnmarshalText([]byte(in)); err == nil {
			t.Errorf("%q accepted as %d", in, r)
		}
	}
}
