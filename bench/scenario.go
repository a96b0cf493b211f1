// Package bench is the engine: the scenario model, the open-loop schedule, the run
// loop, latency recording and the integrity check. It knows nothing of Kafka or
// Kinesis; brokers are reached through package drivers.
package bench

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"

	"streambench/drivers"
	"streambench/internal/yamlast"
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

	// SLO holds the objectives each run is judged by (report.Judge): a figure, a bound,
	// and the targets they apply to.
	SLO []SLO `yaml:"slo" json:"slo,omitempty"`

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
	// Rate of the whole run in messages per second, or max (closed loop), or a list of
	// stages (a load shape over the measured window).
	Rate Rate `yaml:"rate" json:"rate"`
	// Arrivals is how an open loop spreads the messages in time: uniform (evenly
	// spaced) or poisson (the same mean rate, exponential gaps).
	Arrivals Arrivals `yaml:"arrivals" json:"arrivals"`
	// Seed seeds the Poisson arrivals, so that runs repeat their schedule.
	Seed uint64 `yaml:"seed" json:"seed"`
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
			Arrivals:    ArrivalsUniform,
			Seed:        DefaultSeed,
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

// retentionRange is the range rule of a retention, in the words of Validate's message.
const retentionRange = "must be a positive duration, default or unlimited"

// valid is the range rule of a retention: a time limit is not negative (0 is the
// broker's default).
func (r Retention) valid() bool { return r.Unlimited || r.Time >= 0 }

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
func ParseRetention(s string) (Retention, error) { return parseText[Retention](s) }

// UnmarshalText reads "default", "unlimited" or a positive duration; on error r is
// left as it was.
func (r *Retention) UnmarshalText(b []byte) error {
	switch s := string(b); s {
	case "default":
		*r = Retention{}
	case "unlimited":
		*r = Retention{Unlimited: true}
	default:
		d, err := ParseDuration(s)
		if err != nil {
			return fmt.Errorf("%w (or default, unlimited)", err)
		}
		// A written 0s would read back as the default: the text asks for more than
		// the range rule, a duration above 0.
		if v := (Retention{Time: d}); d == 0 || !v.valid() {
			return fmt.Errorf("retention must be positive, default or unlimited, not %q", s)
		}
		*r = Retention{Time: d}
	}
	return nil
}

// DecodeNode reads the retention from a YAML string; a number has no unit, so it is
// refused.
func (r *Retention) DecodeNode(n ast.Node) error {
	text, ok := yamlast.StringValue(n)
	if !ok {
		return fmt.Errorf("want default, unlimited or a duration with a unit, e.g. 7d, not %s", yamlast.Describe(n))
	}
	return r.UnmarshalText([]byte(text))
}

// parseText reads a value of type T, one of the scenario's value types, from s; the zero
// T on error.
func parseText[T any, P interface {
	*T
	encoding.TextUnmarshaler
}](s string) (T, error) {
	var v T
	if err := P(&v).UnmarshalText([]byte(s)); err != nil {
		var zero T
		return zero, err
	}
	return v, nil
}

// Rate is the offered load in messages per second, or Max for a closed loop, or a load
// shape: Stages, played over the measured window (PerSecond is then 0).
type Rate struct {
	Max       bool
	PerSecond float64
	Stages    []Stage
}

// MaxRate is the highest rate a scenario (or a search over rates) may ask for; rateRange
// says it in words.
const (
	MaxRate   = 1e9
	rateRange = "must be max or a number of messages per second above 0 and at most 1e9"
)

// valid is the range rule of a rate (rateRange).
func (r Rate) valid() bool { return r.Max || r.PerSecond > 0 && r.PerSecond <= MaxRate }

func (r Rate) String() string {
	if r.Max {
		return "max"
	}
	if len(r.Stages) > 0 {
		parts := make([]string, len(r.Stages))
		for i, st := range r.Stages {
			parts[i] = st.String()
		}
		return strings.Join(parts, ", ")
	}
	return strconv.FormatFloat(r.PerSecond, 'f', -1, 64)
}

// Phrase is the rate with its unit, for a sentence: "1000 msg/s", "max msg/s", or the
// stages, each with its own.
func (r Rate) Phrase() string {
	if len(r.Stages) > 0 {
		return r.String()
	}
	return r.String() + " msg/s"
}

