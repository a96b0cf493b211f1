package verify

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"streambench/bench"
)

// maxFileSize bounds what the loaders read: claims and prices files are a few
// screenfuls, so anything much larger is the wrong file.
const maxFileSize = 1 << 20

// decoder reads one YAML file strictly, collecting every problem as a bench.FieldError
// (the scenario loader's error type, so that the CLI prints both alike) instead of
// stopping at the first.
type decoder struct {
	file string
	errs bench.Errors
	// pricesGiven says whether the claims file names a prices file, which its cost
	// metrics need.
	pricesGiven bool
}

// errorAt reports a problem at n, or at the start of the file when n has no place.
func (d *decoder) errorAt(n ast.Node, path, msg string) {
	line, col := place(n)
	d.errs = append(d.errs, bench.FieldError{File: d.file, Line: line, Column: col, Field: path, Msg: msg})
}

// failedAt says whether a problem was reported at path.
func (d *decoder) failedAt(path string) bool {
	return slices.ContainsFunc(d.errs, func(e bench.FieldError) bool { return e.Field == path })
}

// place is where n starts, 1-based; 0, 0 for nothing. A block mapping's own token is
// the colon of its first entry, so a mapping is placed at its first key instead.
func place(n ast.Node) (line, col int) {
	switch m := n.(type) {
	case nil:
		return 0, 0
	case *ast.MappingNode:
		if !m.IsFlowStyle && len(m.Values) > 0 {
			return place(m.Values[0].Key)
		}
	case *ast.MappingValueNode:
		return place(m.Key)
	}
	if tk := n.GetToken(); tk != nil && tk.Position != nil {
		return tk.Position.Line, tk.Position.Column
	}
	return 0, 0
}

// read parses the file and returns its one document's body, a mapping; nil (reported)
// when there is none.
func (d *decoder) read(what string) ast.Node {
	data, err := os.ReadFile(d.file)
	if err != nil {
		d.errs = append(d.errs, bench.FieldError{File: d.file, Msg: fmt.Sprintf("reading %s: %v", what, unwrapPath(err))})
		return nil
	}
	if len(data) > maxFileSize {
		d.errorAt(nil, "", fmt.Sprintf("%d bytes is too large for a %s (at most %d)", len(data), what, maxFileSize))
		return nil
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		d.errorAt(nil, "", fmt.Sprintf("not UTF-8: a %s must be a YAML text file", what))
		return nil
	}
	file, err := parse(data)
	if err != nil {
		var ye interface {
			GetToken() *token.Token
			GetMessage() string
		}
		if errors.As(err, &ye) {
			d.errs = append(d.errs, bench.FieldError{File: d.file, Msg: "YAML: " + ye.GetMessage()})
			if tk := ye.GetToken(); tk != nil && tk.Position != nil {
				d.errs[len(d.errs)-1].Line, d.errs[len(d.errs)-1].Column = tk.Position.Line, tk.Position.Column
			}
		} else {
			d.errorAt(nil, "", "YAML: "+err.Error())
		}
		return nil
	}
	var body ast.Node
	for _, doc := range file.Docs {
		switch {
		case doc == nil || doc.Body == nil:
		case body == nil:
			body = doc.Body
		default:
			d.errorAt(doc.Body, "", fmt.Sprintf("a %s holds one YAML document; this is a second one", what))
		}
	}
	if body == nil {
		d.errorAt(nil, "", fmt.Sprintf("empty %s", what))
		return nil
	}
	if _, ok := entries(body); !ok {
		d.errorAt(body, "", fmt.Sprintf("a %s is a mapping of fields, not %s", what, describe(body)))
		return nil
	}
	return body
}

// parse runs the parser, turning a panic on hostile input into an error.
func parse(data []byte) (file *ast.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			file, err = nil, fmt.Errorf("the parser failed on this input (%v)", r)
		}
	}()
	// Duplicate keys are reported by fields, with the other problems.
	return parser.ParseBytes(data, 0, parser.AllowDuplicateMapKey())
}

func entries(n ast.Node) ([]*ast.MappingValueNode, bool) {
	switch n := n.(type) {
	case *ast.MappingNode:
		return n.Values, true
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{n}, true
	}
	return nil, false
}

// fields checks that n is a mapping whose keys are all among known, each once, and
// returns its values by key; false (reported) when n is not a mapping.
func (d *decoder) fields(path string, n ast.Node, known ...string) (map[string]ast.Node, bool) {
	n = d.present(path, n)
	values, ok := entries(n)
	if !ok {
		if n != nil {
			d.errorAt(n, path, fmt.Sprintf("want a mapping of fields (%s), not %s", strings.Join(known, ", "), describe(n)))
		}
		return nil, false
	}
	out := map[string]ast.Node{}
	firstLine := map[string]int{}
	for _, mv := range values {
		key, ok := scalarText(d.plain(path, mv.Key))
		if !ok {
			d.errorAt(mv.Key, path, fmt.Sprintf("a key must be a plain name, not %s", describe(mv.Key)))
			continue
		}
		at := join(path, key)
		if line, dup := firstLine[key]; dup {
			d.errorAt(mv.Key, at, fmt.Sprintf("duplicate key (first given at line %d)", line))
			continue
		}
		firstLine[key], _ = place(mv.Key)
		if !slices.Contains(known, key) {
			d.errorAt(mv.Key, at, "unknown field ("+bench.Hint(key, known)+")")
			continue
		}
		out[key] = mv.Value
		if isNull(mv.Value) {
			out[key] = &ast.NullNode{BaseNode: &ast.BaseNode{}, Token: mv.Key.GetToken()}
		}
	}
	return out, true
}

// required reports a missing field of the mapping at n, pointing at the mapping.
func (d *decoder) required(fields map[string]ast.Node, n ast.Node, path, key, what string) (ast.Node, bool) {
	v, ok := fields[key]
	if !ok {
		d.errorAt(n, join(path, key), "required: "+what)
	}
	return v, ok
}
