package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"streambench/internal/strictyaml"
	"streambench/internal/yamlast"
)

// Action is one entry of a scenario's timeline: when, and what.
type Action struct {
	// At is when to start it, since the first send (warm-up included).
	At Duration
	// Do is what to do, as a value of its kind's own type: *Scale, *RestartBroker,
	// *StopConsumers, *StartConsumers, or a fault: *PauseBroker, *KillBroker,
	// *SlowNetwork, *CutNetwork, *KillConsumers. A scenario names the kind in `do` and
	// writes the kind's fields beside it; a result file holds it the same way.
	Do Step
}

// Step is what an action does. Each kind of action is a type of its own, which holds
// the fields that kind takes and knows how to check, run and describe itself; the
// types are those of actionKinds, and no other can be one.
type Step interface {
	// Name is the kind as a scenario writes it in `do`: "scale", "pause_broker".
	Name() string
	// lasting is the kind's `for`, how long it lasts, when it takes one; else nil.
	lasting() *Duration
	// fault says whether its effect on latency is measured: its window, the highest
	// latency from its start, and the time to recover.
	fault() bool
	// check reports what in it cannot be done as written, where c is in the timeline.
	check(c *timelineCheck)
	// detail says what it was asked to do, for its record and the log: "to 8
	// partitions", "for 5s"; "" when its name says it all.
	detail() string
	// run carries it out on the run's timeline.
	run(ctx context.Context, tl *timeline) error
}

// actionKinds are the kinds of action a timeline may hold, each as the constructor of
// its type, in the order messages list them. The table is built here, once, and never
// changed: it is how `do` is turned into a type, and how the fields each kind takes are
// known.
var actionKinds = [...]func() Step{
	func() Step { return new(Scale) },
	func() Step { return new(RestartBroker) },
	func() Step { return new(StopConsumers) },
	func() Step { return new(StartConsumers) },
	func() Step { return new(PauseBroker) },
	func() Step { return new(KillBroker) },
	func() Step { return new(SlowNetwork) },
	func() Step { return new(CutNetwork) },
	func() Step { return new(KillConsumers) },
}

// newStep returns a new, zero value of the kind named name, or nil for no kind.
func newStep(name string) Step {
	for _, k := range actionKinds {
		if s := k(); s.Name() == name {
			return s
		}
	}
	return nil
}

// actionNames are the names of the kinds of action, for messages.
func actionNames() []string {
	names := make([]string, len(actionKinds))
	for i, k := range actionKinds {
		names[i] = k().Name()
	}
	return names
}

// unknownAction says that name is no kind of action.
func unknownAction(name string) string {
	names := actionNames()
	msg := fmt.Sprintf("unknown action %q: want one of %s", name, strings.Join(names, ", "))
	if near := strictyaml.Suggest(name, names); near != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", near)
	}
	return msg
}

// name is the action's kind, "" for none.
func (a Action) name() string {
	if a.Do == nil {
		return ""
	}
	return a.Do.Name()
}

// detail says what the action was asked to do; "" for none.
func (a Action) detail() string {
	if a.Do == nil {
		return ""
	}
	return a.Do.detail()
}

// fault says whether the action is a fault whose effect on latency is measured.
func (a Action) fault() bool { return a.Do != nil && a.Do.fault() }

// lasting is the action's `for`, when its kind takes one; else nil.
func (a Action) lasting() *Duration {
	if a.Do == nil {
		return nil
	}
	return a.Do.lasting()
}

// For is how long the action lasts, its `for`: 0 for a kind that takes none.
func (a Action) For() Duration {
	if d := a.lasting(); d != nil {
		return *d
	}
	return 0
}

// actionHead is what every action has, whatever its kind.
type actionHead struct {
	At Duration `json:"at"`
	Do string   `json:"do"`
}

// MarshalJSON writes the action as one object: at, do, then the fields of its kind
// (those left at zero are left out).
func (a Action) MarshalJSON() ([]byte, error) {
	head, err := marshalPlain(actionHead{a.At, a.name()})
	if err != nil || a.Do == nil {
		return head, err
	}
	body, err := marshalPlain(a.Do)
	if err != nil {
		return nil, err
	}
	if string(body) == "{}" {
		return head, nil
	}
	return append(append(head[:len(head)-1], ','), body[1:]...), nil
}

