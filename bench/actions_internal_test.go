package bench

import (
	"slices"
	"testing"
	"time"
)

// TestActionKinds: the table holds each kind once, under the names and in the order
// messages have always listed them, and each kind describes itself as results always
// recorded it.
func TestActionKinds(t *testing.T) {
	want := []string{ActionScale, ActionRestartBroker, ActionStopConsumers, ActionStartConsumers,
		ActionPauseBroker, ActionKillBroker, ActionSlowNetwork, ActionCutNetwork, ActionKillConsumers}
	if got := actionNames(); !slices.Equal(got, want) {
		t.Errorf("kinds %v, want %v", got, want)
	}
	for _, name := range want {
		if s := newStep(name); s == nil || s.Name() != name {
			t.Errorf("newStep(%q) = %#v", name, s)
		}
	}
	if s := newStep("reboot"); s != nil {
		t.Errorf("newStep(reboot) = %#v", s)
	}

	ms := func(n int) Duration { return Duration(time.Duration(n) * time.Millisecond) }
	faults := []string{ActionRestartBroker, ActionPauseBroker, ActionKillBroker, ActionSlowNetwork, ActionCutNetwork, ActionKillConsumers}
	for _, c := range []struct {
		step   Step
		detail string
	}{
		{&Scale{Partitions: 8}, "to 8 partitions"},
		{&RestartBroker{}, ""},
		{&StopConsumers{}, ""},
		{&StartConsumers{}, ""},
		{&PauseBroker{For: ms(5000)}, "for 5s"},
		{&KillBroker{}, "down for 0s"},
		{&SlowNetwork{For: ms(5000), Latency: ms(100), Jitter: ms(20)}, "latency 100ms ± 20ms for 5s"},
		{&SlowNetwork{For: ms(5000), Bandwidth: 64_000}, "bandwidth 64KB/s for 5s"},
		{&SlowNetwork{For: ms(1000), Latency: ms(10), Bandwidth: 1 << 20}, "latency 10ms ± 0s, bandwidth 1048576B/s for 1s"},
		{&CutNetwork{For: ms(2000)}, "for 2s"},
		{&KillConsumers{For: ms(500)}, "new ones after 500ms"},
	} {
		a := Action{Do: c.step}
		if got := a.detail(); got != c.detail {
			t.Errorf("%s: detail %q, want %q", c.step.Name(), got, c.detail)
		}
		if got, want := a.fault(), slices.Contains(faults, c.step.Name()); got != want {
			t.Errorf("%s: fault %v, want %v", c.step.Name(), got, want)
		}
	}
	if a := (Action{}); a.name() != "" || a.detail() != "" || a.fault() || a.For() != 0 {
		t.Errorf("an action without a kind: %q %q %v %s", a.name(), a.detail(), a.fault(), a.For())
	}
}
