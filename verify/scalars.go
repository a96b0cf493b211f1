package verify

import (
	"fmt"
	"math"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// present is n without an anchor, or nil (reported) when n is empty or unreadable.
func (d *decoder) present(path string, n ast.Node) ast.Node {
	n = d.plain(path, n)
	if n != nil && isNull(n) {
		d.errorAt(n, path, "missing value")
		return nil
	}
	return n
}

// plain strips an anchor, reporting it; aliases and tags, which leave nothing to read,
// are reported and read as nothing.
func (d *decoder) plain(path string, n ast.Node) ast.Node {
	switch a := n.(type) {
	case *ast.AnchorNode:
		d.errorAt(a, path, "anchors are not supported: write every value out in full")
		return a.Value
	case *ast.AliasNode:
		d.errorAt(a, path, "aliases are not supported: write the value out in full")
		return nil
	case *ast.TagNode:
		d.errorAt(a, path, "tags are not supported: write the plain value")
		return nil
	}
	return n
}

// text reads a non-empty string. Numbers and booleans are taken as written, since a
// value such as a target name or a sweep value may look like one.
func (d *decoder) text(path string, n ast.Node) (string, bool) {
	if n = d.present(path, n); n == nil {
		return "", false
	}
	s, ok := scalarText(n)
	switch {
	case !ok:
		d.errorAt(n, path, fmt.Sprintf("want a string, not %s", describe(n)))
	case strings.TrimSpace(s) == "":
		d.errorAt(n, path, "missing value")
		ok = false
	}
	return s, ok
}

// number reads a finite number.
func (d *decoder) number(path string, n ast.Node) (float64, bool) {
	if n = d.present(path, n); n == nil {
		return 0, false
	}
	var x float64
	switch v := n.(type) {
	case *ast.IntegerNode:
		switch i := v.Value.(type) {
		case int64:
			x = float64(i)
		case uint64:
			x = float64(i)
		}
	case *ast.FloatNode:
		x = v.Value
	default:
		d.errorAt(n, path, fmt.Sprintf("want a number, not %s", describe(n)))
		return 0, false
	}
	if math.IsInf(x, 0) || math.IsNaN(x) {
		d.errorAt(n, path, "want a finite number")
		return 0, false
	}
	return x, true
}

// list reads a sequence.
func (d *decoder) list(path string, n ast.Node) ([]ast.Node, bool) {
	if n = d.present(path, n); n == nil {
		return nil, false
	}
	seq, ok := n.(*ast.SequenceNode)
	if !ok {
		msg := fmt.Sprintf("want a list, not %s", describe(n))
		if s, ok := scalarText(n); ok {
			msg += fmt.Sprintf(" (write [%s])", s)
		}
		d.errorAt(n, path, msg)
		return nil, false
	}
	return seq.Values, true
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func isNull(n ast.Node) bool {
	_, ok := n.(*ast.NullNode)
	return n == nil || ok
}

// scalarText is the text of any scalar, as written.
func scalarText(n ast.Node) (string, bool) {
	switch n := n.(type) {
	case *ast.StringNode:
		return n.Value, true
	case *ast.LiteralNode:
		if n.Value == nil {
			return "", true
		}
		return n.Value.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		if tk := n.GetToken(); tk != nil {
			return tk.Value, true
		}
	}
	return "", false
}

// describe names what a node is, for "want X, not Y" messages.
func describe(n ast.Node) string {
	switch n := n.(type) {
	case *ast.StringNode, *ast.LiteralNode:
		s, _ := scalarText(n)
		return fmt.Sprintf("the string %q", s)
	case nil, *ast.NullNode:
		return "an empty value"
	case *ast.IntegerNode, *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		return "the number " + n.GetToken().Value
	case *ast.BoolNode:
		return "the boolean " + n.GetToken().Value
	case *ast.SequenceNode:
		return "a list"
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	}
	return "a " + strings.ToLower(n.Type().String())
}
