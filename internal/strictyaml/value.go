package strictyaml

import (
	"encoding"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml/ast"

	"streambench/internal/yamlast"
)

// NodeDecoder is a value type that reads itself from one YAML scalar, a number by its
// value rather than by its text. On error it is left as it was. A type that reads
// itself from text alone implements encoding.TextUnmarshaler instead.
type NodeDecoder interface {
	DecodeNode(n ast.Node) error
}

var (
	textType = reflect.TypeFor[encoding.TextUnmarshaler]()
	nodeType = reflect.TypeFor[NodeDecoder]()
)

// nodeDecoder is v's NodeDecoder, from the Scalar hook or its own method; nil for other
// types, and for a v that cannot be set.
func (d *Decoder) nodeDecoder(v reflect.Value) NodeDecoder {
	if !v.CanAddr() {
		return nil
	}
	if d.Scalar != nil {
		if nd := d.Scalar(v); nd != nil {
			return nd
		}
	}
	nd, _ := v.Addr().Interface().(NodeDecoder)
	return nd
}

// IsScalar says whether a field of type t is written as one YAML value: a value type
// (NodeDecoder, encoding.TextUnmarshaler), a string, a boolean or a number. Types
// found by a Decoder's Scalar hook are the caller's to add.
func IsScalar(t reflect.Type) bool {
	if pt := reflect.PointerTo(t); pt.Implements(nodeType) || pt.Implements(textType) {
		return true
	}
	switch t.Kind() {
	case reflect.String, reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

// StructFields maps the YAML keys of a struct's exported fields to the fields: the name
// in the field's yaml tag, else its name in lower case; "-" leaves it out.
func StructFields(v reflect.Value) map[string]reflect.Value {
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

// Mapping decodes a mapping node onto fields, keyed by YAML key.
func (d *Decoder) Mapping(path string, n ast.Node, fields map[string]reflect.Value) {
	d.entries(path, n, slices.Collect(maps.Keys(fields)), func(name string, mv *ast.MappingValueNode) {
		fieldPath := Join(path, name)
		if p := PosOf(mv.Value); p.Line > 0 && !isMapping(mv.Value) && !yamlast.IsNull(mv.Value) {
			d.pos[fieldPath] = p
		}
		d.Value(fieldPath, mv.Value, fields[name])
	})
}

func isMapping(n ast.Node) bool {
	_, ok := yamlast.Entries(n)
	return ok
}

// Value decodes node n onto v, a settable value, reporting any problem under path.
func (d *Decoder) Value(path string, n ast.Node, v reflect.Value) {
	n, ok := d.Plain(path, n)
	if !ok {
		return
	}
	if d.Hook != nil && d.Hook(path, n, v) {
		return
	}

	decodeScalar := d.nodeDecoder(v)
	if yamlast.IsNull(n) {
		if v.Kind() == reflect.Struct && decodeScalar == nil {
			return // an empty block keeps every default
		}
		msg := "missing value"
		if !v.IsZero() {
			msg += fmt.Sprintf(" (leave the line out to keep the default, %v)", v.Interface())
		}
		// An empty value has no text to point at; its key does.
		d.MarkFailed(path)
		d.ErrorAt(d.Lookup(path), path, msg)
		return
	}

	if decodeScalar != nil {
		if err := decodeScalar.DecodeNode(n); err != nil {
			d.Fail(n, path, err.Error())
		}
		return
	}
	if v.CanAddr() && v.Addr().Type().Implements(textType) {
		text, ok := yamlast.ScalarText(n)
		if !ok {
			d.Fail(n, path, fmt.Sprintf("want a single value, not %s", yamlast.Describe(n)))
			return
		}
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(text)); err != nil {
			d.Fail(n, path, err.Error())
		}
		return
	}

	switch v.Kind() {
	case reflect.Struct:
		if !isMapping(n) {
			d.Fail(n, path, wantMapping(n, nil))
			return
		}
		d.Mapping(path, n, StructFields(v))
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		if !v.IsNil() {
			p.Elem().Set(v.Elem())
		}
		d.Value(path, n, p.Elem())
		v.Set(p)
	case reflect.Slice:
		items, ok := d.list(path, n)
		if !ok {
			return
		}
		list := reflect.MakeSlice(v.Type(), len(items), len(items))
		for i, elem := range items {
			elemPath := fmt.Sprintf("%s[%d]", path, i)
			if p := PosOf(elem); p.Line > 0 {
				d.pos[elemPath] = p
			}
			d.Value(elemPath, elem, list.Index(i))
		}
		v.Set(list)
	case reflect.String:
		if text, ok := d.scalar(path, n); ok {
			v.SetString(text)
		}
	case reflect.Bool:
		b, ok := n.(*ast.BoolNode)
		if !ok {
			d.Fail(n, path, fmt.Sprintf("want true or false, not %s", yamlast.Describe(n)))
			return
		}
		v.SetBool(b.Value)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i, ok := d.integer(path, n)
		if !ok {
			return
		}
		x, ok := yamlast.IntValue(i)
		if !ok || v.OverflowInt(x) {
			d.Fail(n, path, fmt.Sprintf("%s is out of range", i.GetToken().Value))
			return
		}
		v.SetInt(x)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		i, ok := d.integer(path, n)
		if !ok {
			return
		}
		var x uint64
		switch iv := i.Value.(type) {
		case uint64:
			x = iv
		case int64:
			if iv < 0 {
				d.Fail(n, path, fmt.Sprintf("must not be negative, not %d", iv))
				return
			}
			x = uint64(iv)
		}
		if v.OverflowUint(x) {
			d.Fail(n, path, fmt.Sprintf("%s is out of range", i.GetToken().Value))
			return
		}
		v.SetUint(x)
	case reflect.Float32, reflect.Float64:
		if x, ok := d.number(path, n); ok {
			v.SetFloat(x)
		}
	default:
		// A settings type uses a kind this decoder does not know: a bug of the program,
		// not of the file, but said here rather than by a panic.
		d.Fail(n, path, fmt.Sprintf("cannot decode into Go type %s", v.Type()))
	}
}

// integer is n as a whole number node; false (reported) for any other node, and for a
// whole number too large for 64 bits, which the parser leaves as a string.
func (d *Decoder) integer(path string, n ast.Node) (*ast.IntegerNode, bool) {
	if text, big := yamlast.BigInteger(n); big {
		d.Fail(n, path, fmt.Sprintf("%s is out of range", text))
		return nil, false
	}
	i, ok := n.(*ast.IntegerNode)
	if !ok {
		d.Fail(n, path, fmt.Sprintf("want a whole number, not %s", yamlast.Describe(n)))
	}
	return i, ok
}

// Present is n without an anchor, or nil (reported) when n is empty or unreadable.
func (d *Decoder) Present(path string, n ast.Node) ast.Node {
	n, ok := d.Plain(path, n)
	if ok && n != nil && yamlast.IsNull(n) {
		d.Fail(n, path, "missing value")
		return nil
	}
	return n
}

// Text reads a string that is not blank. Numbers and booleans are taken as written,
// since a value such as a name may look like one.
func (d *Decoder) Text(path string, n ast.Node) (string, bool) {
	if n = d.Present(path, n); n == nil {
		return "", false
	}
	s, ok := d.scalar(path, n)
	if ok && strings.TrimSpace(s) == "" {
		d.Fail(n, path, "missing value")
		return "", false
	}
	return s, ok
}

// scalar is the text of a scalar, as written; false (reported) for a list or mapping.
func (d *Decoder) scalar(path string, n ast.Node) (string, bool) {
	s, ok := yamlast.ScalarText(n)
	if !ok {
		d.Fail(n, path, fmt.Sprintf("want a string, not %s", yamlast.Describe(n)))
	}
	return s, ok
}

// Number reads a finite number.
func (d *Decoder) Number(path string, n ast.Node) (float64, bool) {
	if n = d.Present(path, n); n == nil {
		return 0, false
	}
	return d.number(path, n)
}

func (d *Decoder) number(path string, n ast.Node) (float64, bool) {
	x, ok := yamlast.NumberValue(n)
	if !ok {
		d.Fail(n, path, fmt.Sprintf("want a number, not %s", yamlast.Describe(n)))
		return 0, false
	}
	if math.IsInf(x, 0) || math.IsNaN(x) {
		d.Fail(n, path, "want a finite number")
		return 0, false
	}
	return x, true
}

// List reads a sequence.
func (d *Decoder) List(path string, n ast.Node) ([]ast.Node, bool) {
	if n = d.Present(path, n); n == nil {
		return nil, false
	}
	return d.list(path, n)
}

func (d *Decoder) list(path string, n ast.Node) ([]ast.Node, bool) {
	seq, ok := n.(*ast.SequenceNode)
	if !ok {
		d.Fail(n, path, fmt.Sprintf("want a list, not %s%s", yamlast.Describe(n), ListHint(n)))
		return nil, false
	}
	return seq.Values, true
}

// ListHint shows how a single value is written as a list of one, " (write [x])", for
// a value short enough to repeat on the error's line; "" for others.
func ListHint(n ast.Node) string {
	text, ok := yamlast.ScalarText(n)
	if !ok || text == "" || strings.ContainsAny(text, "\r\n") || utf8.RuneCountInString(text) > 60 {
		return ""
	}
	return fmt.Sprintf(" (write [%s])", text)
}
