package bench

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"streambench/internal/strictyaml"
	"streambench/internal/yamlast"
)

// MaxRuns is the most runs a matrix may expand to. Each run takes the scenario's
// warm-up, duration and drain on every target, so a matrix beyond this is more likely a
// slip than a plan; a larger sweep is split over several scenario files.
const MaxRuns = 100

// Matrix is a scenario's sweep: settings, each with the values it takes in turn. It
// expands to every combination of the values, with the axes in the order they are
// written and the first varying slowest.
type Matrix []Axis

// Axis is one swept setting.
type Axis struct {
	// Path names the field by its YAML keys: "workload.rate", "kafka.linger".
	Path string `json:"path"`
	// Values are the values the field takes, as the scenario wrote them.
	Values []string `json:"values"`

	// decoded holds each value as the field's Go type. Only the loader fills it in, so
	// a matrix read back from JSON cannot be expanded (its driver blocks are raw JSON
	// anyway).
	decoded []any
}

// String names the swept settings: "kafka.linger × kafka.batch_max_bytes".
func (m Matrix) String() string {
	paths := make([]string, len(m))
	for i, a := range m {
		paths[i] = a.Path
	}
	return strings.Join(paths, " × ")
}

// Runs is the number of combinations, saturating at math.MaxInt; 1 for no matrix.
func (m Matrix) Runs() int { return runs(m.lens()) }

func (m Matrix) lens() []int {
	lens := make([]int, len(m))
	for i, a := range m {
		lens[i] = len(a.Values)
	}
	return lens
}

// runs multiplies the numbers of values, saturating at math.MaxInt.
func runs(lens []int) int {
	n := 1
	for _, l := range lens {
		if l > 0 && n > math.MaxInt/l {
			return math.MaxInt
		}
		n *= l
	}
	return n
}

// Has says whether the matrix sweeps the field at path, e.g. "workload.rate": a
// command-line override of that field would be replaced in every run.
func (m Matrix) Has(path string) bool {
	return slices.ContainsFunc(m, func(a Axis) bool { return a.Path == path })
}

// indices gives run k's index into each axis's values: the last axis varies fastest.
func (m Matrix) indices(k int) []int {
	idx := make([]int, len(m))
	for i := len(m) - 1; i >= 0; i-- {
		n := len(m[i].Values)
		idx[i] = k % n
		k /= n
	}
	return idx
}

// product writes the number of runs as the product that makes it: "3 × 2 = 6".
func product(lens []int) string {
	factors := make([]string, len(lens))
	for i, l := range lens {
		factors[i] = strconv.Itoa(l)
	}
	s := strings.Join(factors, " × ")
	if n := runs(lens); len(lens) > 1 && n < math.MaxInt {
		s += " = " + strconv.Itoa(n)
	}
	return s
}

// Point is one run of a scenario's matrix.
type Point struct {
	// Scenario has the point's values set and no matrix. It shares nothing with the
	// scenario it came from or with the other points.
	Scenario Scenario
	// Sweep is the point's value of each swept setting, in the order of the matrix;
	// empty for a scenario without a matrix.
	Sweep Sweep
}

// Setting is the value one swept field has in one run.
type Setting struct {
	// Path names the field by its YAML keys, e.g. "kafka.linger".
	Path string `json:"path"`
	// Value is as the scenario wrote it, e.g. "5ms".
	Value string `json:"value"`
}

// Sweep is a run's point of the matrix: the value of each swept setting.
type Sweep []Setting

// Map returns the sweep as path → value, as a result file records it; nil when empty.
func (w Sweep) Map() map[string]string {
	if len(w) == 0 {
		return nil
	}
	m := make(map[string]string, len(w))
	for _, s := range w {
		m[s.Path] = s.Value
	}
	return m
}

// String writes the sweep for people: "kafka.linger=5ms, kafka.batch_max_bytes=16384".
func (w Sweep) String() string {
	parts := make([]string, len(w))
	for i, s := range w {
		parts[i] = s.Path + "=" + s.Value
	}
	return strings.Join(parts, ", ")
}

