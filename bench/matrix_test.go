package bench

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"streambench/drivers"
)

// expand loads a scenario file and expands it.
func expand(t *testing.T, file string) (Scenario, []Point) {
	t.Helper()
	s, err := Load(dir+file, testRegistry(), testTargets)
	if err != nil {
		t.Fatal(err)
	}
	points, err := s.Expand()
	if err != nil {
		t.Fatal(err)
	}
	return s, points
}

func TestExpand(t *testing.T) {
	s, points := expand(t, "good-matrix.yaml")
	// The keys in the order written, the first varying slowest.
	want := []struct {
		sweep, label string
		linger       time.Duration
		rate         Rate
	}{
		{"kafka.linger=0s, workload.rate=100, warmup=1s, kafka.fetch.max_wait=1ms", "linger=0s,rate=100,warmup=1s,max_wait=1ms", 0, Rate{PerSecond: 100}},
		{"kafka.linger=0s, workload.rate=max, warmup=1s, kafka.fetch.max_wait=1ms", "linger=0s,rate=max,warmup=1s,max_wait=1ms", 0, Rate{Max: true}},
		{"kafka.linger=5ms, workload.rate=100, warmup=1s, kafka.fetch.max_wait=1ms", "linger=5ms,rate=100,warmup=1s,max_wait=1ms", 5 * time.Millisecond, Rate{PerSecond: 100}},
		{"kafka.linger=5ms, workload.rate=max, warmup=1s, kafka.fetch.max_wait=1ms", "linger=5ms,rate=max,warmup=1s,max_wait=1ms", 5 * time.Millisecond, Rate{Max: true}},
		{"kafka.linger=50ms, workload.rate=100, warmup=1s, kafka.fetch.max_wait=1ms", "linger=50ms,rate=100,warmup=1s,max_wait=1ms", 50 * time.Millisecond, Rate{PerSecond: 100}},
		{"kafka.linger=50ms, workload.rate=max, warmup=1s, kafka.fetch.max_wait=1ms", "linger=50ms,rate=max,warmup=1s,max_wait=1ms", 50 * time.Millisecond, Rate{Max: true}},
	}
	if len(points) != len(want) || s.Matrix.Runs() != len(want) {
		t.Fatalf("%d points, Runs() = %d; want %d", len(points), s.Matrix.Runs(), len(want))
	}
	for i, w := range want {
		p := points[i]
		if got := p.Sweep.String(); got != w.sweep {
			t.Errorf("point %d: sweep %s, want %s", i, got, w.sweep)
		}
		if got := p.Sweep.Label(); got != w.label {
			t.Errorf("point %d: label %s, want %s", i, got, w.label)
		}
		// The point is the scenario with its values set, and nothing else changed.
		exp := NewScenario(testRegistry())
		exp.File, exp.Name, exp.Targets = s.File, "matrix", []string{"kafka"}
		exp.Duration = Duration(10 * time.Second)
		exp.Warmup = Duration(time.Second)
		exp.Workload.Rate = w.rate
		k := exp.Drivers["kafka"].(*testKafka)
		k.Linger = drivers.Duration(w.linger)
		k.Fetch.MaxWait = drivers.Duration(time.Millisecond)
		if !reflect.DeepEqual(p.Scenario, exp) {
			t.Errorf("point %d:\n got %+v\nwant %+v", i, p.Scenario, exp)
		}
		if err := p.Scenario.Validate(testTargets); err != nil {
			t.Errorf("point %d: %v", i, err)
		}
	}
	if !s.Matrix.Has("kafka.linger") || s.Matrix.Has("kafka.acks") {
		t.Errorf("Has: kafka.linger %v, kafka.acks %v", s.Matrix.Has("kafka.linger"), s.Matrix.Has("kafka.acks"))
	}

	// Deep copies: changing one point changes neither another nor the scenario.
	before, _ := json.Marshal(s)
	points[0].Scenario.Drivers["kafka"].(*testKafka).Acks = "0"
	points[0].Scenario.Drivers["kafka"].(*testKafka).Fetch.MinBytes = 99
	points[0].Scenario.Targets[0] = "changed"
	for i, p := range points[1:] {
		k := p.Scenario.Drivers["kafka"].(*testKafka)
		if k.Acks != "all" || k.Fetch.MinBytes != 1 || p.Scenario.Targets[0] != "kafka" {
			t.Errorf("point %d changed with point 0: %+v, targets %v", i+1, k, p.Scenario.Targets)
		}
	}
	if after, _ := json.Marshal(s); string(after) != string(before) {
		t.Errorf("changing a point changed the scenario:\n%s\n%s", before, after)
	}
	if points[1].Scenario.Drivers["other"] == s.Drivers["other"] {
		t.Error("a point shares the other driver's settings with the scenario")
	}
}

