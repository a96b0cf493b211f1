package bench

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"

	"streambench/drivers"
	"streambench/internal/strictyaml"
	"streambench/internal/yamlast"
)

// maxScenarioSize bounds what Parse reads: a scenario is a screenful of YAML, so
// anything much larger is the wrong file.
const maxScenarioSize = 1 << 20

// Limits of the scenario fields, checked by Load and by Validate.
const (
	maxDuration    = 24 * time.Hour
	maxWarmup      = time.Hour
	minDrain       = time.Second
	maxDrain       = 10 * time.Minute
	maxPartitions  = 10_000
	maxReplication = 100
	maxMessageSize = 100 << 20
	maxClients     = 1024
	maxMaxInFlight = 1_000_000
)

// FieldError is one problem in a scenario, at its place in the file when it has one.
type FieldError = strictyaml.FieldError

// Errors is every problem found in one scenario, ordered by line, then column.
type Errors = strictyaml.Errors

// Load reads and validates a scenario file. knownTargets are the target names the
// program can run. On failure the error is an Errors listing every problem of the file.
// It knows no metrics, so a scenario with SLOs needs LoadWith.
func Load(path string, reg *drivers.Registry, knownTargets []string) (Scenario, error) {
	return LoadWith(path, Known{Registry: reg, Targets: knownTargets})
}

// Parse reads and validates a scenario held in data; file names it in messages. Every
// field not in data keeps the default of NewScenario(reg). It knows no metrics, so a
// scenario with SLOs needs ParseWith.
func Parse(file string, data []byte, reg *drivers.Registry, knownTargets []string) (Scenario, error) {
	return ParseWith(file, data, Known{Registry: reg, Targets: knownTargets})
}

// ParseWith is Parse knowing k: drivers, targets, and the metrics SLOs may name.
func ParseWith(file string, data []byte, k Known) (Scenario, error) {
	reg, knownTargets := k.Registry, k.Targets
	if reg == nil {
		reg = drivers.NewRegistry()
	}
	s := NewScenario(reg)
	s.File = file
	d := &decoder{Decoder: strictyaml.New(file), items: map[string][]int{}}
	d.Hook, d.Scalar = d.hook, scalarDecoder
	if body := d.Document(data, scenarioKind); body != nil {
		fields := s.fields()
		d.Mapping("", body, fields)
		if _, set := d.Written("duration"); !set && len(s.Workload.Rate.Stages) > 0 {
			// A shaped rate is the measured window: its length is the stages'.
			s.Duration = Duration(s.Workload.Rate.total())
		}
		// Last, because a matrix key may name a field written below it.
		d.decodeMatrix(&s, fields, d.matrix)
		d.reportRules(&s, knownTargets)
		d.reportSLOMetrics(&s, k.Metrics)
	}
	if len(d.Errs) > 0 {
		d.Errs.Sort()
		return Scenario{}, d.Errs
	}
	return s, nil
}

// scenarioKind is how messages name a scenario file.
var scenarioKind = strictyaml.Kind{
	Name:    "scenario",
	File:    "scenario file",
	Empty:   "empty scenario: name and targets are required",
	Example: " (name: …, targets: …)",
	MaxSize: maxScenarioSize,
}

// reportRules reports the rules of check that the decoded scenario s breaks, each where
// its field was written.
func (d *decoder) reportRules(s *Scenario, knownTargets []string) {
	for _, p := range s.problems(knownTargets) {
		if d.FailedAt(p.path) {
			// The value did not decode; its error is already in the list.
			continue
		}
		at := d.Lookup(p.path)
		if p.axis >= 0 {
			// A rule that only some runs of the matrix break: point at the value.
			path := s.Matrix[p.axis].Path
			at, _ = d.Written(itemPath(path, d.items[path][p.item]))
		}
		d.ErrorAt(at, p.path, p.message())
	}
}