// Label writes the sweep for a file name: "linger=5ms,batch_max_bytes=16384". Each
// setting is named by its last key, or by its whole path where two settings share a
// last key; every byte other than letters, digits, '.', '-' and '_' becomes '_'. The
// labels of one matrix's points differ unless its text values differ only in such
// bytes. Empty for an empty sweep.
func (w Sweep) Label() string {
	last := func(path string) string { return path[strings.LastIndex(path, ".")+1:] }
	count := map[string]int{}
	for _, s := range w {
		count[last(s.Path)]++
	}
	parts := make([]string, len(w))
	for i, s := range w {
		name := last(s.Path)
		if count[name] > 1 {
			name = s.Path
		}
		parts[i] = fileSafe(name) + "=" + fileSafe(s.Value)
	}
	return strings.Join(parts, ",")
}

func fileSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case r == '-', r == '_', r == '.':
		default:
			return '_'
		}
		return r
	}, s)
}

// Expand returns one point per combination of the matrix's values, the first axis
// varying slowest: with `a: [1, 2]` and `b: [x, y]`, the points are a=1,b=x; a=1,b=y;
// a=2,b=x; a=2,b=y. Each point is a deep copy of the scenario with its values set and
// no matrix. A scenario without a matrix expands to one copy of itself, with an empty
// sweep. It fails for a matrix that did not come from Load or Parse.
func (s *Scenario) Expand() ([]Point, error) {
	points, err := s.expand()
	if err != nil {
		return nil, fmt.Errorf("matrix: %w", err)
	}
	return points, nil
}

func (s *Scenario) expand() ([]Point, error) {
	base := s.clone()
	base.Matrix = nil
	m := s.Matrix
	if len(m) == 0 {
		return []Point{{Scenario: base}}, nil
	}
	for _, a := range m {
		switch {
		case len(a.Values) == 0:
			return nil, fmt.Errorf("%s: no values", a.Path)
		case len(a.decoded) != len(a.Values):
			return nil, fmt.Errorf("%s: the values were never decoded: only a scenario read by Load or Parse can be expanded", a.Path)
		}
	}
	if runs := m.Runs(); runs > MaxRuns {
		return nil, fmt.Errorf("%d runs, more than the limit of %d", runs, MaxRuns)
	}

	points := make([]Point, m.Runs())
	for k := range points {
		p := Point{Scenario: base.clone(), Sweep: make(Sweep, len(m))}
		fields := p.Scenario.fields()
		for i, j := range m.indices(k) {
			a := m[i]
			f, msg := settingField(fields, a.Path)
			if msg != "" {
				return nil, fmt.Errorf("%s: %s", a.Path, msg)
			}
			x := reflect.ValueOf(a.decoded[j])
			if x.Type() != f.Type() {
				return nil, fmt.Errorf("%s: a value of Go type %s for a field of type %s", a.Path, x.Type(), f.Type())
			}
			f.Set(x)
			p.Sweep[i] = Setting{Path: a.Path, Value: a.Values[j]}
		}
		points[k] = p
	}
	return points, nil
}

// clone returns a deep copy of s: driver settings are pointers, and a point of the
// matrix must not change another.
func (s *Scenario) clone() Scenario {
	return deepCopy(reflect.ValueOf(*s)).Interface().(Scenario)
}

// deepCopy copies v and everything it points to. Unexported fields are copied as they
// are: the scenario's own hold no pointers, and a driver's settings must marshal to
// JSON, so they keep what matters in exported fields.
func deepCopy(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return v
		}
		if v.Kind() == reflect.Pointer {
			p := reflect.New(v.Type().Elem())
			p.Elem().Set(deepCopy(v.Elem()))
			return p
		}
		c := reflect.New(v.Type()).Elem()
		c.Set(deepCopy(v.Elem()))
		return c
	case reflect.Struct, reflect.Array:
		c := reflect.New(v.Type()).Elem()
		c.Set(v)
		if v.Kind() == reflect.Array {
			for i := range v.Len() {
				c.Index(i).Set(deepCopy(v.Index(i)))
			}
			return c
		}
		for i := range v.NumField() {
			if c.Field(i).CanSet() {
				c.Field(i).Set(deepCopy(v.Field(i)))
			}
		}
		return c
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		c := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			c.Index(i).Set(deepCopy(v.Index(i)))
		}
		return c
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		c := reflect.MakeMapWithSize(v.Type(), v.Len())
		for it := v.MapRange(); it.Next(); {
			c.SetMapIndex(it.Key(), deepCopy(it.Value()))
		}
		return c
	}
	return v
}