func TestExpandWithoutMatrix(t *testing.T) {
	s, points := expand(t, "good-full.yaml")
	if len(points) != 1 || len(points[0].Sweep) != 0 || points[0].Sweep.Label() != "" || points[0].Sweep.Map() != nil {
		t.Fatalf("points = %+v, want one with an empty sweep", points)
	}
	if !reflect.DeepEqual(points[0].Scenario, s) {
		t.Errorf("point:\n got %+v\nwant %+v", points[0].Scenario, s)
	}
	if points[0].Scenario.Drivers["kafka"] == s.Drivers["kafka"] {
		t.Error("the point shares the kafka settings with the scenario")
	}
}

func TestSweep(t *testing.T) {
	tests := []struct {
		sweep        Sweep
		label, str   string
		wantMapPaths []string
	}{
		{nil, "", "", nil},
		{Sweep{{"kafka.linger", "5ms"}, {"kafka.batch_max_bytes", "16384"}},
			"linger=5ms,batch_max_bytes=16384", "kafka.linger=5ms, kafka.batch_max_bytes=16384",
			[]string{"kafka.linger", "kafka.batch_max_bytes"}},
		// Two settings with the same last key are named in full.
		{Sweep{{"kafka.linger", "5ms"}, {"kinesis.linger", "1s"}, {"duration", "1m30s"}},
			"kafka.linger=5ms,kinesis.linger=1s,duration=1m30s", "kafka.linger=5ms, kinesis.linger=1s, duration=1m30s",
			[]string{"kafka.linger", "kinesis.linger", "duration"}},
		// Only safe bytes in a file name.
		{Sweep{{"other.endpoint", "http://host:4566/a b"}, {"workload.rate", "2.5e3"}},
			"endpoint=http___host_4566_a_b,rate=2.5e3", "other.endpoint=http://host:4566/a b, workload.rate=2.5e3",
			[]string{"other.endpoint", "workload.rate"}},
	}
	for _, tt := range tests {
		if got := tt.sweep.Label(); got != tt.label {
			t.Errorf("Label() = %q, want %q", got, tt.label)
		}
		if got := tt.sweep.String(); got != tt.str {
			t.Errorf("String() = %q, want %q", got, tt.str)
		}
		m := tt.sweep.Map()
		if len(m) != len(tt.wantMapPaths) {
			t.Errorf("Map() = %v", m)
		}
		for i, p := range tt.wantMapPaths {
			if m[p] != tt.sweep[i].Value {
				t.Errorf("Map()[%s] = %q, want %q", p, m[p], tt.sweep[i].Value)
			}
		}
	}
}

