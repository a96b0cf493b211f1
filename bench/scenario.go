// Package bench is the engine: the scenario model, the open-loop schedule, the run
// loop, latency recording and the integrity check. It knows nothing of Kafka or
// Kinesis; brokers are reached through package drivers.
package bench

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"streambench/drivers"
)

// Scenario is one workload, fully resolved: every field holds a value, either from the
// file or the documented default.
type Scenario struct {
	// File is where the scenario was read from.
	File string `yaml:"-" json:"file,omitempty"`

	Name        string   `yaml:"name" json:"name"`
	Description string   `yaml:"description" json:"description"`
	Targets     []string `yaml:"targets" json:"targets"`
	// Duration of the measured part of the run, after the warm-up.
	Duration Duration `yaml:"duration" json:"duration"`
	// Warmup runs the same load first and leaves it out of every statistic.
	Warmup Duration `yaml:"warmup" json:"warmup"`
	// Drain is how long consumers get after the last send to receive what was
	// acknowledged; what is still missing then is counted as lost.
	Drain Duration `yaml:"drain" json:"drain"`

	Topology Topology `yaml:"topology" json:"topology"`
	Workload Workload `yaml:"workload" json:"workload"`

	// Probes are questions asked of the broker about the fresh topology before the load
	// starts: "retention", "set_retention 8760h" (or unlimited), "encryption". The
	// answers go into the result.
	Probes []string `yaml:"probes" json:"probes,omitempty"`

	// Actions are done at given moments of the run, on the same clock as the load (the
	// first send is 0s, warm-up included): scale the topology, restart the broker, stop
	// and start the consumers, or a fault. Each holds its kind as a type of its own
	// (Scale, PauseBroker, …). What happened goes into the result.
	Actions []Action `yaml:"actions" json:"actions,omitempty"`

	// Replay, after the drain, reads the whole topology again from its oldest message
	// with a new reader, and counts what came back against what was acknowledged.
	Replay bool `yaml:"replay" json:"replay,omitempty"`

	// Drivers holds each registered driver's settings block (`kafka:`, …), keyed by the
	// driver's name, with every default filled in.
	Drivers map[string]drivers.Settings `yaml:"-" json:"drivers"`

	// Matrix lists the settings the scenario sweeps. A scenario with a matrix is run
	// through Expand, which turns it into one scenario per combination of the values,
	// each fully resolved and without a matrix.
	Matrix Matrix `yaml:"matrix" json:"matrix,omitempty"`
}

// Topology is the topic or stream a run uses.
type Topology struct {
	// Partitions of the topic; shards of a Kinesis stream.
	Partitions int `yaml:"partitions" json:"partitions"`
	// Replication factor, where the broker has one.
	Replication int `yaml:"replication" json:"replication"`
	// Retention of messages on the broker.
	Retention Retention `yaml:"retention" json:"retention"`
}

// Workload is the load the producers offer and the consumers take.
type Workload struct {
	// MessageSize in bytes, envelope included.
	MessageSize int `yaml:"message_size" json:"message_size"`
	// Rate of the whole run in messages per second, or max (closed loop).
	Rate Rate `yaml:"rate" json:"rate"`
	// Producers and Consumers are the number of client instances of each kind. No
	// consumers at all measures producing alone.
	Producers int `yaml:"producers" json:"producers"`
	Consumers int `yaml:"consumers" json:"consumers"`
	// Consume says when the consumers read: while the producers send, or only once the
	// load is over, as readers of the backlog it left.
	Consume Consume `yaml:"consume" json:"consume,omitempty"`
	// Keys says how messages are keyed (and so partitioned).
	Keys Keys `yaml:"keys" json:"keys"`
	// Payload says what fills the bytes after the envelope.
	Payload Payload `yaml:"payload" json:"payload"`
	// MaxInFlight bounds the unacknowledged messages per producer when rate is max.
	MaxInFlight int `yaml:"max_in_flight" json:"max_in_flight"`
	// Oversize says what a run does when MessageSize is over what the broker or the
	// driver's client accepts.
	Oversize Oversize `yaml:"oversize" json:"oversize,omitempty"`
}

// Defaults, stated once; scenarios/README.md repeats them.
const (
	DefaultDuration    = 30 * time.Second
	DefaultWarmup      = 5 * time.Second
	DefaultDrain       = 15 * time.Second
	DefaultPartitions  = 1
	DefaultReplication = 1
	DefaultMessageSize = 100
	DefaultRate        = 1000
	DefaultProducers   = 1
	DefaultConsumers   = 1
	DefaultMaxInFlight = 1000
)

