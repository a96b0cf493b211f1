package bench

import (
	"bytes"
	"encoding"
	"fmt"
	"maps"
	"math"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/goccy/go-yaml/ast"

	"streambench/drivers"
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

// FieldError is one problem in a scenario. Line and Column are 1-based and 0 when the
// problem has no place in the file (a missing field, a command-line override).
type FieldError struct {
	File         string
	Line, Column int
	// Field is the path of the field, e.g. "workload.rate" or "targets[1]"; empty for
	// problems of the file as a whole.
	Field string
	Msg   string
}

// Error formats the problem as "file:line:col: field: msg", leaving out what is unknown,
// on one line.
func (e FieldError) Error() string {
	var b strings.Builder

	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
	}
	for _, s := range []string{e.Field, e.Msg} {
		if s == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		// A key or value quoted from the file may hold a line break; Errors gives each
		// problem one line.
		lineBreaks.WriteString(&b, s)
	}
	return b.String()
}

var lineBreaks = strings.NewReplacer("\r\n", `\n`, "\n", `\n`, "\r", `\r`)

// Errors is every problem found in one scenario, ordered by line, then column.
type Errors []FieldError

// Error gives one problem a line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets errors.As reach each FieldError.
func (es Errors) Unwrap() []error {
	errs := make([]error, len(es))
	for i, e := range es {
		errs[i] = e
	}
	return errs
}

// Load reads and validates a scenario file. knownTargets are the target names the
// program can run. On failure the error is an Errors listing every problem of the file.
func Load(path string, reg *drivers.Registry, knownTargets []string) (Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Scenario{}, fmt.Errorf("read scenario: %w", err)
	}
	return Parse(path, data, reg, knownTargets)
}