// MarshalJSON writes "max", the number, or the list of stages.
func (r Rate) MarshalJSON() ([]byte, error) {
	if r.Max {
		return []byte(`"max"`), nil
	}
	if len(r.Stages) > 0 {
		return json.Marshal(r.Stages)
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
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '[' {
		return json.Unmarshal(b, &r.Stages)
	}
	return json.Unmarshal(b, &r.PerSecond)
}

// ParseRate reads "max" or a positive number of messages per second.
func ParseRate(s string) (Rate, error) { return parseText[Rate](s) }

// UnmarshalText reads "max" or a number of messages per second within the range rule;
// on error r is left as it was.
func (r *Rate) UnmarshalText(b []byte) error {
	s := string(b)
	if s == "max" {
		*r = Rate{Max: true}
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return rateError(s)
	}
	if math.IsNaN(v) {
		// A written NaN has always passed here and been refused by Validate, whose
		// message quotes no text: kept so, so that no message changes.
		*r = Rate{PerSecond: v}
		return nil
	}
	return r.set(v, s)
}

// DecodeNode reads the rate from a YAML scalar: a number by its value, "max" and the
// numbers the parser keeps as strings ("1e3") by their text.
func (r *Rate) DecodeNode(n ast.Node) error {
	if v, ok := yamlast.NumberValue(n); ok {
		// The text in a message is the number as Go writes it, as it always was.
		return r.set(v, strconv.FormatFloat(v, 'g', -1, 64))
	}
	text, ok := yamlast.StringValue(n)
	if !ok {
		return fmt.Errorf("want max or a number of messages per second, not %s", yamlast.Describe(n))
	}
	return r.UnmarshalText([]byte(text))
}

// set makes r a rate of v messages per second if the range rule holds; text is how v
// was written, for the error.
func (r *Rate) set(v float64, text string) error {
	if !(Rate{PerSecond: v}).valid() {
		return rateError(text)
	}
	*r = Rate{PerSecond: v}
	return nil
}

func rateError(text string) error {
	return fmt.Errorf("rate %s, not %q", rateRange, text)
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

// The range of a key count.
const (
	minKeys = 1
	maxKeys = 10_000_000
)

// problem is what Validate says of k, or "" when k is a known mode and, for fixed
// keys, its count is within the range rule.
func (k Keys) problem() string {
	switch k.Mode {
	case KeysNone, KeysRoundRobin, KeysRandom:
	case KeysFixed:
		if !countInRange(int64(k.Count)) {
			return fmt.Sprintf("must be from %d to %d keys, not %d", minKeys, maxKeys, k.Count)
		}
	default:
		return fmt.Sprintf("must be none, round-robin, random or a key count, not %q", k.Mode)
	}
	return ""
}

// countInRange is the range rule of a key count.
func countInRange(n int64) bool { return n >= minKeys && n <= maxKeys }

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
func ParseKeys(s string) (Keys, error) { return parseText[Keys](s) }

// UnmarshalText reads none, round-robin, random or a key count within the range rule;
// on error k is left as it was.
func (k *Keys) UnmarshalText(b []byte) error {
	s := string(b)
	switch m := KeyMode(s); m {
	case KeysNone, KeysRoundRobin, KeysRandom:
		*k = Keys{Mode: m}
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return keysError(s)
	}
	return k.setCount(int64(n), s)
}

// DecodeNode reads the keys from a YAML scalar: a whole number by its value, a mode by
// its text.
func (k *Keys) DecodeNode(n ast.Node) error {
	if i, ok := n.(*ast.IntegerNode); ok {
		if x, fits := yamlast.IntValue(i); fits {
			// The text in a message is the number without its underscores or base
			// (1_000, 0x10), as it always was.
			return k.setCount(x, strconv.FormatInt(x, 10))
		}
		return keysError(i.GetToken().Value)
	}
	text, ok := yamlast.StringValue(n)
	if !ok {
		return fmt.Errorf("want none, round-robin, random or a key count, not %s", yamlast.Describe(n))
	}
	return k.UnmarshalText([]byte(text))
}

// setCount makes k n fixed keys if the range rule holds; text is how n was written,
// for the error.
func (k *Keys) setCount(n int64, text string) error {
	if !countInRange(n) {
		return keysError(text)
	}
	*k = Keys{Mode: KeysFixed, Count: int(n)}
	return nil
}

func keysError(text string) error {
	return fmt.Errorf("keys must be none, round-robin, random or a key count from %d to %d, not %q", minKeys, maxKeys, text)
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
	if s.Workload.Arrivals == "" && s.Workload.MessageSize > 0 {
		// Written before a workload had arrivals: its runs were all evenly spaced, and
		// read so they compare equal to those written since.
		s.Workload.Arrivals, s.Workload.Seed = ArrivalsUniform, DefaultSeed
	}
	if v.Drivers == nil {
		return nil // as written: null, or no drivers key
	}
	s.Drivers = make(map[string]drivers.Settings, len(v.Drivers))
	for name, raw := range v.Drivers {
		s.Drivers[name] = drivers.RawSettings(raw)
	}
	return nil
}
