package bench

import (
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"streambench/drivers"
)

// testKafka stands in for a driver's settings block: flat fields of each kind, a
// cross-field rule, and a nested block holding a drivers.Duration.
type testKafka struct {
	Acks          string           `yaml:"acks" json:"acks"`
	Idempotence   bool             `yaml:"idempotence" json:"idempotence"`
	Linger        drivers.Duration `yaml:"linger" json:"linger"`
	BatchMaxBytes int              `yaml:"batch_max_bytes" json:"batch_max_bytes"`
	Fetch         testFetch        `yaml:"fetch" json:"fetch"`
}

type testFetch struct {
	MaxWait  drivers.Duration `yaml:"max_wait" json:"max_wait"`
	MinBytes int              `yaml:"min_bytes" json:"min_bytes"`
}

func newTestKafka() *testKafka {
	return &testKafka{
		Acks:          "all",
		Idempotence:   true,
		Linger:        drivers.Duration(5 * time.Millisecond),
		BatchMaxBytes: 16384,
		Fetch:         testFetch{MaxWait: drivers.Duration(500 * time.Millisecond), MinBytes: 1},
	}
}

func (s *testKafka) Validate(report func(field, msg string)) {
	switch s.Acks {
	case "all", "1", "0":
	default:
		report("acks", fmt.Sprintf("must be all, 1 or 0, not %q", s.Acks))
	}
	if s.Idempotence && s.Acks != "all" {
		report("idempotence", "needs acks: all")
	}
	if s.BatchMaxBytes < 1 {
		report("batch_max_bytes", "must be at least 1")
	}
	if d := s.Fetch.MaxWait.D(); d < 0 || d > time.Minute {
		report("fetch.max_wait", "must be from 0 to 1m")
	}
}

// testOther is a second driver's block, to show that blocks stay apart.
type testOther struct {
	Endpoint string `yaml:"endpoint" json:"endpoint"`
	Retries  int    `yaml:"retries" json:"retries"`
}

func newTestOther() *testOther { return &testOther{Endpoint: "default", Retries: 3} }

func (s *testOther) Validate(report func(field, msg string)) {
	if s.Retries < 0 {
		report("retries", "must not be negative")
	}
}

func testRegistry() *drivers.Registry {
	return drivers.NewRegistry(
		drivers.Registration{Name: "kafka", NewSettings: func() drivers.Settings { return newTestKafka() }},
		drivers.Registration{Name: "other", NewSettings: func() drivers.Settings { return newTestOther() }},
		drivers.Registration{Name: "loopback"}, // no settings block
	)
}

var testTargets = []string{"kafka", "kinesis", "loopback"}

const dir = "testdata/scenarios/"

func TestLoadGood(t *testing.T) {
	reg := testRegistry()
	tests := []struct {
		file string
		want func(s *Scenario)
	}{
		{"good-minimal.yaml", func(s *Scenario) {
			s.Name = "minimal"
			s.Targets = []string{"kafka"}
		}},
		{"good-full.yaml", func(s *Scenario) {
			s.Name = "full-test_1.0"
			s.Description = "Every field written out."
			s.Targets = []string{"kafka", "loopback"}
			s.Duration = Duration(2 * time.Minute)
			s.Warmup = Duration(10 * time.Second)
			s.Drain = Duration(time.Minute)
			s.Topology = Topology{Partitions: 12, Replication: 3, Retention: Retention{Time: 7 * 24 * time.Hour}}
			s.Workload = Workload{
				MessageSize: 1024,
				Rate:        Rate{Max: true},
				Producers:   4,
				Consumers:   8,
				Keys:        Keys{Mode: KeysFixed, Count: 100},
				Payload:     PayloadText,
				MaxInFlight: 500,
				Oversize:    OversizeMeasure,
				Consume:     ConsumeAfter,
				Arrivals:    ArrivalsUniform,
				Seed:        DefaultSeed,
			}
			s.Drivers["kafka"] = &testKafka{
				Acks:          "1",
				Idempotence:   false,
				Linger:        drivers.Duration(10 * time.Millisecond),
				BatchMaxBytes: 1_000_000,
				Fetch:         testFetch{MaxWait: drivers.Duration(5 * time.Millisecond), MinBytes: 1024},
			}
			s.Drivers["other"] = &testOther{Endpoint: "http://localhost:4566", Retries: 0}
		}},
		{"good-variants.yaml", func(s *Scenario) {
			s.Name = "variants"
			s.Description = "Two lines\nof description.\n"
			s.Targets = []string{"kinesis", "kafka"}
			s.Topology.Retention = Retention{Unlimited: true}
			s.Workload.Rate = Rate{PerSecond: 2500}
			s.Workload.Keys = Keys{Mode: KeysRoundRobin}
			s.Workload.Payload = PayloadZeros
			// Only linger changes; the rest of the block keeps its defaults.
			s.Drivers["kafka"].(*testKafka).Linger = 0
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := Load(dir+tt.file, reg, testTargets)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			want := NewScenario(reg)
			want.File = dir + tt.file
			tt.want(&want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Load:\n got %+v\nwant %+v", got, want)
				for name := range want.Drivers {
					t.Logf("%s: got %+v, want %+v", name, got.Drivers[name], want.Drivers[name])
				}
			}
			if err := got.Validate(testTargets); err != nil {
				t.Errorf("Validate after Load: %v", err)
			}
		})
	}
}