// problem is a rule the scenario breaks: in every run (axis -1), or only in the runs
// where one axis of the matrix has one of its values (axis, item), which note names.
type problem struct {
	path, msg  string
	axis, item int
	note       string
}

func (p problem) message() string {
	if p.note == "" {
		return p.msg
	}
	return p.msg + " (" + p.note + ")"
}

// problems checks the scenario, or with a matrix each run it expands to: the scenario
// itself, without the matrix's values, is never run. A problem of every run that the
// scenario has without the matrix is given once, as the scenario's; any other is put
// down to the matrix values that make the runs have it.
func (s *Scenario) problems(knownTargets []string) []problem {
	var out []problem
	if len(s.Matrix) == 0 {
		s.check(knownTargets, func(path, msg string) {
			out = append(out, problem{path: path, msg: msg, axis: -1})
		})
		return out
	}
	points, err := s.expand()
	if err != nil {
		return []problem{{path: "matrix", msg: err.Error(), axis: -1}}
	}

	// The runs that break each rule, in the order the rules were first broken, and the
	// rules the scenario breaks without the matrix's values.
	type rule struct{ path, msg string }
	var rules []rule
	own := map[rule]bool{}
	s.check(knownTargets, func(path, msg string) { own[rule{path, msg}] = true })
	runs := map[rule][]int{}
	for k := range points {
		points[k].Scenario.check(knownTargets, func(path, msg string) {
			r := rule{path, msg}
			if runs[r] == nil {
				rules = append(rules, r)
			}
			runs[r] = append(runs[r], k)
		})
	}
	for _, r := range rules {
		axis := -1
		if !own[r] || len(runs[r]) < len(points) {
			axis = s.Matrix.blame(r.path, runs[r], len(points))
		}
		if axis < 0 {
			out = append(out, problem{path: r.path, msg: r.msg, axis: -1})
			continue
		}
		// One problem for each value of the axis, naming the runs it breaks the rule in.
		byItem := map[int][]int{}
		var items []int
		for _, k := range runs[r] {
			j := s.Matrix.indices(k)[axis]
			if byItem[j] == nil {
				items = append(items, j)
			}
			byItem[j] = append(byItem[j], k)
		}
		for _, j := range items {
			out = append(out, problem{path: r.path, msg: r.msg, axis: axis, item: j,
				note: s.Matrix.note(axis, j, byItem[j], points)})
		}
	}
	return out
}

// blame picks the axis that the problems of field path in runs are put down to: the
// field's own axis; else, for a rule across fields (such as kafka.idempotence needing
// kafka.acks: all), the axis that explains the runs, having values with which every run
// breaks the rule, the fewest such values and the path nearest the field's; and failing
// that, the axis nearest to the field.
func (m Matrix) blame(path string, runs []int, total int) int {
	if i := slices.IndexFunc(m, func(a Axis) bool { return a.Path == path }); i >= 0 {
		return i
	}
	shared := func(a Axis) int {
		as, bs := strings.Split(a.Path, "."), strings.Split(path, ".")
		n := 0
		for n < len(as) && n < len(bs) && as[n] == bs[n] {
			n++
		}
		return n
	}
	best, bestItems := -1, 0
	for i, a := range m {
		items := map[int]bool{}
		for _, k := range runs {
			items[m.indices(k)[i]] = true
		}
		if len(runs) != len(items)*(total/len(a.Values)) {
			continue // some runs with these values keep the rule
		}
		if best < 0 || len(items) < bestItems || len(items) == bestItems && shared(a) > shared(m[best]) {
			best, bestItems = i, len(items)
		}
	}
	if best >= 0 {
		return best
	}
	best = 0
	for i, a := range m {
		if shared(a) > shared(m[best]) {
			best = i
		}
	}
	return best
}

// note says which runs have a problem put down to item of axis.
func (m Matrix) note(axis, item int, runs []int, points []Point) string {
	a := m[axis]
	value := a.Path + "=" + a.Values[item]
	with := len(points) / len(a.Values)
	switch {
	case len(runs) == 1:
		return "in the run " + points[runs[0]].Sweep.String()
	case len(runs) == with:
		return "in every run with " + value
	}
	return fmt.Sprintf("in %d of the %d runs with %s, such as %s", len(runs), with, value, points[runs[0]].Sweep.String())
}

