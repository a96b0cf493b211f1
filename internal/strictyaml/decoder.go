// Package strictyaml is the one strict decoder of the project's YAML files (scenarios
// in bench, claims and prices files in verify), over github.com/goccy/go-yaml's syntax
// tree. It refuses anchors, aliases, merge keys and tags, unknown and duplicate keys,
// and values of the wrong kind, and collects every problem as a FieldError
// (file:line:col, the field's path, a message) instead of stopping at the first.
//
// A Decoder decodes in two ways that share their rules and their words: reflectively,
// onto a struct whose fields are named by their yaml tags (Value, Mapping), where value
// types read themselves (NodeDecoder, encoding.TextUnmarshaler); and node by node,
// for files whose rules are more than their types (Fields, Required, Text, Number,
// List).
package strictyaml

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml/ast"

	"streambench/internal/yamlast"
)

// Decoder reads one file strictly, collecting its problems in Errs.
type Decoder struct {
	File string
	Errs Errors
	// Hook, when set, decodes a value whose type needs more than its own node (a
	// mapping decoded in two steps, a value decoded once the rest of the file is known);
	// it reports whether it did. Value calls it for every value, once anchors and tags
	// are dealt with.
	Hook func(path string, n ast.Node, v reflect.Value) bool
	// Scalar, when set, finds the NodeDecoder of a value type that cannot have the
	// method itself (a type of another package); nil for other values.
	Scalar func(v reflect.Value) NodeDecoder

	// pos is where each field path was written: the value for scalars and lists, the
	// key for mappings and missing values.
	pos map[string]Pos
	// failed holds the paths whose value did not decode; rules checked on them (and
	// below them) later would only repeat the problem.
	failed map[string]bool
}

// New returns a decoder of the file named file (in messages).
func New(file string) *Decoder {
	return &Decoder{File: file, pos: map[string]Pos{}, failed: map[string]bool{}}
}

// Pos is a place in the file, 1-based; the zero value means none.
type Pos struct{ Line, Col int }

// PosOf is where n starts; none for nil. A block mapping's own token is the colon of its
// first entry, so a mapping is placed at its first key instead.
func PosOf(n ast.Node) Pos {
	switch m := n.(type) {
	case *ast.MappingNode:
		if !m.IsFlowStyle && len(m.Values) > 0 && m.Values[0] != nil {
			return PosOf(m.Values[0].Key)
		}
	case *ast.MappingValueNode:
		return PosOf(m.Key)
	}
	line, col := yamlast.Pos(n)
	return Pos{line, col}
}

// ErrorAt reports a problem at p under path.
func (d *Decoder) ErrorAt(p Pos, path, msg string) {
	d.Errs = append(d.Errs, FieldError{File: d.File, Line: p.Line, Column: p.Col, Field: path, Msg: msg})
}

// Report reports a problem at node n under path.
func (d *Decoder) Report(n ast.Node, path, msg string) { d.ErrorAt(PosOf(n), path, msg) }

// Fail reports a value n that could not be decoded, and marks path as failed.
func (d *Decoder) Fail(n ast.Node, path, msg string) {
	d.MarkFailed(path)
	d.Report(n, path, msg)
}

// MarkFailed marks path as a value whose problem is reported.
func (d *Decoder) MarkFailed(path string) { d.failed[path] = true }