func TestMatrixBad(t *testing.T) {
	const head = "name: a\ntargets: [kafka]\n"
	tests := []struct {
		name string
		data string // after head, so line 3 is the first
		want []string
	}{
		{"unknown path", "matrix:\n  kafka.lingr: [0s]\n  linger: [1s]\n  retrys: [1]\n  kafka.foo: [1]\n  foo: [1]\n", []string{
			`s.yaml:4:3: matrix.kafka.lingr: unknown setting (did you mean "kafka.linger"?)`,
			`s.yaml:5:3: matrix.linger: unknown setting (did you mean "kafka.linger"?)`,
			`s.yaml:6:3: matrix.retrys: unknown setting (did you mean "other.retries"?)`,
			`s.yaml:7:3: matrix.kafka.foo: unknown setting (known: kafka.acks, kafka.batch_max_bytes, kafka.fetch.*, kafka.idempotence, kafka.linger)`,
			`s.yaml:8:3: matrix.foo: unknown setting (known: drain, duration, kafka.*, other.*, replay, topology.*, warmup, workload.*)`,
		}},
		{"not a setting", "matrix:\n  name: [a, b]\n  description: [x]\n  targets: [kafka]\n  matrix: [x]\n  topology: [1]\n  kafka.fetch: [1]\n  kafka.linger.x: [1s]\n", []string{
			`s.yaml:4:3: matrix.name: the name cannot be swept: the runs of a scenario share its name, which names their results' directory`,
			`s.yaml:5:3: matrix.description: the description cannot be swept: it changes nothing in a run`,
			`s.yaml:6:3: matrix.targets: targets cannot be swept: every run of the matrix runs on each target already`,
			`s.yaml:7:3: matrix.matrix: a matrix cannot sweep itself`,
			`s.yaml:8:3: matrix.topology: topology is a block of settings: sweep one of its fields, e.g. topology.partitions`,
			`s.yaml:9:3: matrix.kafka.fetch: kafka.fetch is a block of settings: sweep one of its fields, e.g. kafka.fetch.max_wait`,
			`s.yaml:10:3: matrix.kafka.linger.x: unknown setting: kafka.linger is a single value, with no field "x"`,
		}},
		{"values that do not decode", "matrix:\n  kafka.linger: [0s, 5, 1h1]\n  workload.rate: [100, fast]\n  kafka.idempotence: [yes]\n  kafka.batch_max_bytes:\n    - 1\n    -\n", []string{
			`s.yaml:4:22: matrix.kafka.linger[1]: a duration needs a unit, e.g. 30s, 500ms, 2h or 7d, not the bare number 5`,
			`s.yaml:4:25: matrix.kafka.linger[2]: invalid duration "1h1": want a number with a unit, e.g. 30s, 500ms, 2h or 7d`,
			`s.yaml:5:24: matrix.workload.rate[1]: rate must be max or a number of messages per second above 0 and at most 1e9, not "fast"`,
			`s.yaml:6:23: matrix.kafka.idempotence[0]: want true or false, not the string "yes"`,
			`s.yaml:9:7: matrix.kafka.batch_max_bytes[1]: missing value`,
		}},
		{"not a list", "matrix:\n  kafka.linger: 5ms\n  workload.keys: {a: 1}\n  workload.producers:\n  duration: []\n", []string{
			`s.yaml:4:17: matrix.kafka.linger: want a list of values, not the string "5ms" (write [5ms])`,
			`s.yaml:5:18: matrix.workload.keys: want a list of values, not a mapping`,
			`s.yaml:6:3: matrix.workload.producers: missing values: give a list, e.g. [1]`,
			`s.yaml:7:13: matrix.duration: empty list: give at least one value, e.g. [30s]`,
		}},
		{"duplicates", "matrix:\n  kafka.linger: [5ms, 0s, 0.005s, 0s]\n  workload.rate: [1000, 1e3]\n  workload.keys: [10, 1_0]\n  workload.keys: [none]\n", []string{
			`s.yaml:4:27: matrix.kafka.linger[2]: duplicate value 0.005s (the same as [0], 5ms)`,
			`s.yaml:4:35: matrix.kafka.linger[3]: duplicate value 0s (also [1])`,
			`s.yaml:5:25: matrix.workload.rate[1]: duplicate value 1e3 (the same as [0], 1000)`,
			`s.yaml:6:23: matrix.workload.keys[1]: duplicate value 1_0 (the same as [0], 10)`,
			`s.yaml:7:3: matrix.workload.keys: duplicate key (first given at line 6)`,
		}},
		{"out of range", "matrix:\n  kafka.fetch.max_wait: [1s, 2m, 3m]\n  workload.producers: [1, 0]\n  duration: [25h]\n", []string{
			`s.yaml:4:30: kafka.fetch.max_wait: must be from 0 to 1m (in every run with kafka.fetch.max_wait=2m)`,
			`s.yaml:4:34: kafka.fetch.max_wait: must be from 0 to 1m (in every run with kafka.fetch.max_wait=3m)`,
			`s.yaml:5:27: workload.producers: must be from 1 to 1024, not 0 (in every run with workload.producers=0)`,
			`s.yaml:6:14: duration: must be more than 0 and at most 24h (in every run with duration=25h)`,
		}},
		// A rule across fields is put down to the value that breaks it, naming the runs.
		{"combination", "matrix:\n  workload.rate: [1, 2]\n  kafka.acks: [all, \"0\", \"1\"]\n", []string{
			`s.yaml:5:21: kafka.idempotence: needs acks: all (in every run with kafka.acks=0)`,
			`s.yaml:5:26: kafka.idempotence: needs acks: all (in every run with kafka.acks=1)`,
		}},
		{"combination of two values", "matrix:\n  kafka.acks: [all, \"1\"]\n  kafka.idempotence: [true, false]\n  workload.rate: [1, 2]\n", []string{
			`s.yaml:5:23: kafka.idempotence: needs acks: all (in 2 of the 4 runs with kafka.idempotence=true, such as kafka.acks=1, kafka.idempotence=true, workload.rate=1)`,
		}},
		{"the only run", "matrix:\n  kafka.acks: [\"1\"]\n", []string{
			`s.yaml:4:16: kafka.idempotence: needs acks: all (in the run kafka.acks=1)`,
		}},
		// A problem of every run is the scenario's own, at its own place.
		{"every run", "duration: 25h\nmatrix:\n  workload.rate: [1, 2]\n", []string{
			`s.yaml:3:11: duration: must be more than 0 and at most 24h`,
		}},
		{"set and swept", "workload:\n  rate: 5\nkafka:\n  linger: 1s\nmatrix:\n  workload.rate: [1, 2]\n  kafka.linger: [0s]\n", []string{
			`s.yaml:8:3: matrix.workload.rate: workload.rate is also set at line 4, a value the matrix replaces in every run: remove one of the two`,
			`s.yaml:9:3: matrix.kafka.linger: kafka.linger is also set at line 6, a value the matrix replaces in every run: remove one of the two`,
		}},
		{"unused driver", "matrix:\n  other.retries: [1, 2]\n", []string{
			`s.yaml:4:3: matrix.other.retries: no target of this scenario uses the other driver (targets: kafka): sweeping other.retries would change nothing`,
		}},
		{"too many runs", "matrix:\n  workload.producers: [1, 2, 3, 4, 5]\n  workload.consumers: [1, 2, 3, 4, 5]\n  topology.partitions: [1, 2, 3, 4, 5]\n", []string{
			`s.yaml:3:1: matrix: 5 × 5 × 5 = 125 runs, more than the limit of 100: sweep fewer values, or split the sweep over several scenario files`,
		}},
		{"too many in one list", "matrix:\n  workload.producers: [" + count(101) + "]\n", []string{
			`s.yaml:3:1: matrix: 101 runs, more than the limit of 100: sweep fewer values, or split the sweep over several scenario files`,
		}},
		{"not a mapping", "matrix: [kafka.linger]\n", []string{
			`s.yaml:3:9: matrix: want a mapping of settings to lists of values (kafka.linger: [0s, 5ms]), not a list`,
		}},
		{"anchors, aliases and tags", "matrix:\n  workload.rate: &r [1, 2]\n  workload.producers: [*r]\n  workload.consumers: !!seq [1]\n  kafka.linger: [&l 1s]\n", []string{
			`s.yaml:4:18: matrix.workload.rate: anchors (&r) are not supported: write every value out in full`,
			`s.yaml:5:24: matrix.workload.producers[0]: aliases (*r) are not supported: write the value out in full`,
			`s.yaml:6:23: matrix.workload.consumers: tags (!!seq) are not supported: write the plain value`,
			`s.yaml:7:18: matrix.kafka.linger[0]: anchors (&l) are not supported: write every value out in full`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("s.yaml", []byte(head+tt.data), testRegistry(), testTargets)
			checkErrors(t, err, "", tt.want)
		})
	}
}

