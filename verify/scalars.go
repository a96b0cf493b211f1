package verify

import (
	"fmt"
	"math"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"streambench/internal/yamlast"
)

// present is n without an anchor, or nil (reported) when n is empty or unreadable.
func (d *decoder) present(path string, n ast.Node) ast.Node {
	n = d.plain(path, n)
	if n != nil && yamlast.IsNull(n) {
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
	s, ok := yamlast.ScalarText(n)
	switch {
	case !ok:
		d.errorAt(n, path, fmt.Sprintf("want a string, not %s", yamlast.Describe(n)))
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
	x, ok := yamlast.NumberValue(n)
	if !ok {
		d.errorAt(n, path, fmt.Sprintf("want a number, not %s", yamlast.Describe(n)))
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
		msg := fmt.Sprintf("want a list, not %s", yamlast.Describe(n))
		if s, ok := yamlast.ScalarText(n); ok {
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