// Validate checks a scenario after command-line overrides were applied, and with a
// matrix every run it expands to. Problems name the field by its path and carry no
// position; the error is an Errors.
func (s *Scenario) Validate(knownTargets []string) error {
	var errs Errors
	for _, p := range s.problems(knownTargets) {
		errs = append(errs, FieldError{Field: p.path, Msg: p.message()})
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// check holds the rules shared by Parse and Validate: it calls report for every field
// out of range, naming the field by its path.
func (s *Scenario) check(knownTargets []string, report func(path, msg string)) {
	switch {
	case s.Name == "":
		report("name", "required: a short name, used as a directory name for results")
	case !safeName(s.Name):
		report("name", fmt.Sprintf("%q is not safe as a directory name: use letters, digits, '-', '_' and '.', not starting with '.'", s.Name))
	}

	if len(s.Targets) == 0 {
		report("targets", "required: at least one target, e.g. [kafka]")
	}
	first := map[string]int{}
	for i, t := range s.Targets {
		path := fmt.Sprintf("targets[%d]", i)
		if j, dup := first[t]; dup {
			report(path, fmt.Sprintf("duplicate target %q (also targets[%d])", t, j))
			continue
		}
		first[t] = i
		if !slices.Contains(knownTargets, t) {
			report(path, unknownTarget(t, knownTargets))
		}
	}

	// With a shaped rate the duration is the stages' (checkStages).
	if d := s.Duration.D(); len(s.Workload.Rate.Stages) == 0 && (d <= 0 || d > maxDuration) {
		report("duration", "must be more than 0 and at most 24h")
	}
	if d := s.Warmup.D(); d < 0 || d > maxWarmup {
		report("warmup", "must be from 0 to 1h")
	}
	if d := s.Drain.D(); d < minDrain || d > maxDrain {
		report("drain", "must be from 1s to 10m")
	}

	t := &s.Topology
	checkRange(report, "topology.partitions", t.Partitions, 1, maxPartitions, "")
	checkRange(report, "topology.replication", t.Replication, 1, maxReplication, "")
	if !t.Retention.valid() {
		report("topology.retention", retentionRange)
	}

	w := &s.Workload
	checkRange(report, "workload.message_size", w.MessageSize, EnvelopeSize, maxMessageSize,
		fmt.Sprintf(" (at least the %d-byte envelope, at most 100 MiB)", EnvelopeSize))
	if len(w.Rate.Stages) > 0 {
		s.checkStages(report)
	} else if !w.Rate.valid() {
		report("workload.rate", rateRange)
	}
	switch w.Arrivals {
	case ArrivalsUniform:
	case ArrivalsPoisson:
		if w.Rate.Max {
			report("workload.arrivals", "poisson needs a rate: with rate max the producers send as fast as acknowledgements allow, on no schedule")
		}
	default:
		report("workload.arrivals", fmt.Sprintf("must be uniform or poisson, not %q", w.Arrivals))
	}
	checkRange(report, "workload.producers", w.Producers, 1, maxClients, "")
	checkRange(report, "workload.consumers", w.Consumers, 0, maxClients, "")
	switch w.Consume {
	case ConsumeDuring:
	case ConsumeAfter:
		if w.Consumers == 0 {
			report("workload.consume", "after needs consumers to read the backlog, and workload.consumers is 0")
		}
	default:
		report("workload.consume", fmt.Sprintf("must be during or after, not %q", w.Consume))
	}
	if msg := w.Keys.problem(); msg != "" {
		report("workload.keys", msg)
	}
	switch w.Payload {
	case PayloadRandom, PayloadZeros, PayloadText:
	default:
		report("workload.payload", fmt.Sprintf("must be random, zeros or text, not %q", w.Payload))
	}
	checkRange(report, "workload.max_in_flight", w.MaxInFlight, 1, maxMaxInFlight, "")
	switch w.Oversize {
	case OversizeRefuse, OversizeMeasure:
	default:
		report("workload.oversize", fmt.Sprintf("must be refuse or measure, not %q", w.Oversize))
	}

	s.checkActions(report)
	s.checkSLOs(report)
	for i, p := range s.Probes {
		if _, err := parseProbe(p); err != nil {
			report(fmt.Sprintf("probes[%d]", i), err.Error())
		}
	}

	names := make([]string, 0, len(s.Drivers))
	for name := range s.Drivers {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if settings := s.Drivers[name]; settings != nil {
			settings.Validate(func(field, msg string) { report(name+"."+field, msg) })
		}
	}
}

func checkRange(report func(path, msg string), path string, v, lo, hi int, note string) {
	if v < lo || v > hi {
		report(path, fmt.Sprintf("must be from %d to %d%s, not %d", lo, hi, note, v))
	}
}

// safeName says whether name can be a directory name on any common file system.
func safeName(name string) bool {
	if name == "" || name[0] == '.' {
		return false
	}
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case r == '-', r == '_', r == '.':
		default:
			return false
		}
	}
	return true
}