// TestLoadDefaults checks field by field that a file with only name and targets gets
// the Default constants (which scenarios/README.md repeats) and each driver's defaults.
func TestLoadDefaults(t *testing.T) {
	s, err := Load(dir+"good-minimal.yaml", testRegistry(), testTargets)
	if err != nil {
		t.Fatal(err)
	}
	w := s.Workload
	checks := []struct {
		field     string
		got, want any
	}{
		{"description", s.Description, ""},
		{"duration", s.Duration.D(), DefaultDuration},
		{"warmup", s.Warmup.D(), DefaultWarmup},
		{"drain", s.Drain.D(), DefaultDrain},
		{"topology.partitions", s.Topology.Partitions, DefaultPartitions},
		{"topology.replication", s.Topology.Replication, DefaultReplication},
		{"topology.retention", s.Topology.Retention.String(), "default"},
		{"workload.message_size", w.MessageSize, DefaultMessageSize},
		{"workload.rate", w.Rate, Rate{PerSecond: DefaultRate}},
		{"workload.producers", w.Producers, DefaultProducers},
		{"workload.consumers", w.Consumers, DefaultConsumers},
		{"workload.keys", w.Keys.String(), "none"},
		{"workload.payload", w.Payload, PayloadRandom},
		{"workload.max_in_flight", w.MaxInFlight, DefaultMaxInFlight},
		{"kafka", s.Drivers["kafka"], newTestKafka()},
		{"other", s.Drivers["other"], newTestOther()},
		{"loopback", s.Drivers["loopback"], nil},
	}
	for _, c := range checks {
		if c.want == nil {
			if c.got != nil && !reflect.ValueOf(c.got).IsZero() {
				t.Errorf("%s = %v, want none", c.field, c.got)
			}
			continue
		}
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.field, c.got, c.want)
		}
	}
}