// Parse reads and validates a scenario held in data; file names it in messages. Every
// field not in data keeps the default of NewScenario(reg).
func Parse(file string, data []byte, reg *drivers.Registry, knownTargets []string) (Scenario, error) {
	if reg == nil {
		reg = drivers.NewRegistry()
	}
	s := NewScenario(reg)
	s.File = file
	d := &decoder{file: file, pos: map[string]position{}, failed: map[string]bool{}, items: map[string][]int{}}
	if d.decode(data, &s) {
		for _, p := range s.problems(knownTargets) {
			if d.failedAt(p.path) {
				// The value did not decode; its error is already in the list.
				continue
			}
			at := d.lookup(p.path)
			if p.axis >= 0 {
				// A rule that only some runs of the matrix break: point at the value.
				path := s.Matrix[p.axis].Path
				at = d.pos[itemPath(path, d.items[path][p.item])]
			}
			d.errs = append(d.errs, FieldError{File: file, Line: at.line, Column: at.col, Field: p.path, Msg: p.message()})
		}
	}
	if len(d.errs) > 0 {
		sort.SliceStable(d.errs, func(i, j int) bool {
			a, b := d.errs[i], d.errs[j]
			if a.Line != b.Line {
				return a.Line < b.Line
			}
			return a.Column < b.Column
		})
		return Scenario{}, d.errs
	}
	return s, nil
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

	if d := s.Duration.D(); d <= 0 || d > maxDuration {
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
	if !w.Rate.valid() {
		report("workload.rate", rateRange)
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
	return fmt.Sprintf("unknown target %q (%s)", t, hint(t, known))
}

// Hint points from an unknown name to the nearest known one ("did you mean …?"), or
// lists them all: the scenario loader's answer to a slip of the keyboard, for other
// files' loaders to answer alike.
func Hint(name string, known []string) string { return hint(name, known) }

// Suggest returns the candidate nearest to name when it is near enough to be a slip of
// the keyboard, or "".
func Suggest(name string, candidates []string) string { return suggest(name, candidates) }

// hint points from an unknown name to the nearest known one, or lists them all.
func hint(name string, known []string) string {
	sorted := slices.Sorted(slices.Values(known))
	if s := suggest(name, sorted); s != "" {
		return fmt.Sprintf("did you mean %q?", s)
	}
	return "known: " + strings.Join(sorted, ", ")
}

// position is a place in the file, 1-based; the zero value means none.
type position struct{ line, col int }

func posOf(n ast.Node) position {
	line, col := yamlast.Pos(n)
	return position{line, col}
}

// decoder walks the YAML tree onto a Scenario, collecting every problem instead of
// stopping at the first, and remembering where each field was written so that the
// rules in check can point at it.
type decoder struct {
	file string
	errs Errors
	// pos is where each field path was written: the value for scalars and lists, the
	// key for mappings and missing values.
	pos map[string]position
	// failed holds the paths whose value did not decode; check's reports on them (and
	// below them) would only repeat the problem.
	failed map[string]bool
	// matrix is the value of the matrix key, kept for decodeMatrix.
	matrix ast.Node
	// items holds, for each axis of the matrix, the index in the file's list of each of
	// its values (values that did not decode are left out of the axis).
	items map[string][]int
}

func (d *decoder) errorAt(p position, path, msg string) {
	d.errs = append(d.errs, FieldError{File: d.file, Line: p.line, Column: p.col, Field: path, Msg: msg})
}

// fail reports a value that could not be decoded.
func (d *decoder) fail(n ast.Node, path, msg string) {
	d.failed[path] = true
	d.errorAt(posOf(n), path, msg)
}

func (d *decoder) failedAt(path string) bool {
	for {
		if d.failed[path] {
			return true
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			return false
		}
		path = path[:i]
	}
}

// lookup finds where path was written, or failing that the nearest enclosing field
// (so a driver's complaint about a default it kept points at its block).
func (d *decoder) lookup(path string) position {
	for {
		if p, ok := d.pos[path]; ok {
			return p
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			return position{}
		}
		path = path[:i]
	}
}

// decode parses data onto s. It reports false when there is no usable document, so the
// field rules would only add noise.
func (d *decoder) decode(data []byte, s *Scenario) bool {
	if len(data) > maxScenarioSize {
		d.errorAt(position{}, "", fmt.Sprintf("%d bytes is too large for a scenario (at most %d)", len(data), maxScenarioSize))
		return false
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a byte-order mark some editors add
	if p, msg := checkText(data); msg != "" {
		d.errorAt(p, "", msg)
		return false
	}
	file, err := yamlast.Parse(data)
	if err != nil {
		msg, line, col := yamlast.SyntaxError(err)
		if strings.Contains(msg, "'\t'") {
			msg = "tab character: YAML is indented with spaces only"
		}
		d.errorAt(position{line, col}, "", "YAML: "+msg)
		return false
	}

	body, more := yamlast.Body(file)
	for _, doc := range more {
		p := posOf(doc.Body)
		if entries, ok := yamlast.Entries(doc.Body); ok && len(entries) > 0 && entries[0] != nil {
			p = posOf(entries[0].Key) // a mapping's own token is its first colon
		}
		if doc.Start != nil && doc.Start.Position != nil {
			p = position{doc.Start.Position.Line, doc.Start.Position.Column}
		}
		d.errorAt(p, "", "a scenario file holds one YAML document; this is a second one")
	}
	if body == nil {
		d.errorAt(position{}, "", "empty scenario: name and targets are required")
		return false
	}
	// Anchors and aliases are refused wherever they are, before anything is decoded: a
	// file built on them (an alias bomb) is then told that rule first, rather than
	// whatever else is wrong where the aliases point, such as an unknown field.
	if d.references("", body) {
		return false
	}
	// A tag on the whole document is reported as on any value.
	body, ok := d.plain("", body)
	if !ok {
		return false
	}
	if _, ok := yamlast.Entries(body); !ok {
		d.errorAt(posOf(body), "", fmt.Sprintf("a scenario is a mapping of fields (name: …, targets: …), not %s", yamlast.Describe(body)))
		return false
	}

	fields := s.fields()
	d.mapping("", body, fields)
	// Last, because a matrix key may name a field written below it.
	d.decodeMatrix(s, fields, d.matrix)
	return true
}

// references reports every anchor and merge key (which needs an alias) in n, and each
// alias name once, at its first use, with the path where it is; it says whether there
// was any. It expands nothing.
func (d *decoder) references(path string, n ast.Node) bool {
	r := refs{d: d, aliases: map[string]int{}}
	r.walk(path, n)
	for _, a := range r.first {
		msg := aliasMsg(a.node)
		if uses := r.aliases[aliasName(a.node)]; uses > 1 {
			msg = fmt.Sprintf("aliases (*%s, used %d times) are not supported: write the value out in full", aliasName(a.node), uses)
		}
		d.errorAt(posOf(a.node), a.path, msg)
	}
	if r.found {
		for i, t := range r.tags {
			d.errorAt(posOf(t), r.tagPaths[i], tagMsg(t))
		}
	}
	return r.found
}

// refs is the walk of decoder.references.
type refs struct {
	d       *decoder
	found   bool
	aliases map[string]int // uses of each alias name
	// tags and where they are, reported only along with the anchors and aliases (the
	// decoding that reports them otherwise does not happen then)
	tags     []*ast.TagNode
	tagPaths []string
	first    []struct {
		path string
		node *ast.AliasNode
	}
}

func (r *refs) alias(path string, a *ast.AliasNode) {
	r.found = true
	name := aliasName(a)
	if r.aliases[name] == 0 {
		r.first = append(r.first, struct {
			path string
			node *ast.AliasNode
		}{path, a})
	}
	r.aliases[name]++
}

func (r *refs) walk(path string, n ast.Node) {
	switch n := n.(type) {
	case *ast.AnchorNode:
		r.d.errorAt(posOf(n), path, anchorMsg(n))
		r.found = true
		r.walk(path, n.Value)
		return
	case *ast.AliasNode:
		r.alias(path, n)
		return
	case *ast.TagNode:
		r.tags = append(r.tags, n)
		r.tagPaths = append(r.tagPaths, path)
		r.walk(path, n.Value)
		return
	case *ast.SequenceNode:
		for i, v := range n.Values {
			r.walk(fmt.Sprintf("%s[%d]", path, i), v)
		}
		return
	}
	entries, _ := yamlast.Entries(n)
	for _, mv := range entries {
		if mv == nil {
			continue
		}
		var key ast.Node = mv.Key
		if a, ok := key.(*ast.AnchorNode); ok {
			r.d.errorAt(posOf(a), path, anchorMsg(a))
			r.found, key = true, a.Value
		}
		switch k := key.(type) {
		case *ast.AliasNode:
			r.alias(path, k)
		case *ast.MergeKeyNode:
			// Its value is the alias it merges: one message says it all.
			r.d.errorAt(posOf(k), path, "merge keys (<<) are not supported: write the fields out in full")
			r.found = true
			continue
		}
		name, _ := yamlast.ScalarText(key)
		r.walk(join(path, shorten(name)), mv.Value)
	}
}

// fields maps the scenario's top-level YAML keys, driver blocks included, to its
// settable fields.
func (s *Scenario) fields() map[string]reflect.Value {
	fields := structFields(reflect.ValueOf(s).Elem())
	for name, settings := range s.Drivers {
		if v := reflect.ValueOf(settings); v.Kind() == reflect.Pointer && !v.IsNil() && v.Elem().Kind() == reflect.Struct {
			fields[name] = v.Elem()
		}
	}
	return fields
}

// checkText finds the first byte that cannot be in a YAML text file: invalid UTF-8 or a
// control character. The parser takes such bytes as part of a plain string, so a binary
// file would otherwise be reported as a misshapen scenario.
func checkText(data []byte) (position, string) {
	p := position{1, 1}
	for len(data) > 0 {
		r, size := utf8.DecodeRune(data)
		switch {
		case r == utf8.RuneError && size == 1:
			return p, fmt.Sprintf("invalid UTF-8 (byte 0x%02x): a scenario must be a YAML text file", data[0])
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r', r == 0x7f:
			return p, fmt.Sprintf("control character U+%04X: a scenario must be a YAML text file", r)
		case r == '\ufeff':
			// Invisible, and the parser takes it as part of a name: "unknown field
			// "duration"" would baffle anyone.
			return p, "byte-order mark (U+FEFF) inside the file, where it cannot be seen: delete it"
		}
		if r == '\n' {
			p.line, p.col = p.line+1, 1
		} else {
			p.col++
		}
		data = data[size:]
	}
	return position{}, ""
}

// structFields maps the YAML keys of a struct's exported fields to the fields.
func structFields(v reflect.Value) map[string]reflect.Value {
	fields := map[string]reflect.Value{}
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = strings.ToLower(f.Name)
		}
		fields[name] = v.Field(i)
	}
	return fields
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// mapping decodes a mapping node onto fields, keyed by YAML key.
func (d *decoder) mapping(path string, n ast.Node, fields map[string]reflect.Value) {
	values, _ := yamlast.Entries(n)
	seen := map[string]position{}
	for _, mv := range values {
		if mv == nil {
			continue
		}
		name, ok := d.key(path, mv.Key)
		if !ok {
			continue
		}
		keyPos := posOf(mv.Key)
		fieldPath := join(path, name)
		if first, dup := seen[name]; dup {
			d.errorAt(keyPos, join(path, shorten(name)), fmt.Sprintf("duplicate key (first given at line %d)", first.line))
		} else {
			seen[name] = keyPos
		}
		field, known := fields[name]
		if !known {
			d.errorAt(keyPos, join(path, shorten(name)), unknownField(name, fields))
			continue
		}
		d.pos[fieldPath] = keyPos
		if p := posOf(mv.Value); p.line > 0 && !isMapping(mv.Value) && !yamlast.IsNull(mv.Value) {
			d.pos[fieldPath] = p
		}
		d.value(fieldPath, mv.Value, field)
	}
}

// key returns a mapping key's name; false for keys that are not plain names.
func (d *decoder) key(path string, k ast.MapKeyNode) (string, bool) {
	var n ast.Node = k
	if a, ok := n.(*ast.AnchorNode); ok {
		d.errorAt(posOf(a), path, anchorMsg(a))
		n = a.Value
	}
	switch k := n.(type) {
	case *ast.StringNode:
		return k.Value, true
	case *ast.MergeKeyNode:
		d.errorAt(posOf(k), path, "merge keys (<<) are not supported: write the fields out in full")
	case *ast.AliasNode:
		d.errorAt(posOf(k), path, aliasMsg(k))
	case *ast.MappingKeyNode:
		d.errorAt(posOf(k), path, "complex keys (?) are not supported: write name: value")
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.NullNode, *ast.InfinityNode, *ast.NanNode:
		return k.GetToken().Value, true
	default:
		d.errorAt(posOf(n), path, fmt.Sprintf("a key must be a plain name, not %s", yamlast.Describe(n)))
	}
	return "", false
}

// listHint shows how a single value is written as a list of one, " (write [x])", for
// a value short enough to repeat on the error's line; "" for others.
func listHint(n ast.Node) string {
	text, ok := yamlast.ScalarText(n)
	if !ok || text == "" || strings.ContainsAny(text, "\r\n") || utf8.RuneCountInString(text) > 60 {
		return ""
	}
	return fmt.Sprintf(" (write [%s])", text)
}

// shorten cuts a key that is no field's name to what a message line can hold: a line
// of junk taken for a key would otherwise be repeated whole.
func shorten(name string) string {
	const most = 60
	if utf8.RuneCountInString(name) <= most {
		return name
	}
	return string([]rune(name)[:most]) + "…"
}

func anchorMsg(a *ast.AnchorNode) string {
	name := ""
	if a.Name != nil {
		name = a.Name.String()
	}
	return fmt.Sprintf("anchors (&%s) are not supported: write every value out in full", name)
}

func aliasMsg(a *ast.AliasNode) string {
	return fmt.Sprintf("aliases (*%s) are not supported: write the value out in full", aliasName(a))
}

func tagMsg(t *ast.TagNode) string {
	tag := ""
	if t.Start != nil {
		tag = t.Start.Value
	}
	return fmt.Sprintf("tags (%s) are not supported: write the plain value", tag)
}

func aliasName(a *ast.AliasNode) string {
	if a.Value == nil {
		return ""
	}
	return a.Value.String()
}

func unknownField(name string, fields map[string]reflect.Value) string {
	return "unknown field (" + hint(name, slices.Collect(maps.Keys(fields))) + ")"
}

func isMapping(n ast.Node) bool {
	_, ok := yamlast.Entries(n)
	return ok
}

var textType = reflect.TypeFor[encoding.TextUnmarshaler]()

// nodeDecoder is a value type of the scenario that reads itself from one YAML scalar,
// a number by its value rather than by its text. On error it is left as it was.
type nodeDecoder interface {
	decodeNode(n ast.Node) error
}

// scalarDecoder is v's nodeDecoder, for the value types of the scenario (and
// drivers.Duration in driver blocks); nil for other types, and for a v that cannot be
// set.
func scalarDecoder(v reflect.Value) nodeDecoder {
	if !v.CanAddr() {
		return nil
	}
	if d, ok := v.Addr().Interface().(*Duration); ok {
		return (*fieldDuration)(d)
	}
	nd, _ := v.Addr().Interface().(nodeDecoder)
	return nd
}

// isValueType says whether t is one of the value types scalarDecoder finds.
func isValueType(t reflect.Type) bool {
	return t == reflect.TypeFor[Duration]() || reflect.PointerTo(t).Implements(reflect.TypeFor[nodeDecoder]())
}

// plain strips an anchor from n, reporting it; false (reported) for an alias or a tag,
// which leave nothing to decode.
func (d *decoder) plain(path string, n ast.Node) (ast.Node, bool) {
	switch a := n.(type) {
	case *ast.AnchorNode:
		d.errorAt(posOf(a), path, anchorMsg(a))
		return a.Value, true
	case *ast.AliasNode:
		d.fail(a, path, aliasMsg(a))
		return nil, false
	case *ast.TagNode:
		d.fail(a, path, tagMsg(a))
		return nil, false
	}
	return n, true
}

// value decodes node n onto v, a settable value, reporting any problem under path.
func (d *decoder) value(path string, n ast.Node, v reflect.Value) {
	n, ok := d.plain(path, n)
	if !ok {
		return
	}
	if v.Type() == reflect.TypeFor[Matrix]() {
		d.matrix = n // for decodeMatrix, once every other field is known
		return
	}

	decodeScalar := scalarDecoder(v)
	if yamlast.IsNull(n) {
		if v.Kind() == reflect.Struct && decodeScalar == nil {
			return // an empty block keeps every default
		}
		msg := "missing value"
		if !v.IsZero() {
			msg += fmt.Sprintf(" (leave the line out to keep the default, %v)", v.Interface())
		}
		// An empty value has no text to point at; its key does.
		d.failed[path] = true
		d.errorAt(d.lookup(path), path, msg)
		return
	}

	if decodeScalar != nil {
		if err := decodeScalar.decodeNode(n); err != nil {
			d.fail(n, path, err.Error())
		}
		return
	}
	if v.CanAddr() && v.Addr().Type().Implements(textType) {
		text, ok := yamlast.ScalarText(n)
		if !ok {
			d.fail(n, path, fmt.Sprintf("want a single value, not %s", yamlast.Describe(n)))
			return
		}
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(text)); err != nil {
			d.fail(n, path, err.Error())
		}
		return
	}

	switch v.Kind() {
	case reflect.Struct:
		if !isMapping(n) {
			d.fail(n, path, fmt.Sprintf("want a mapping of fields, not %s", yamlast.Describe(n)))
			return
		}
		if a, ok := v.Addr().Interface().(*Action); ok {
			d.action(path, n, a) // its kind first, then that kind's fields
			return
		}
		d.mapping(path, n, structFields(v))
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		if !v.IsNil() {
			p.Elem().Set(v.Elem())
		}
		d.value(path, n, p.Elem())
		v.Set(p)
	case reflect.Slice:
		seq, ok := n.(*ast.SequenceNode)
		if !ok {
			d.fail(n, path, fmt.Sprintf("want a list, not %s%s", yamlast.Describe(n), listHint(n)))
			return
		}
		list := reflect.MakeSlice(v.Type(), len(seq.Values), len(seq.Values))
		for i, elem := range seq.Values {
			elemPath := fmt.Sprintf("%s[%d]", path, i)
			if p := posOf(elem); p.line > 0 {
				d.pos[elemPath] = p
			}
			d.value(elemPath, elem, list.Index(i))
		}
		v.Set(list)
	case reflect.String:
		text, ok := yamlast.ScalarText(n)
		if !ok {
			d.fail(n, path, fmt.Sprintf("want a string, not %s", yamlast.Describe(n)))
			return
		}
		v.SetString(text)
	case reflect.Bool:
		b, ok := n.(*ast.BoolNode)
		if !ok {
			d.fail(n, path, fmt.Sprintf("want true or false, not %s", yamlast.Describe(n)))
			return
		}
		v.SetBool(b.Value)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i, ok := n.(*ast.IntegerNode)
		if text, big := yamlast.BigInteger(n); big {
			d.fail(n, path, fmt.Sprintf("%s is out of range", text))
			return
		}
		if !ok {
			d.fail(n, path, fmt.Sprintf("want a whole number, not %s", yamlast.Describe(n)))
			return
		}
		x, ok := intValue(i)
		if !ok || v.OverflowInt(x) {
			d.fail(n, path, fmt.Sprintf("%s is out of range", i.GetToken().Value))
			return
		}
		v.SetInt(x)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		i, ok := n.(*ast.IntegerNode)
		if text, big := yamlast.BigInteger(n); big {
			d.fail(n, path, fmt.Sprintf("%s is out of range", text))
			return
		}
		if !ok {
			d.fail(n, path, fmt.Sprintf("want a whole number, not %s", yamlast.Describe(n)))
			return
		}
		var x uint64
		switch iv := i.Value.(type) {
		case uint64:
			x = iv
		case int64:
			if iv < 0 {
				d.fail(n, path, fmt.Sprintf("must not be negative, not %d", iv))
				return
			}
			x = uint64(iv)
		}
		if v.OverflowUint(x) {
			d.fail(n, path, fmt.Sprintf("%s is out of range", i.GetToken().Value))
			return
		}
		v.SetUint(x)
	case reflect.Float32, reflect.Float64:
		x, ok := yamlast.NumberValue(n)
		if !ok {
			d.fail(n, path, fmt.Sprintf("want a number, not %s", yamlast.Describe(n)))
			return
		}
		v.SetFloat(x)
	default:
		// A driver's settings type uses a kind this loader does not know: a bug of the
		// program, not of the file, but said here rather than by a panic.
		d.fail(n, path, fmt.Sprintf("cannot decode into Go type %s", v.Type()))
	}
}

// fieldDuration is a scenario's Duration as it reads itself from YAML: the type is
// drivers', which knows nothing of YAML nodes.
type fieldDuration Duration

// decodeNode reads a duration with a unit; a bare number is refused, since no unit is
// the obvious one. A duration too long to hold is left to the field's own limit
// (ParseFieldDuration).
func (f *fieldDuration) decodeNode(n ast.Node) error {
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

// intValue is an integer node's value when it fits an int64.
func intValue(n *ast.IntegerNode) (int64, bool) {
	switch x := n.Value.(type) {
	case int64:
		return x, true
	case uint64:
		if x <= math.MaxInt64 {
			return int64(x), true
		}
	}
	return 0, false
}

// suggest returns the candidate nearest to name when it is near enough to be a slip of
// the keyboard, or "".
func suggest(name string, candidates []string) string {
	norm := func(s string) string {
		return strings.NewReplacer("_", "", "-", "", " ", "").Replace(strings.ToLower(s))
	}
	best, bestDist := "", math.MaxInt
	for _, c := range candidates {
		if norm(c) == norm(name) {
			return c
		}
		limit := 2
		if utf8.RuneCountInString(c) >= 10 {
			limit = 3
		}
		if diff := utf8.RuneCountInString(name) - utf8.RuneCountInString(c); diff > limit || -diff > limit {
			continue // the distance is at least the difference in length: skip the quadratic work
		}
		dist := editDistance(strings.ToLower(name), c)
		if dist <= limit && 2*dist < utf8.RuneCountInString(c) && dist < bestDist {
			best, bestDist = c, dist
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