func unknownTarget(t string, known []string) string {
	if len(known) == 0 {
		return fmt.Sprintf("unknown target %q (no targets are known)", t)
	}
	return fmt.Sprintf("unknown target %q (%s)", t, strictyaml.Hint(t, known))
}

// decoder reads a scenario: the strict decoder, with what a scenario adds to it (its
// actions, decoded in two steps, and its matrix, decoded once every other field is
// known).
type decoder struct {
	*strictyaml.Decoder
	// matrix is the value of the matrix key, kept for decodeMatrix.
	matrix ast.Node
	// items holds, for each axis of the matrix, the index in the file's list of each of
	// its values (values that did not decode are left out of the axis).
	items map[string][]int
}

// hook decodes the values that need more than the strict decoder's rules: an action
// (its kind first, then that kind's fields), and the matrix, kept for last.
func (d *decoder) hook(path string, n ast.Node, v reflect.Value) bool {
	if !v.CanAddr() {
		return false
	}
	switch p := v.Addr().Interface().(type) {
	case *Matrix:
		d.matrix = n
		return true
	case *Action:
		if _, ok := yamlast.Entries(n); ok {
			d.action(path, n, p)
			return true
		}
	case *Rate:
		seq, ok := n.(*ast.SequenceNode)
		if !ok {
			return false
		}
		if strings.HasPrefix(path, "matrix.") {
			d.Fail(n, path, "a list of stages cannot be a value of a matrix: a shape is swept by a scenario file each, a matrix sweeps constant rates")
			return true
		}
		d.decodeStages(path, seq, p)
		return true
	}
	return false
}

// fields maps the scenario's top-level YAML keys, driver blocks included, to its
// settable fields.
func (s *Scenario) fields() map[string]reflect.Value {
	fields := strictyaml.StructFields(reflect.ValueOf(s).Elem())
	for name, settings := range s.Drivers {
		if v := reflect.ValueOf(settings); v.Kind() == reflect.Pointer && !v.IsNil() && v.Elem().Kind() == reflect.Struct {
			fields[name] = v.Elem()
		}
	}
	return fields
}

// scalarDecoder is the NodeDecoder of a Duration, which is drivers' type and knows
// nothing of YAML; nil for other values. The scenario's other value types are
// NodeDecoders themselves.
func scalarDecoder(v reflect.Value) strictyaml.NodeDecoder {
	if d, ok := v.Addr().Interface().(*Duration); ok {
		return (*fieldDuration)(d)
	}
	return nil
}

// isScalar says whether a field of type t is written as one YAML value.
func isScalar(t reflect.Type) bool {
	return t == reflect.TypeFor[Duration]() || strictyaml.IsScalar(t)
}

// fieldDuration is a scenario's Duration as it reads itself from YAML: the type is
// drivers', which knows nothing of YAML nodes.
type fieldDuration Duration

// DecodeNode reads a duration with a unit; a bare number is refused, since no unit is
// the obvious one. A duration too long to hold is left to the field's own limit
// (ParseFieldDuration).
func (f *fieldDuration) DecodeNode(n ast.Node) error {
	switch n.(type) {
	case *ast.IntegerNode, *ast.FloatNode:
		return fmt.Errorf("a duration needs a unit, e.g. 30s, 500ms, 2h or 7d, not the bare number %s", n.GetToken().Value)
	}
	text, ok := yamlast.StringValue(n)
	if !ok {
		return fmt.Errorf("want a duration with a unit, e.g. 30s, 500ms, 2h or 7d, not %s", yamlast.Describe(n))
	}
	x, err := ParseFieldDuration(text)
	if err != nil {
		return err
	}
	*f = fieldDuration(x)
	return nil
}