// refusal says why a top-level field cannot be swept, or "".
func refusal(key string) string {
	switch key {
	case "name":
		return "the name cannot be swept: the runs of a scenario share its name, which names their results' directory"
	case "description":
		return "the description cannot be swept: it changes nothing in a run"
	case "targets":
		return "targets cannot be swept: every run of the matrix runs on each target already"
	case "matrix":
		return "a matrix cannot sweep itself"
	}
	return ""
}

// settingField finds the field that path names among a scenario's fields; when there is
// none that can be swept, it says why instead.
func settingField(fields map[string]reflect.Value, path string) (reflect.Value, string) {
	keys := strings.Split(path, ".")
	if why := refusal(keys[0]); why != "" {
		return reflect.Value{}, why
	}
	level, prefix := fields, ""
	for i, key := range keys {
		f, ok := level[key]
		if !ok {
			return reflect.Value{}, unknownSetting(path, prefix, level, fields)
		}
		name, last := strictyaml.Join(prefix, key), i == len(keys)-1
		switch {
		case isScalar(f.Type()) && last:
			return f, ""
		case isScalar(f.Type()):
			return reflect.Value{}, fmt.Sprintf("unknown setting: %s is a single value, with no field %q", name, keys[i+1])
		case f.Kind() != reflect.Struct:
			return reflect.Value{}, fmt.Sprintf("%s cannot be swept: only a field written as one value can", name)
		case last:
			msg := name + " is a block of settings: sweep one of its fields"
			if inside := settingPaths(strictyaml.StructFields(f), name, true); len(inside) > 0 {
				msg += ", e.g. " + inside[0]
			}
			return reflect.Value{}, msg
		}
		level, prefix = strictyaml.StructFields(f), name
	}
	return reflect.Value{}, "empty setting" // not reached: strings.Split gives a key
}

// settingPaths lists, sorted, the paths below prefix of the fields that can be swept:
// with deep, those inside blocks too; else each block as "block.*".
func settingPaths(fields map[string]reflect.Value, prefix string, deep bool) []string {
	var paths []string
	for key, f := range fields {
		switch {
		case prefix == "" && refusal(key) != "":
		case isScalar(f.Type()):
			paths = append(paths, strictyaml.Join(prefix, key))
		case f.Kind() == reflect.Struct && deep:
			paths = append(paths, settingPaths(strictyaml.StructFields(f), strictyaml.Join(prefix, key), true)...)
		case f.Kind() == reflect.Struct:
			paths = append(paths, strictyaml.Join(prefix, key)+".*")
		}
	}
	slices.Sort(paths)
	return paths
}

// unknownSetting explains a matrix key that names no field: the near miss of a whole
// path ("kafka.lingr"), the paths that end in the key that was meant ("linger"), or else
// what the block where the path went wrong holds.
func unknownSetting(path, prefix string, level, fields map[string]reflect.Value) string {
	all := settingPaths(fields, "", true)
	if s := strictyaml.Suggest(path, all); s != "" {
		return fmt.Sprintf("unknown setting (did you mean %q?)", s)
	}
	leaf := func(p string) string { return p[strings.LastIndex(p, ".")+1:] }
	var near []string
	for _, p := range all {
		if strictyaml.Suggest(leaf(path), []string{leaf(p)}) != "" {
			near = append(near, strconv.Quote(p))
		}
	}
	if len(near) > 0 {
		return "unknown setting (did you mean " + strings.Join(near, " or ") + "?)"
	}
	return "unknown setting (known: " + strings.Join(settingPaths(level, prefix, false), ", ") + ")"
}

func itemPath(path string, i int) string { return fmt.Sprintf("matrix.%s[%d]", path, i) }

