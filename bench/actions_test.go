package bench_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"streambench/bench"
)

// TestActionKindsDecodeToTheirTypes reads a timeline with every kind of action: each
// becomes a value of its kind's own type, with the fields written beside its `do`.
func TestActionKindsDecodeToTheirTypes(t *testing.T) {
	s, err := bench.Parse("k.yaml", []byte(`name: k
targets: [loopback]
duration: 60s
warmup: 0s
topology: {partitions: 2}
actions:
  - {at: 1s, do: scale, partitions: 4}
  - {at: 2s, do: restart_broker}
  - {at: 3s, do: stop_consumers}
  - {at: 4s, do: start_consumers}
  - {at: 5s, do: pause_broker, for: 1s}
  - {at: 7s, do: kill_broker, for: 2s}
  - {at: 10s, do: kill_broker}
  - {at: 11s, do: slow_network, for: 1s, latency: 10ms, jitter: 5ms, bandwidth: 64KB/s}
  - {at: 13s, do: cut_network, for: 1s}
  - {at: 15s, do: kill_consumers, for: 1s}
`), nil, []string{"loopback"})
	if err != nil {
		t.Fatal(err)
	}
	ms := func(n int) bench.Duration { return bench.Duration(time.Duration(n) * time.Millisecond) }
	want := []bench.Step{
		&bench.Scale{Partitions: 4},
		&bench.RestartBroker{},
		&bench.StopConsumers{},
		&bench.StartConsumers{},
		&bench.PauseBroker{For: ms(1000)},
		&bench.KillBroker{For: ms(2000)},
		&bench.KillBroker{},
		&bench.SlowNetwork{For: ms(1000), Latency: ms(10), Jitter: ms(5), Bandwidth: 64_000},
		&bench.CutNetwork{For: ms(1000)},
		&bench.KillConsumers{For: ms(1000)},
	}
	if len(s.Actions) != len(want) {
		t.Fatalf("%d actions, want %d", len(s.Actions), len(want))
	}
	for i, a := range s.Actions {
		if !reflect.DeepEqual(a.Do, want[i]) {
			t.Errorf("actions[%d] = %#v, want %#v", i, a.Do, want[i])
		}
	}
	if !s.NetworkFaults() {
		t.Error("a timeline with slow_network and cut_network has no network faults")
	}
}