// NewScenario returns a scenario with every default set and each registered driver's
// default settings.
func NewScenario(reg *drivers.Registry) Scenario {
	s := Scenario{
		Duration: Duration(DefaultDuration),
		Warmup:   Duration(DefaultWarmup),
		Drain:    Duration(DefaultDrain),
		Topology: Topology{
			Partitions:  DefaultPartitions,
			Replication: DefaultReplication,
			Retention:   Retention{},
		},
		Workload: Workload{
			MessageSize: DefaultMessageSize,
			Rate:        Rate{PerSecond: DefaultRate},
			Producers:   DefaultProducers,
			Consumers:   DefaultConsumers,
			Consume:     ConsumeDuring,
			Keys:        Keys{Mode: KeysNone},
			Payload:     PayloadRandom,
			MaxInFlight: DefaultMaxInFlight,
			Oversize:    OversizeRefuse,
		},
		Drivers: map[string]drivers.Settings{},
	}
	for _, name := range reg.Names() {
		r, _ := reg.Lookup(name)
		if r.NewSettings != nil {
			s.Drivers[name] = r.NewSettings()
		}
	}
	return s
}

// Duration is a time.Duration written as in Go ("1m30s", "250ms"), plus days ("7d").
type Duration = drivers.Duration

// ParseDuration reads a Go duration, or a whole number of days ("7d").
func ParseDuration(s string) (time.Duration, error) { return drivers.ParseDuration(s) }

// ParseFieldDuration is ParseDuration for a field whose limits Validate checks: a
// duration too long to hold is read as drivers.MaxDuration (negated for a negative one),
// without error, so that what the user reads is the field's own limit ("duration: must
// be … at most 24h"), not the largest number a duration can hold.
func ParseFieldDuration(s string) (time.Duration, error) {
	d, err := drivers.ParseDuration(s)
	if errors.Is(err, drivers.ErrDurationTooLong) {
		return d, nil
	}
	return d, err
}

// FormatDuration writes d in whole days when it is one, else as Go does.
func FormatDuration(d time.Duration) string { return drivers.FormatDuration(d) }

// Retention is a broker retention time: "default" (the broker's own), "unlimited", or
// a duration.
type Retention struct {
	// Unlimited asks for no time limit.
	Unlimited bool
	// Time is the retention when set; 0 (and not Unlimited) means the broker default.
	Time time.Duration
}

func (r Retention) String() string {
	switch {
	case r.Unlimited:
		return "unlimited"
	case r.Time == 0:
		return "default"
	}
	return FormatDuration(r.Time)
}

// Duration returns the retention as drivers.Topology wants it.
func (r Retention) Duration() time.Duration {
	if r.Unlimited {
		return -1
	}
	return r.Time
}

// MarshalJSON writes the retention as its string form.
func (r Retention) MarshalJSON() ([]byte, error) { return json.Marshal(r.String()) }

// UnmarshalJSON reads what MarshalJSON wrote.
func (r *Retention) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := ParseRetention(s)
	*r = v
	return err
}

// ParseRetention reads "default", "unlimited" or a positive duration.
func ParseRetention(s string) (Retention, error) {
	switch s {
	case "default":
		return Retention{}, nil
	case "unlimited":
		return Retention{Unlimited: true}, nil
	}
	d, err := ParseDuration(s)
	if err != nil {
		return Retention{}, fmt.Errorf("%w (or default, unlimited)", err)
	}
	if d <= 0 {
		return Retention{}, fmt.Errorf("retention must be positive, default or unlimited, not %q", s)
	}
	return Retention{Time: d}, nil
}

// Rate is the offered load in messages per second, or Max for a closed loop.
type Rate struct {
	Max       bool
	PerSecond float64
}

func (r Rate) String() string {
	if r.Max {
		return "max"
	}
	return strconv.FormatFloat(r.PerSecond, 'f', -1, 64)
}