// TestMatrixValidate checks the runs again after the scenario changed, as command-line
// overrides change it: problems name the field and the runs, with no position.
func TestMatrixValidate(t *testing.T) {
	data := "name: a\ntargets: [kafka]\nkafka:\n  idempotence: false\nmatrix:\n  kafka.linger: [0s, 5ms]\n  kafka.acks: [all, \"1\"]\n"
	s, err := Parse("s.yaml", []byte(data), testRegistry(), testTargets)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(testTargets); err != nil {
		t.Fatalf("Validate after Parse: %v", err)
	}
	s.Duration = 0
	s.Drivers["kafka"].(*testKafka).Idempotence = true
	checkErrors(t, s.Validate(testTargets), "", []string{
		`duration: must be more than 0 and at most 24h`,
		`kafka.idempotence: needs acks: all (in every run with kafka.acks=1)`,
	})

	// A matrix that did not come from the loader cannot be expanded.
	s.Matrix = Matrix{{Path: "kafka.linger", Values: []string{"1s"}}}
	if _, err := s.Expand(); err == nil || !strings.Contains(err.Error(), "only a scenario read by Load or Parse can be expanded") {
		t.Errorf("Expand of a hand-made matrix: %v", err)
	}
	checkErrors(t, s.Validate(testTargets), "", []string{
		`matrix: kafka.linger: the values were never decoded: only a scenario read by Load or Parse can be expanded`,
	})
}