// TestActionFieldsOfOtherKinds: a field that only other kinds take is reported as
// theirs, where it is written, with the messages of the single struct the kinds
// replaced; a field no kind takes is an unknown field among all the kinds' fields; a
// field of another kind written as zero is let pass, as it always was.
func TestActionFieldsOfOtherKinds(t *testing.T) {
	_, err := bench.Parse("o.yaml", []byte(`name: o
targets: [loopback]
duration: 60s
warmup: 0s
actions:
  - {at: 1s, do: pause_broker, for: 1s, partitions: 3, latency: 5ms}
  - {at: 3s, do: scale, partitions: 8, for: 2s}
  - {at: 6s, do: restart_broker, for: -1s, bandwidth: 1KB/s}
  - {at: 7s, do: cut_network, for: 1s, jitter: 2ms, fro: 1s}
  - {at: 9s, do: kill_broker, partitions: 0, latency: 0s}
  - {at: 10s, do: kill_brokr, latency: 1ms}
  - {at: 11s, for: 1s}
  - {at: 12s, do: restart_broker, bogus: 1}
`), nil, []string{"loopback"})
	if err == nil {
		t.Fatal("fields of other kinds accepted")
	}
	want := []string{
		"o.yaml:6:53: actions[0].partitions: only a scale action takes partitions",
		"o.yaml:6:65: actions[0].latency: only slow_network takes latency",
		"o.yaml:7:45: actions[1].for: only pause_broker, kill_broker, slow_network, cut_network and kill_consumers last for a time",
		"o.yaml:8:39: actions[2].for: must not be negative",
		"o.yaml:8:55: actions[2].bandwidth: only slow_network takes bandwidth",
		"o.yaml:9:48: actions[3].jitter: only slow_network takes jitter",
		`o.yaml:9:53: actions[3].fro: unknown field (known: at, bandwidth, do, for, jitter, latency, partitions)`,
		`o.yaml:11:19: actions[5].do: unknown action "kill_brokr": want one of scale, restart_broker, stop_consumers, start_consumers, pause_broker, kill_broker, slow_network, cut_network, kill_consumers (did you mean "kill_broker"?)`,
		"o.yaml:11:40: actions[5].latency: only slow_network takes latency",
		`o.yaml:12:5: actions[6].do: unknown action "": want one of scale, restart_broker, stop_consumers, start_consumers, pause_broker, kill_broker, slow_network, cut_network, kill_consumers`,
		"o.yaml:12:20: actions[6].for: only pause_broker, kill_broker, slow_network, cut_network and kill_consumers last for a time",
		`o.yaml:13:35: actions[7].bogus: unknown field (known: at, bandwidth, do, for, jitter, latency, partitions)`,
	}
	if got := strings.Split(err.Error(), "\n"); !reflect.DeepEqual(got, want) {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestActionJSON: an action is written into a result as one object, `at` and `do`
// first, then its kind's fields, those at zero left out, exactly as when every kind
// shared one struct; it reads back to the same kind and values, and a field its kind
// does not take, or a `do` that names no kind, is an error.
func TestActionJSON(t *testing.T) {
	ms := func(n int) bench.Duration { return bench.Duration(time.Duration(n) * time.Millisecond) }
	for _, c := range []struct {
		a    bench.Action
		json string
	}{
		{bench.Action{At: ms(3000), Do: &bench.Scale{Partitions: 8}}, `{"at":"3s","do":"scale","partitions":8}`},
		{bench.Action{At: ms(1000), Do: &bench.RestartBroker{}}, `{"at":"1s","do":"restart_broker"}`},
		{bench.Action{At: ms(1000), Do: &bench.StopConsumers{}}, `{"at":"1s","do":"stop_consumers"}`},
		{bench.Action{At: ms(1000), Do: &bench.StartConsumers{}}, `{"at":"1s","do":"start_consumers"}`},
		{bench.Action{At: ms(1500), Do: &bench.PauseBroker{For: ms(5000)}}, `{"at":"1.5s","do":"pause_broker","for":"5s"}`},
		{bench.Action{Do: &bench.KillBroker{}}, `{"at":"0s","do":"kill_broker"}`},
		{bench.Action{At: ms(6000), Do: &bench.SlowNetwork{For: ms(5000), Latency: ms(100), Jitter: ms(20)}},
			`{"at":"6s","do":"slow_network","for":"5s","latency":"100ms","jitter":"20ms"}`},
		{bench.Action{At: ms(6000), Do: &bench.SlowNetwork{For: ms(5000), Bandwidth: 64_000}},
			`{"at":"6s","do":"slow_network","for":"5s","bandwidth":"64000B/s"}`},
		{bench.Action{At: ms(2000), Do: &bench.CutNetwork{For: ms(2000)}}, `{"at":"2s","do":"cut_network","for":"2s"}`},
		{bench.Action{At: ms(2000), Do: &bench.KillConsumers{For: ms(250)}}, `{"at":"2s","do":"kill_consumers","for":"250ms"}`},
	} {
		got, err := json.Marshal(c.a)
		if err != nil || string(got) != c.json {
			t.Errorf("%#v: %s, %v; want %s", c.a.Do, got, err, c.json)
			continue
		}
		var back bench.Action
		if err := json.Unmarshal(got, &back); err != nil || !reflect.DeepEqual(back, c.a) {
			t.Errorf("%s read back as %#v, %v", got, back.Do, err)
		}
	}

	// Inside an indented result, as report writes it.
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode([]bench.Action{{At: ms(1000), Do: &bench.Scale{Partitions: 2}}}); err != nil {
		t.Fatal(err)
	}
	if want := "[\n  {\n    \"at\": \"1s\",\n    \"do\": \"scale\",\n    \"partitions\": 2\n  }\n]\n"; b.String() != want {
		t.Errorf("indented:\n%s\nwant:\n%s", b.String(), want)
	}

	for _, bad := range []string{
		`{"at":"1s","do":"restart_broker","for":"1s"}`,
		`{"at":"1s","do":"pause_broker","for":"1s","latency":"1ms"}`,
		`{"at":"1s","do":"scale","partitions":2,"extra":1}`,
		`{"at":"1s","do":"reboot"}`,
		`{"at":"1s"}`,
	} {
		var a bench.Action
		if err := json.Unmarshal([]byte(bad), &a); err == nil {
			t.Errorf("%s read as %#v", bad, a.Do)
		}
	}
}

// TestScaleTimeScalesEachKindsFor: ScaleTime scales `at`, and `for` where the kind takes
// one, into actions of its own, leaving any scenario that shared them as it was.
func TestScaleTimeScalesEachKindsFor(t *testing.T) {
	ms := func(n int) bench.Duration { return bench.Duration(time.Duration(n) * time.Millisecond) }
	s := bench.Scenario{Duration: ms(10_000), Actions: []bench.Action{
		{At: ms(2000), Do: &bench.PauseBroker{For: ms(1000)}},
		{At: ms(4000), Do: &bench.Scale{Partitions: 4}},
	}}
	orig := s
	s.ScaleTime(0.5)
	if got, want := s.Actions, []bench.Action{
		{At: ms(1000), Do: &bench.PauseBroker{For: ms(500)}},
		{At: ms(2000), Do: &bench.Scale{Partitions: 4}},
	}; !reflect.DeepEqual(got, want) {
		t.Errorf("scaled: %+v, want %+v", got, want)
	}
	if orig.Actions[0].At != ms(2000) || orig.Actions[0].For() != ms(1000) {
		t.Errorf("the scenario it was copied from changed: %+v", orig.Actions[0])
	}
}