func TestLoadBad(t *testing.T) {
	tests := []struct {
		file string
		want []string // without the "testdata/scenarios/" prefix
	}{
		{"bad-misspelt.yaml", []string{
			`bad-misspelt.yaml:4:3: workload.mesage_size: unknown field (did you mean "message_size"?)`,
		}},
		{"bad-type.yaml", []string{
			`bad-type.yaml:4:15: topology.partitions: want a whole number, not the string "four"`,
		}},
		{"bad-range.yaml", []string{
			`bad-range.yaml:4:14: workload.producers: must be from 1 to 1024, not 0`,
			`bad-range.yaml:5:13: workload.oversize: must be refuse or measure, not "send"`,
		}},
		{"bad-target.yaml", []string{
			`bad-target.yaml:2:18: targets[1]: unknown target "kafak" (did you mean "kafka"?)`,
			`bad-target.yaml:2:25: targets[2]: unknown target "rabbitmq" (known: kafka, kinesis, loopback)`,
			`bad-target.yaml:2:35: targets[3]: duplicate target "kafka" (also targets[0])`,
		}},
		{"bad-duplicate.yaml", []string{
			`bad-duplicate.yaml:4:1: duration: duplicate key (first given at line 3)`,
		}},
		{"bad-alias.yaml", []string{
			`bad-alias.yaml:4:15: topology.partitions: anchors (&p) are not supported: write every value out in full`,
			`bad-alias.yaml:6:14: workload.producers: aliases (*p) are not supported: write the value out in full`,
		}},
		{"bad-merge.yaml", []string{
			`bad-merge.yaml:3:8: kafka: anchors (&base) are not supported: write every value out in full`,
			`bad-merge.yaml:6:3: other: merge keys (<<) are not supported: write the fields out in full`,
		}},
		{"bad-tab.yaml", []string{
			`bad-tab.yaml:4:1: YAML: tab character: YAML is indented with spaces only`,
		}},
		{"bad-indent.yaml", []string{
			`bad-indent.yaml:4:2: YAML: value is not allowed in this context`,
		}},
		{"bad-empty.yaml", []string{
			`bad-empty.yaml: empty scenario: name and targets are required`,
		}},
		{"bad-comments-only.yaml", []string{
			`bad-comments-only.yaml: empty scenario: name and targets are required`,
		}},
		{"bad-missing.yaml", []string{
			`bad-missing.yaml: name: required: a short name, used as a directory name for results`,
			`bad-missing.yaml: targets: required: at least one target, e.g. [kafka]`,
		}},
		{"bad-three.yaml", []string{
			`bad-three.yaml:1:7: name: "three errors" is not safe as a directory name: use letters, digits, '-', '_' and '.', not starting with '.'`,
			`bad-three.yaml:3:11: duration: a duration needs a unit, e.g. 30s, 500ms, 2h or 7d, not the bare number 30`,
			`bad-three.yaml:5:12: workload.payload: must be random, zeros or text, not "lorem"`,
		}},
		{"bad-driver.yaml", []string{
			// idempotence is not in the file: the block's key stands for it.
			`bad-driver.yaml:3:1: kafka.idempotence: needs acks: all`,
			`bad-driver.yaml:5:3: kafka.lingr: unknown field (did you mean "linger"?)`,
			`bad-driver.yaml:7:15: kafka.fetch.max_wait: must be from 0 to 1m`,
			`bad-driver.yaml:8:16: kafka.fetch.min_bytes: want a whole number, not the string "many"`,
		}},
		{"bad-matrix.yaml", []string{
			`bad-matrix.yaml:6:3: matrix.kafka.lingr: unknown setting (did you mean "kafka.linger"?)`,
			`bad-matrix.yaml:7:3: matrix.workload.rate: workload.rate is also set at line 4, a value the matrix replaces in every run: remove one of the two`,
			`bad-matrix.yaml:8:3: matrix.other.retries: no target of this scenario uses the other driver (targets: kafka): sweeping other.retries would change nothing`,
			`bad-matrix.yaml:9:3: matrix.targets: targets cannot be swept: every run of the matrix runs on each target already`,
			`bad-matrix.yaml:10:34: matrix.kafka.batch_max_bytes[1]: want a whole number, not the string "big"`,
			`bad-matrix.yaml:10:39: matrix.kafka.batch_max_bytes[2]: duplicate value 16_384 (the same as [0], 16384)`,
			// The values that decoded are still run: this one is the list's fourth.
			`bad-matrix.yaml:10:47: kafka.batch_max_bytes: must be at least 1 (in every run with kafka.batch_max_bytes=0)`,
			`bad-matrix.yaml:11:13: matrix.duration: empty list: give at least one value, e.g. [30s]`,
			`bad-matrix.yaml:12:30: kafka.fetch.max_wait: must be from 0 to 1m (in every run with kafka.fetch.max_wait=2m)`,
			`bad-matrix.yaml:13:21: kafka.idempotence: needs acks: all (in every run with kafka.acks=0)`,
		}},
		{"bad-empty-value.yaml", []string{
			`bad-empty-value.yaml:3:1: duration: missing value (leave the line out to keep the default, 30s)`,
			`bad-empty-value.yaml:6:3: workload.rate: missing value (leave the line out to keep the default, 1000)`,
		}},

		// Wrong kinds of value: a string, list, map, bool or number where another is wanted.
		{"bad-wrong-types.yaml", []string{
			`bad-wrong-types.yaml:3:10: targets: want a list, not the string "kafka" (write [kafka])`,
			`bad-wrong-types.yaml:4:11: duration: want a duration with a unit, e.g. 30s, 500ms, 2h or 7d, not the boolean true`,
			`bad-wrong-types.yaml:6:15: topology.partitions: want a whole number, not the string "4"`,
			`bad-wrong-types.yaml:7:16: topology.replication: want a whole number, not a list`,
			`bad-wrong-types.yaml:8:11: workload: want a mapping of fields, not a list`,
			`bad-wrong-types.yaml:10:9: kafka.acks: want a string, not a mapping`,
			`bad-wrong-types.yaml:11:16: kafka.idempotence: want true or false, not the number 1`,
			`bad-wrong-types.yaml:12:20: kafka.batch_max_bytes: want a whole number, not the number 1.5`,
			`bad-wrong-types.yaml:13:11: kafka.linger: a duration needs a unit, e.g. 30s, 500ms, 2h or 7d, not the bare number 5`,
			`bad-wrong-types.yaml:15:13: other.endpoint: want a string, not a list`,
			`bad-wrong-types.yaml:16:12: other.retries: want a whole number, not the number 1e30`,
		}},
		// Negative and huge values.
		{"bad-negative.yaml", []string{
			`bad-negative.yaml:3:11: duration: must be more than 0 and at most 24h`,
			`bad-negative.yaml:4:9: warmup: must be from 0 to 1h`,
			`bad-negative.yaml:6:15: topology.partitions: must be from 1 to 10000, not -1`,
			`bad-negative.yaml:7:16: topology.replication: must be from 1 to 100, not -3`,
			`bad-negative.yaml:9:17: workload.message_size: must be from 24 to 104857600 (at least the 24-byte envelope, at most 100 MiB), not -100`,
			`bad-negative.yaml:10:9: workload.rate: rate must be max or a number of messages per second above 0 and at most 1e9, not "-1000"`,
			`bad-negative.yaml:11:14: workload.producers: must be from 1 to 1024, not -1`,
			`bad-negative.yaml:12:9: workload.keys: keys must be none, round-robin, random or a key count from 1 to 10000000, not "-5"`,
			`bad-negative.yaml:14:20: kafka.batch_max_bytes: must be at least 1`,
			`bad-negative.yaml:16:15: kafka.fetch.max_wait: must be from 0 to 1m`,
		}},
		{"bad-huge.yaml", []string{
			// The field's own limit, not the largest duration Go can hold (issue 17).
			`bad-huge.yaml:3:11: duration: must be more than 0 and at most 24h`,
			`bad-huge.yaml:4:9: warmup: must be from 0 to 1h`,
			`bad-huge.yaml:6:15: topology.partitions: want a whole number, not the number 1e30`,
			`bad-huge.yaml:7:16: topology.replication: 9223372036854775808 is out of range`,
			`bad-huge.yaml:8:14: topology.retention: invalid duration "99999999999999999999s": over 36500d, the longest duration bench reads (or default, unlimited)`,
			`bad-huge.yaml:10:17: workload.message_size: 99999999999999999999999999 is out of range`,
			`bad-huge.yaml:11:9: workload.rate: rate must be max or a number of messages per second above 0 and at most 1e9, not "1e30"`,
			`bad-huge.yaml:12:14: workload.consumers: -9223372036854775809 is out of range`,
			`bad-huge.yaml:13:9: workload.keys: keys must be none, round-robin, random or a key count from 1 to 10000000, not "18446744073709551616"`,
			`bad-huge.yaml:14:18: workload.max_in_flight: 0x7fffffffffffffffff is out of range`,
		}},
		// Unknown fields at the top, in a block, in a driver's block and its nested block.
		{"bad-unknown.yaml", []string{
			`bad-unknown.yaml:3:1: durration: unknown field (did you mean "duration"?)`,
			`bad-unknown.yaml:4:1: throughput: unknown field (known: actions, description, drain, duration, kafka, matrix, name, other, probes, replay, slo, targets, topology, warmup, workload)`,
			`bad-unknown.yaml:6:3: topology.partitons: unknown field (did you mean "partitions"?)`,
			`bad-unknown.yaml:7:3: topology.shards: unknown field (known: partitions, replication, retention)`,
			`bad-unknown.yaml:9:3: workload.Message-Size: unknown field (did you mean "message_size"?)`,
			`bad-unknown.yaml:11:3: kafka.lingerr: unknown field (did you mean "linger"?)`,
			`bad-unknown.yaml:13:5: kafka.fetch.max-wait: unknown field (did you mean "max_wait"?)`,
			`bad-unknown.yaml:14:5: kafka.fetch.bytes: unknown field (known: max_wait, min_bytes)`,
			// A driver without settings has no block.
			`bad-unknown.yaml:15:1: loopback: unknown field (known: actions, description, drain, duration, kafka, matrix, name, other, probes, replay, slo, targets, topology, warmup, workload)`,
		}},
		// Duplicate keys in a block, a flow mapping, a driver's nested block, the matrix.
		{"bad-duplicate-nested.yaml", []string{
			`bad-duplicate-nested.yaml:5:3: topology.partitions: duplicate key (first given at line 4)`,
			`bad-duplicate-nested.yaml:6:36: workload.rate: duplicate key (first given at line 6)`,
			`bad-duplicate-nested.yaml:10:5: kafka.fetch.max_wait: duplicate key (first given at line 9)`,
			`bad-duplicate-nested.yaml:11:3: kafka.fetch: duplicate key (first given at line 8)`,
			`bad-duplicate-nested.yaml:15:3: matrix.kafka.linger: duplicate key (first given at line 14)`,
			`bad-duplicate-nested.yaml:16:1: name: duplicate key (first given at line 1)`,
		}},
		{"bad-tab-nested.yaml", []string{
			`bad-tab-nested.yaml:5:3: YAML: tab character: YAML is indented with spaces only`,
		}},
		{"bad-alias-undefined.yaml", []string{
			`bad-alias-undefined.yaml:4:9: workload.rate: aliases (*rate) are not supported: write the value out in full`,
		}},
		// Aliases are never expanded: "billion laughs" costs nothing. Anchors and aliases
		// are what is refused, wherever they are, and said first (before, the first line
		// was the unknown field they sat under).
		{"bad-alias-bomb.yaml", []string{
			`bad-alias-bomb.yaml:6:6: lol.a: anchors (&a) are not supported: write every value out in full`,
			`bad-alias-bomb.yaml:7:6: lol.b: anchors (&b) are not supported: write every value out in full`,
			`bad-alias-bomb.yaml:7:10: lol.b[0]: aliases (*a, used 9 times) are not supported: write the value out in full`,
			`bad-alias-bomb.yaml:8:6: lol.c: anchors (&c) are not supported: write every value out in full`,
			`bad-alias-bomb.yaml:8:10: lol.c[0]: aliases (*b, used 9 times) are not supported: write the value out in full`,
			`bad-alias-bomb.yaml:9:6: lol.d: anchors (&d) are not supported: write every value out in full`,
			`bad-alias-bomb.yaml:9:10: lol.d[0]: aliases (*c, used 9 times) are not supported: write the value out in full`,
			`bad-alias-bomb.yaml:10:6: lol.e: anchors (&e) are not supported: write every value out in full`,
			`bad-alias-bomb.yaml:10:10: lol.e[0]: aliases (*d, used 9 times) are not supported: write the value out in full`,
			`bad-alias-bomb.yaml:11:6: lol.f: anchors (&f) are not supported: write every value out in full`,
			`bad-alias-bomb.yaml:11:10: lol.f[0]: aliases (*e, used 9 times) are not supported: write the value out in full`,
			`bad-alias-bomb.yaml:12:6: lol.g: anchors (&g) are not supported: write every value out in full`,
			`bad-alias-bomb.yaml:12:10: lol.g[0]: aliases (*f, used 9 times) are not supported: write the value out in full`,
			`bad-alias-bomb.yaml:13:6: lol.h: anchors (&h) are not supported: write every value out in full`,
			`bad-alias-bomb.yaml:13:10: lol.h[0]: aliases (*g, used 9 times) are not supported: write the value out in full`,
			`bad-alias-bomb.yaml:14:6: lol.i: anchors (&i) are not supported: write every value out in full`,
			`bad-alias-bomb.yaml:14:10: lol.i[0]: aliases (*h, used 9 times) are not supported: write the value out in full`,
			`bad-alias-bomb.yaml:15:9: probes: aliases (*i) are not supported: write the value out in full`,
		}},
		{"bad-documents.yaml", []string{
			`bad-documents.yaml:3:1: a scenario file holds one YAML document; this is a second one`,
			`bad-documents.yaml:6:1: a scenario file holds one YAML document; this is a second one`,
		}},
		// The parser drops a document that follows an empty one; it must not go unsaid.
		{"bad-documents-empty.yaml", []string{
			`bad-documents-empty.yaml:5:1: YAML: a document follows an empty one (--- with nothing under it), and the parser would drop it: remove the empty one`,
		}},
		// Not text: random bytes, a NUL, Latin-1, a byte-order mark where it is invisible.
		{"bad-random.yaml", []string{
			`bad-random.yaml:1:1: invalid UTF-8 (byte 0xa5): a scenario must be a YAML text file`,
		}},
		{"bad-nul.yaml", []string{
			`bad-nul.yaml:3:15: control character U+0000: a scenario must be a YAML text file`,
		}},
		{"bad-utf8.yaml", []string{
			`bad-utf8.yaml:3:17: invalid UTF-8 (byte 0xe9): a scenario must be a YAML text file`,
		}},
		{"bad-bom-inside.yaml", []string{
			`bad-bom-inside.yaml:3:1: byte-order mark (U+FEFF) inside the file, where it cannot be seen: delete it`,
		}},
		// A byte-order mark at the start is allowed, and columns are counted without it.
		{"bad-bom.yaml", []string{
			`bad-bom.yaml:2:11: targets[0]: unknown target "kafak" (did you mean "kafka"?)`,
		}},
	}
	files, _ := filepath.Glob(dir + "bad-*.yaml")
	tested := map[string]bool{}
	for _, tt := range tests {
		tested[dir+tt.file] = true
		t.Run(tt.file, func(t *testing.T) {
			_, err := Load(dir+tt.file, testRegistry(), testTargets)
			checkErrors(t, err, dir, tt.want)
		})
	}
	for _, f := range files {
		if !tested[f] {
			t.Errorf("%s has no case in TestLoadBad", f)
		}
	}
}