// FailedAt says whether path, or a field it is inside, did not decode.
func (d *Decoder) FailedAt(path string) bool {
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

// Written is where the field at path was written, and whether it was.
func (d *Decoder) Written(path string) (Pos, bool) {
	p, ok := d.pos[path]
	return p, ok
}

// SetPos records that the field at path was written at p.
func (d *Decoder) SetPos(path string, p Pos) { d.pos[path] = p }

// Lookup finds where path was written, or failing that the nearest enclosing field
// (so that a complaint about a default kept inside a block points at the block).
func (d *Decoder) Lookup(path string) Pos {
	for {
		if p, ok := d.pos[path]; ok {
			return p
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			return Pos{}
		}
		path = path[:i]
	}
}

// Join is the path of the field key inside the field at path.
func Join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// Plain strips an anchor from n, reporting it; false (reported) for an alias or a tag,
// which leave nothing to decode.
func (d *Decoder) Plain(path string, n ast.Node) (ast.Node, bool) {
	switch a := n.(type) {
	case *ast.AnchorNode:
		d.Report(a, path, anchorMsg(a))
		return a.Value, true
	case *ast.AliasNode:
		d.Fail(a, path, aliasMsg(a))
		return nil, false
	case *ast.TagNode:
		d.Fail(a, path, tagMsg(a))
		return nil, false
	}
	return n, true
}

// Key returns a mapping key's name; false (reported) for keys that are not plain names.
func (d *Decoder) Key(path string, k ast.MapKeyNode) (string, bool) {
	var n ast.Node = k
	if a, ok := n.(*ast.AnchorNode); ok {
		d.Report(a, path, anchorMsg(a))
		n = a.Value
	}
	switch k := n.(type) {
	case *ast.StringNode:
		return k.Value, true
	case *ast.MergeKeyNode:
		d.Report(k, path, mergeMsg)
	case *ast.AliasNode:
		d.Report(k, path, aliasMsg(k))
	case *ast.MappingKeyNode:
		d.Report(k, path, "complex keys (?) are not supported: write name: value")
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.NullNode, *ast.InfinityNode, *ast.NanNode:
		return k.GetToken().Value, true
	default:
		d.Report(n, path, fmt.Sprintf("a key must be a plain name, not %s", yamlast.Describe(n)))
	}
	return "", false
}

// entries calls each for every entry of the mapping n whose key is among known, in
// the file's order, after reporting keys that are not plain names, duplicates (whose
// value is still decoded: the last one stands) and unknown fields.
func (d *Decoder) entries(path string, n ast.Node, known []string, each func(name string, mv *ast.MappingValueNode)) {
	values, _ := yamlast.Entries(n)
	seen := map[string]Pos{}
	for _, mv := range values {
		if mv == nil {
			continue
		}
		name, ok := d.Key(path, mv.Key)
		if !ok {
			continue
		}
		keyPos := PosOf(mv.Key)
		if first, dup := seen[name]; dup {
			d.ErrorAt(keyPos, Join(path, shorten(name)), fmt.Sprintf("duplicate key (first given at line %d)", first.Line))
		} else {
			seen[name] = keyPos
		}
		if !slices.Contains(known, name) {
			d.ErrorAt(keyPos, Join(path, shorten(name)), "unknown field ("+Hint(name, known)+")")
			continue
		}
		d.pos[Join(path, name)] = keyPos
		each(name, mv)
	}
}

// Fields checks that n is a mapping whose keys are all among known, each once, and
// returns its values by key; false (reported) when n is not a mapping. An empty value
// is given as a null node at its key, where "missing value" points.
func (d *Decoder) Fields(path string, n ast.Node, known ...string) (map[string]ast.Node, bool) {
	n = d.Present(path, n)
	if n == nil {
		return nil, false
	}
	if _, ok := yamlast.Entries(n); !ok {
		d.Fail(n, path, wantMapping(n, known))
		return nil, false
	}
	out := map[string]ast.Node{}
	d.entries(path, n, known, func(name string, mv *ast.MappingValueNode) {
		out[name] = mv.Value
		if yamlast.IsNull(mv.Value) {
			out[name] = &ast.NullNode{BaseNode: &ast.BaseNode{}, Token: mv.Key.GetToken()}
		}
	})
	return out, true
}

// Required is the value of key among the fields of the mapping n (at path), reporting
// it as required, with what it is, when it is missing.
func (d *Decoder) Required(fields map[string]ast.Node, n ast.Node, path, key, what string) (ast.Node, bool) {
	v, ok := fields[key]
	if !ok {
		d.Report(n, Join(path, key), "required: "+what)
	}
	return v, ok
}

// wantMapping is the message for a value n where a mapping is wanted; known, when
// given, are the fields it takes.
func wantMapping(n ast.Node, known []string) string {
	fields := ""
	if len(known) > 0 {
		fields = " (" + strings.Join(known, ", ") + ")"
	}
	return fmt.Sprintf("want a mapping of fields%s, not %s", fields, yamlast.Describe(n))
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