// MarshalJSON writes "max" or the number.
func (r Rate) MarshalJSON() ([]byte, error) {
	if r.Max {
		return []byte(`"max"`), nil
	}
	return json.Marshal(r.PerSecond)
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (r *Rate) UnmarshalJSON(b []byte) error {
	if string(b) == `"max"` {
		*r = Rate{Max: true}
		return nil
	}
	*r = Rate{}
	return json.Unmarshal(b, &r.PerSecond)
}

// ParseRate reads "max" or a positive number of messages per second.
func ParseRate(s string) (Rate, error) {
	if s == "max" {
		return Rate{Max: true}, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v <= 0 || v > 1e9 {
		return Rate{}, fmt.Errorf("rate must be max or a number of messages per second above 0 and at most 1e9, not %q", s)
	}
	return Rate{PerSecond: v}, nil
}

// KeyMode is how messages are keyed.
type KeyMode string

// The key modes.
const (
	// KeysNone sends no key; the client's partitioner spreads messages.
	KeysNone KeyMode = "none"
	// KeysRoundRobin sends no key and puts message i on partition i mod partitions.
	KeysRoundRobin KeyMode = "round-robin"
	// KeysRandom gives every message a key of its own, drawn at random.
	KeysRandom KeyMode = "random"
	// KeysFixed draws each message's key from Count fixed keys.
	KeysFixed KeyMode = "fixed"
)

// Keys is a key mode; for KeysFixed, Count is the number of distinct keys.
type Keys struct {
	Mode  KeyMode
	Count int
}

func (k Keys) String() string {
	if k.Mode == KeysFixed {
		return strconv.Itoa(k.Count)
	}
	return string(k.Mode)
}

// MarshalJSON writes the mode, or the key count for fixed keys.
func (k Keys) MarshalJSON() ([]byte, error) {
	if k.Mode == KeysFixed {
		return json.Marshal(k.Count)
	}
	return json.Marshal(string(k.Mode))
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (k *Keys) UnmarshalJSON(b []byte) error {
	var n int
	if err := json.Unmarshal(b, &n); err == nil {
		*k = Keys{Mode: KeysFixed, Count: n}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if s == "" {
		// The zero Keys, which MarshalJSON writes as "" (a result file without a
		// scenario has it): reading it back must not fail.
		*k = Keys{}
		return nil
	}
	v, err := ParseKeys(s)
	*k = v
	return err
}

// ParseKeys reads none, round-robin, random or a key count from 1 to 10,000,000.
func ParseKeys(s string) (Keys, error) {
	switch m := KeyMode(s); m {
	case KeysNone, KeysRoundRobin, KeysRandom:
		return Keys{Mode: m}, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 10_000_000 {
		return Keys{}, fmt.Errorf("keys must be none, round-robin, random or a key count from 1 to 10000000, not %q", s)
	}
	return Keys{Mode: KeysFixed, Count: n}, nil
}

// Payload is what fills a message after its envelope.
type Payload string

// The payload kinds.
const (
	PayloadRandom Payload = "random" // incompressible bytes
	PayloadZeros  Payload = "zeros"  // compresses to almost nothing
	PayloadText   Payload = "text"   // words, compresses like log lines
)

// Consume is when the consumers of a run read.
type Consume string

// The consume choices.
const (
	// ConsumeDuring starts the consumers before the load: they read as messages come,
	// and the run measures end-to-end latency.
	ConsumeDuring Consume = "during"
	// ConsumeAfter starts the consumers once the load is over and every message is
	// acknowledged: they read the backlog, and the run measures how fast
	// (Measurements.Backlog). End-to-end latency, which would be mostly the wait, is
	// not recorded.
	ConsumeAfter Consume = "after"
)

// Oversize is what a run does with messages larger than the target accepts.
type Oversize string

// The oversize choices.
const (
	// OversizeRefuse refuses the run before the load starts, saying what the limit is.
	OversizeRefuse Oversize = "refuse"
	// OversizeMeasure runs anyway: the messages the broker (or the client) refuses are
	// counted as send errors.
	OversizeMeasure Oversize = "measure"
)

// UnmarshalJSON reads a scenario as a result file holds it; each driver's settings are
// kept as raw JSON (drivers.RawSettings).
func (s *Scenario) UnmarshalJSON(b []byte) error {
	type plain Scenario // without this method
	var v struct {
		plain
		Drivers map[string]json.RawMessage `json:"drivers"`
	}
	// Strict like the decoder of the whole result, which does not reach in here.
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return err
	}
	*s = Scenario(v.plain)
	if v.Drivers == nil {
		return nil // as written: null, or no drivers key
	}
	s.Drivers = make(map[string]drivers.Settings, len(v.Drivers))
	for name, raw := range v.Drivers {
		s.Drivers[name] = drivers.RawSettings(raw)
	}
	return nil
}