func TestParseBad(t *testing.T) {
	tests := []struct {
		name string
		data string
		want []string
	}{
		{"binary", "\x00\x01\x02\xff\xfe", []string{
			`s.yaml:1:1: control character U+0000: a scenario must be a YAML text file`,
		}},
		{"invalid UTF-8", "name: caf\xe9\ntargets: [kafka]\n", []string{
			`s.yaml:1:10: invalid UTF-8 (byte 0xe9): a scenario must be a YAML text file`,
		}},
		{"list", "- kafka\n- kinesis\n", []string{
			`s.yaml:1:1: a scenario is a mapping of fields (name: …, targets: …), not a list`,
		}},
		{"scalar", "hello\n", []string{
			`s.yaml:1:1: a scenario is a mapping of fields (name: …, targets: …), not the string "hello"`,
		}},
		{"two documents", "name: a\ntargets: [kafka]\n---\nname: b\n", []string{
			`s.yaml:3:1: a scenario file holds one YAML document; this is a second one`,
		}},
		{"unclosed list", "name: a\ntargets: [kafka\n", []string{
			`s.yaml:2:10: YAML: sequence end token ']' not found`,
		}},
		{"tag", "name: !!str 5\ntargets: [kafka]\n", []string{
			`s.yaml:1:7: name: tags (!!str) are not supported: write the plain value`,
		}},
		{"targets as a string", "name: a\ntargets: kafka\n", []string{
			`s.yaml:2:10: targets: want a list, not the string "kafka" (write [kafka])`,
		}},
		{"block as a string", "name: a\ntargets: [kafka]\nworkload: fast\n", []string{
			`s.yaml:3:11: workload: want a mapping of fields, not the string "fast"`,
		}},
		{"bool", "name: a\ntargets: [kafka]\nkafka:\n  idempotence: yes\n", []string{
			`s.yaml:4:16: kafka.idempotence: want true or false, not the string "yes"`,
		}},
		{"huge integer", "name: a\ntargets: [kafka]\nworkload:\n  producers: 99999999999999999999\n", []string{
			`s.yaml:4:14: workload.producers: 99999999999999999999 is out of range`,
		}},
		{"float for an integer", "name: a\ntargets: [kafka]\ntopology:\n  partitions: 1.5\n", []string{
			`s.yaml:4:15: topology.partitions: want a whole number, not the number 1.5`,
		}},
		{"bad values", strings.Join([]string{
			"name: .hidden",
			"targets: []",
			"duration: 25h",
			"warmup: -1s",
			"drain: 500ms",
			"topology: {partitions: 10001, replication: 0, retention: forever}",
			"workload:",
			"  message_size: 23",
			"  rate: 0",
			"  consumers: 1025",
			"  keys: some",
			"  max_in_flight: 0",
			"unknown: 1",
			"",
		}, "\n"), []string{
			`s.yaml:1:7: name: ".hidden" is not safe as a directory name: use letters, digits, '-', '_' and '.', not starting with '.'`,
			`s.yaml:2:10: targets: required: at least one target, e.g. [kafka]`,
			`s.yaml:3:11: duration: must be more than 0 and at most 24h`,
			`s.yaml:4:9: warmup: must be from 0 to 1h`,
			`s.yaml:5:8: drain: must be from 1s to 10m`,
			`s.yaml:6:24: topology.partitions: must be from 1 to 10000, not 10001`,
			`s.yaml:6:44: topology.replication: must be from 1 to 100, not 0`,
			`s.yaml:6:58: topology.retention: invalid duration "forever": want a number with a unit, e.g. 30s, 500ms, 2h or 7d (or default, unlimited)`,
			`s.yaml:8:17: workload.message_size: must be from 24 to 104857600 (at least the 24-byte envelope, at most 100 MiB), not 23`,
			`s.yaml:9:9: workload.rate: rate must be max or a number of messages per second above 0 and at most 1e9, not "0"`,
			`s.yaml:10:14: workload.consumers: must be from 0 to 1024, not 1025`,
			`s.yaml:11:9: workload.keys: keys must be none, round-robin, random or a key count from 1 to 10000000, not "some"`,
			`s.yaml:12:18: workload.max_in_flight: must be from 1 to 1000000, not 0`,
			`s.yaml:13:1: unknown: unknown field (known: actions, description, drain, duration, kafka, matrix, name, other, probes, replay, slo, targets, topology, warmup, workload)`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("s.yaml", []byte(tt.data), testRegistry(), testTargets)
			checkErrors(t, err, "", tt.want)
		})
	}
}