// marshalPlain is json.Marshal without escaping <, > and &: the encoder of the whole
// document escapes them or not, as it was told.
func marshalPlain(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// UnmarshalJSON reads what MarshalJSON wrote, in two steps: `do` first, then the rest
// strictly onto that kind's own type. A field the kind does not take is an error.
func (a *Action) UnmarshalJSON(b []byte) error {
	if string(bytes.TrimSpace(b)) == "null" {
		return nil
	}
	var head actionHead
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return err
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return err
	}
	step := newStep(head.Do)
	if step == nil {
		return fmt.Errorf("unknown action %q", head.Do)
	}
	delete(fields, "at")
	delete(fields, "do")
	rest, err := json.Marshal(fields)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(rest))
	dec.DisallowUnknownFields()
	if err := dec.Decode(step); err != nil {
		return fmt.Errorf("action %s: %w", head.Do, err)
	}
	*a = Action{At: head.At, Do: step}
	return nil
}

// action decodes one action of a timeline from its mapping n, in two steps: `do` first,
// which names the kind, then every field strictly onto that kind's own type. A field
// that only other kinds take is reported as such ("only slow_network takes latency"),
// one that no kind takes as an unknown field, and a `do` that names no kind as an
// unknown action. An action with such a problem is left without a kind.
func (d *decoder) action(path string, n ast.Node, a *Action) {
	entries, _ := yamlast.Entries(n)
	// Step 1: the kind. The value of `do` is only looked at here: the mapping below
	// decodes it like any field, and reports what is wrong with it.
	step := newStep(peekDo(entries))

	// Step 2: the fields. Those of other kinds are decoded too, as their kinds would
	// decode them, so that a value wrong in itself is reported as such.
	var do string
	fields := map[string]reflect.Value{
		"at": reflect.ValueOf(&a.At).Elem(),
		"do": reflect.ValueOf(&do).Elem(),
	}
	if step != nil {
		for name, f := range strictyaml.StructFields(reflect.ValueOf(step).Elem()) {
			fields[name] = f
		}
	}
	others := otherFields(fields)
	for _, o := range others {
		fields[o.name] = o.value
	}
	d.Mapping(path, n, fields)

	for _, o := range others {
		p := path + "." + o.name
		if d.FailedAt(p) || o.value.IsZero() {
			continue // not written (a zero value is taken as not written), or reported
		}
		msg := notTaken(o.name, o.owners)
		if o.name == "for" && o.value.Int() < 0 {
			msg = "must not be negative"
		}
		d.ErrorAt(d.Lookup(p), p, msg)
	}
	switch p := path + ".do"; {
	case d.FailedAt(p):
		// Its problem is reported.
	case step == nil || step.Name() != do:
		d.MarkFailed(p)
		d.ErrorAt(d.Lookup(p), p, unknownAction(do))
	default:
		a.Do = step
	}
}

// peekDo is the text of an action's `do` (of the last, if written twice, as the
// mapping keeps the last value), or "" when it is not a plain value.
func peekDo(entries []*ast.MappingValueNode) string {
	name := ""
	for _, mv := range entries {
		if mv == nil {
			continue
		}
		if key, ok := yamlast.ScalarText(mv.Key); !ok || key != "do" {
			continue
		}
		name = ""
		switch mv.Value.(type) {
		case *ast.TagNode, *ast.AliasNode, *ast.AnchorNode:
			continue
		}
		if text, ok := yamlast.ScalarText(mv.Value); ok {
			name = text
		}
	}
	return name
}

// otherField is a field some kinds of action take, but not the one being decoded.
type otherField struct {
	name   string
	value  reflect.Value // where it is decoded, as its kinds decode it
	owners []string      // the kinds that take it, in the order of actionKinds
}

// otherFields lists the fields of every kind of action that are not among fields, by
// name.
func otherFields(fields map[string]reflect.Value) []otherField {
	var out []otherField
	at := map[string]int{}
	for _, k := range actionKinds {
		step := k()
		theirs := strictyaml.StructFields(reflect.ValueOf(step).Elem())
		for _, name := range slices.Sorted(maps.Keys(theirs)) {
			if _, own := fields[name]; own {
				continue
			}
			j, seen := at[name]
			if !seen {
				j = len(out)
				at[name] = j
				out = append(out, otherField{name: name, value: reflect.New(theirs[name].Type()).Elem()})
			}
			out[j].owners = append(out[j].owners, step.Name())
		}
	}
	return out
}

// notTaken says that field, written on an action of a kind that does not take it, is
// taken only by the kinds owners.
func notTaken(field string, owners []string) string {
	switch field {
	case "for":
		return "only " + listAnd(owners) + " last for a time"
	case "partitions":
		return "only a scale action takes partitions"
	}
	return "only " + listAnd(owners) + " takes " + field
}

// listAnd writes names as "a, b and c".
func listAnd(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