// decodeMatrix reads the matrix node n onto s.Matrix; fields are the scenario's, whose
// types say how each value is decoded. A key or a value with a problem is left out, so
// that the runs of the rest are still checked and every problem is reported at once
// (Parse fails anyway).
func (d *decoder) decodeMatrix(s *Scenario, fields map[string]reflect.Value, n ast.Node) {
	if yamlast.IsNull(n) {
		return // `matrix:` with nothing under it, as an empty block: no sweep
	}
	entries, ok := yamlast.Entries(n)
	if !ok {
		d.Fail(n, "matrix", fmt.Sprintf("want a mapping of settings to lists of values (kafka.linger: [0s, 5ms]), not %s", yamlast.Describe(n)))
		return
	}
	var m Matrix
	var written []int // the number of values of each key, as written
	seen := map[string]int{}
	for _, mv := range entries {
		if mv == nil {
			continue
		}
		name, ok := d.Key("matrix", mv.Key)
		if !ok {
			continue
		}
		path, at := "matrix."+name, strictyaml.PosOf(mv.Key)
		d.SetPos(path, at)
		if first, dup := seen[name]; dup {
			d.ErrorAt(at, path, fmt.Sprintf("duplicate key (first given at line %d)", first))
			continue
		}
		seen[name] = at.Line
		if seq, ok := mv.Value.(*ast.SequenceNode); ok {
			written = append(written, len(seq.Values))
		}
		if a := d.axis(s, fields, name, mv.Value); len(a.Values) > 0 {
			m = append(m, a)
		}
	}
	if runs(written) > MaxRuns {
		d.ErrorAt(d.Lookup("matrix"), "matrix", fmt.Sprintf("%s runs, more than the limit of %d: sweep fewer values, or split the sweep over several scenario files", product(written), MaxRuns))
		return
	}
	s.Matrix = m
}

// axis decodes the list of values n of the matrix key name, each exactly as the field
// it names would be decoded. It returns the values that decoded, and records in d.items
// where each was in the list.
func (d *decoder) axis(s *Scenario, fields map[string]reflect.Value, name string, n ast.Node) Axis {
	path := "matrix." + name
	at, _ := d.Written(path)
	f, msg := settingField(fields, name)
	if msg != "" {
		d.ErrorAt(at, path, msg)
		return Axis{}
	}
	driver, _, _ := strings.Cut(name, ".")
	if s.Drivers[driver] != nil && len(s.Targets) > 0 && !d.FailedAt("targets") && !slices.Contains(s.Targets, driver) {
		d.ErrorAt(at, path, fmt.Sprintf("no target of this scenario uses the %s driver (targets: %s): sweeping %s would change nothing",
			driver, strings.Join(s.Targets, ", "), name))
		return Axis{}
	}
	if p, set := d.Written(name); set {
		d.ErrorAt(at, path, fmt.Sprintf("%s is also set at line %d, a value the matrix replaces in every run: remove one of the two", name, p.Line))
		return Axis{}
	}

	n, ok := d.Plain(path, n)
	if !ok {
		return Axis{}
	}
	example := fmt.Sprintf("e.g. [%v]", f.Interface())
	seq, isSeq := n.(*ast.SequenceNode)
	switch {
	case yamlast.IsNull(n):
		d.ErrorAt(at, path, "missing values: give a list, "+example)
		return Axis{}
	case !isSeq:
		d.Fail(n, path, fmt.Sprintf("want a list of values, not %s%s", yamlast.Describe(n), strictyaml.ListHint(n)))
		return Axis{}
	case len(seq.Values) == 0:
		d.Fail(seq, path, "empty list: give at least one value, "+example)
		return Axis{}
	}

	a := Axis{Path: name}
	var from []int // the list index of each value in a
	for i, elem := range seq.Values {
		ip := itemPath(name, i)
		if p := strictyaml.PosOf(elem); p.Line > 0 {
			d.SetPos(ip, p)
		}
		v := reflect.New(f.Type()).Elem()
		errs := len(d.Errs)
		d.Value(ip, elem, v)
		if len(d.Errs) > errs {
			continue
		}
		text, _ := yamlast.ScalarText(elem) // it decoded, so it is a scalar
		if j := slices.IndexFunc(a.decoded, func(x any) bool { return reflect.DeepEqual(x, v.Interface()) }); j >= 0 {
			msg := fmt.Sprintf("duplicate value %s (also [%d])", text, from[j])
			if a.Values[j] != text {
				msg = fmt.Sprintf("duplicate value %s (the same as [%d], %s)", text, from[j], a.Values[j])
			}
			d.Fail(elem, ip, msg)
			continue
		}
		from = append(from, i)
		a.Values = append(a.Values, text)
		a.decoded = append(a.decoded, v.Interface())
	}
	d.items[name] = from
	return a
}
