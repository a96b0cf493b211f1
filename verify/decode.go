package verify

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml/ast"

	"streambench/bench"
	"streambench/internal/yamlast"
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
	case *ast.MappingNode:
		if !m.IsFlowStyle && len(m.Values) > 0 {
			return place(m.Values[0].Key)
		}
	case *ast.MappingValueNode:
		return place(m.Key)
	}
	return yamlast.Pos(n)
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
	file, err := yamlast.Parse(data)
	if err != nil {
		msg, line, col := yamlast.SyntaxError(err)
		d.errs = append(d.errs, bench.FieldError{File: d.file, Line: line, Column: col, Msg: "YAML: " + msg})
		return nil
	}
	body, more := yamlast.Body(file)
	for _, doc := range more {
		d.errorAt(doc.Body, "", fmt.Sprintf("a %s holds one YAML document; this is a second one", what))
	}
	if body == nil {
		d.errorAt(nil, "", fmt.Sprintf("empty %s", what))
		return nil
	}
	if _, ok := yamlast.Entries(body); !ok {
		d.errorAt(body, "", fmt.Sprintf("a %s is a mapping of fields, not %s", what, yamlast.Describe(body)))
		return nil
	}
	return body
}

// fields checks that n is a mapping whose keys are all among known, each once, and
// returns its values by key; false (reported) when n is not a mapping.
func (d *decoder) fields(path string, n ast.Node, known ...string) (map[string]ast.Node, bool) {
	n = d.present(path, n)
	values, ok := yamlast.Entries(n)
	if !ok {
		if n != nil {
			d.errorAt(n, path, fmt.Sprintf("want a mapping of fields (%s), not %s", strings.Join(known, ", "), yamlast.Describe(n)))
		}
		return nil, false
	}
	out := map[string]ast.Node{}
	firstLine := map[string]int{}
	for _, mv := range values {
		key, ok := yamlast.ScalarText(d.plain(path, mv.Key))
		if !ok {
			d.errorAt(mv.Key, path, fmt.Sprintf("a key must be a plain name, not %s", yamlast.Describe(mv.Key)))
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
		if yamlast.IsNull(mv.Value) {
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