// TestParseHostile feeds Parse inputs too big to keep as files: deep nesting, very long
// lines, a megabyte of keys. Each must end in an error with its place, promptly (the
// parser would take minutes over some of them), and without a stack overflow.
func TestParseHostile(t *testing.T) {
	indented := "name: a\ntargets: [kafka]\nworkload:\n"
	for i := 1; i <= 1400; i++ {
		indented += strings.Repeat(" ", i) + "a:\n"
	}
	known := "known: actions, description, drain, duration, kafka, matrix, name, other, probes, replay, slo, targets, topology, warmup, workload"
	tests := []struct {
		name string
		data string
		want []string
	}{
		{"10,000 [", "name: a\ntargets: " + strings.Repeat("[", 10_000) + "\n", []string{
			`s.yaml:2:110: YAML: nested more than 100 levels deep`,
		}},
		{"100,000 [ closed", "name: a\ntargets: " + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + "\n", []string{
			`s.yaml:2:110: YAML: nested more than 100 levels deep`,
		}},
		{"10,000 {", "name: a\nworkload: " + strings.Repeat("{", 10_000) + "\n", []string{
			`s.yaml:2:111: YAML: nested more than 100 levels deep`,
		}},
		{"10,000 nested flow mappings", "name: a\nworkload: " + strings.Repeat("{a: ", 10_000) + "1" + strings.Repeat("}", 10_000) + "\n", []string{
			`s.yaml:2:411: YAML: nested more than 100 levels deep`,
		}},
		{"10,000 lists on one line", "name: a\ntargets:\n" + strings.Repeat("- ", 10_000) + "kafka\n", []string{
			`s.yaml:3:201: YAML: nested more than 100 levels deep`,
		}},
		// Nesting by indentation costs the parser little: the loader reads the first
		// level and stops at the unknown field.
		{"1,400 nested mappings", indented, []string{
			`s.yaml:4:2: workload.a: unknown field (known: arrivals, consume, consumers, keys, max_in_flight, message_size, oversize, payload, producers, rate, seed)`,
		}},
		{"a megabyte of keys", strings.Repeat("x: 1\n", 200_000), []string{
			`s.yaml:3334:2: YAML: more than 10000 tokens (keys, values and punctuation): far larger than such a file should be`,
		}},
		{"more than a megabyte", "name: a\ntargets: [kafka]\n" + strings.Repeat("#", maxScenarioSize), []string{
			`s.yaml: 1048601 bytes is too large for a scenario (at most 1048576)`,
		}},
		{"a long line with a mistake at its end", "name: a\ntargets: [kafka]\nworkload: {message_size: 100," + strings.Repeat(" ", 500_000) + "rate: -5}\n", []string{
			`s.yaml:3:500036: workload.rate: rate must be max or a number of messages per second above 0 and at most 1e9, not "-5"`,
		}},
		{"a long line taken for a key", "name: a\ntargets: [kafka]\n" + strings.Repeat("k", 500_000) + ": 1\n", []string{
			`s.yaml:3:1: ` + strings.Repeat("k", 60) + `…: unknown field (` + known + `)`,
		}},
		{"whitespace only", "  \n\n\t\n", []string{
			`s.yaml: empty scenario: name and targets are required`,
		}},
		{"a byte-order mark only", "\xef\xbb\xbf", []string{
			`s.yaml: empty scenario: name and targets are required`,
		}},
		{"null document", "~\n", []string{
			`s.yaml:1:1: a scenario is a mapping of fields (name: …, targets: …), not an empty value`,
		}},
		{"anchor on the document", "&doc\nname: a\ntargets: [kafka]\n", []string{
			`s.yaml:1:1: anchors (&doc) are not supported: write every value out in full`,
		}},
		{"alias for the document", "*doc\n", []string{
			`s.yaml:1:1: aliases (*doc) are not supported: write the value out in full`,
		}},
		{"empty documents only", "---\n---\n---\n", []string{
			`s.yaml:2:1: YAML: a document follows an empty one (--- with nothing under it), and the parser would drop it: remove the empty one`,
		}},
		{"a document after the end marker", "name: a\ntargets: [kafka]\n...\nduration: 5s\n", []string{
			`s.yaml:4:1: a scenario file holds one YAML document; this is a second one`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("s.yaml", []byte(tt.data), testRegistry(), testTargets)
			checkErrors(t, err, "", tt.want)
		})
	}

	// Not mistakes: a version directive, tabs as spaces between a key and its value or
	// inside a flow mapping, Windows and old Mac line ends.
	for _, data := range []string{
		"%YAML 1.2\n---\nname: a\ntargets: [kafka]\n",
		"name:\ta\ntargets: [kafka]\nworkload: {\n\trate: 5}\n",
		"name: a\r\ntargets: [kafka]\r\n",
		"name: a\rtargets: [kafka]\r",
	} {
		if _, err := Parse("s.yaml", []byte(data), testRegistry(), testTargets); err != nil {
			t.Errorf("Parse(%q): %v", data, err)
		}
	}
}