// TestMatrixJSON checks that a point's scenario goes through a result file unchanged,
// without a matrix, and that a scenario's matrix survives JSON as written.
func TestMatrixJSON(t *testing.T) {
	s, points := expand(t, "good-matrix.yaml")
	for _, p := range points {
		data, err := json.Marshal(p.Scenario)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), `"matrix":`) {
			t.Errorf("a point's scenario keeps the matrix: %s", data)
		}
		var back Scenario
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatal(err)
		}
		again, err := json.Marshal(back)
		if err != nil {
			t.Fatal(err)
		}
		if string(again) != string(data) {
			t.Errorf("round trip:\n got %s\nwant %s", again, data)
		}
		// Driver blocks come back as raw JSON; everything else as it was.
		want := p.Scenario
		want.Drivers, back.Drivers = nil, nil
		if !reflect.DeepEqual(back, want) {
			t.Errorf("round trip:\n got %+v\nwant %+v", back, want)
		}
	}

	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back Scenario
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	want := Matrix{
		{Path: "kafka.linger", Values: []string{"0s", "5ms", "50ms"}},
		{Path: "workload.rate", Values: []string{"100", "max"}},
		{Path: "warmup", Values: []string{"1s"}},
		{Path: "kafka.fetch.max_wait", Values: []string{"1ms"}},
	}
	if !reflect.DeepEqual(back.Matrix, want) {
		t.Errorf("matrix after JSON: %+v, want %+v", back.Matrix, want)
	}
	if _, err := back.Expand(); err == nil {
		t.Error("Expand of a matrix read from JSON succeeded")
	}
}

// count writes the list 1, 2, …, n.
func count(n int) string {
	items := make([]string, n)
	for i := range items {
		items[i] = strconv.Itoa(i + 1)
	}
	return strings.Join(items, ", ")
}