// checkErrors compares err, which must be an Errors, line by line with prefix+want.
func checkErrors(t *testing.T, err error, prefix string, want []string) {
	t.Helper()
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("error = %v (%T), want Errors", err, err)
	}
	got := strings.Split(err.Error(), "\n")
	if len(got) != len(errs) {
		t.Errorf("Error() has %d lines for %d errors", len(got), len(errs))
	}
	for i := range want {
		want[i] = prefix + want[i]
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestValidate(t *testing.T) {
	reg := testRegistry()
	s := NewScenario(reg)
	s.Name = "ok"
	s.Targets = []string{"kafka"}
	if err := s.Validate(testTargets); err != nil {
		t.Fatalf("Validate of a valid scenario: %v", err)
	}

	// As after command-line overrides: problems have a field but no file or position.
	s.Targets = []string{"kafak"}
	s.Duration = 0
	s.Warmup = Duration(2 * time.Hour)
	s.Workload.Rate = Rate{PerSecond: -1}
	s.Drivers["kafka"].(*testKafka).Acks = "2"
	err := s.Validate(testTargets)
	checkErrors(t, err, "", []string{
		`targets[0]: unknown target "kafak" (did you mean "kafka"?)`,
		`duration: must be more than 0 and at most 24h`,
		`warmup: must be from 0 to 1h`,
		`workload.rate: must be max or a number of messages per second above 0 and at most 1e9`,
		`kafka.acks: must be all, 1 or 0, not "2"`,
		`kafka.idempotence: needs acks: all`,
	})
	var fe FieldError
	if !errors.As(err, &fe) || fe.Field != "targets[0]" || fe.Line != 0 {
		t.Errorf("errors.As(FieldError) = %+v", fe)
	}
}

func TestFieldError(t *testing.T) {
	tests := []struct {
		e    FieldError
		want string
	}{
		{FieldError{File: "a.yaml", Line: 3, Column: 7, Field: "workload.rate", Msg: "bad"}, "a.yaml:3:7: workload.rate: bad"},
		{FieldError{File: "a.yaml", Field: "name", Msg: "required"}, "a.yaml: name: required"},
		{FieldError{File: "a.yaml", Line: 1, Column: 1, Msg: "YAML: oops"}, "a.yaml:1:1: YAML: oops"},
		{FieldError{Field: "duration", Msg: "bad"}, "duration: bad"},
		// A line break quoted from the file must not split the problem over two lines.
		{FieldError{File: "a.yaml", Line: 2, Column: 1, Field: "dura\ntion", Msg: "not [0\r\n0]"}, `a.yaml:2:1: dura\ntion: not [0\n0]`},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

// TestScenarioFiles loads the scenarios shipped in scenarios/ that need no driver
// block (the test registry only imitates the real drivers).
func TestScenarioFiles(t *testing.T) {
	for _, name := range []string{"small-msgs.yaml", "kafka-batching.yaml"} {
		path := filepath.Join("..", "scenarios", name)
		if _, err := Load(path, testRegistry(), testTargets); err != nil {
			t.Errorf("%s: %v", path, err)
		}
	}
}
