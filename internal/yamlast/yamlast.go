// Package yamlast holds the small helpers that the strict YAML loaders (scenarios in
// bench, claims and prices in verify) share for reading github.com/goccy/go-yaml's
// syntax tree: parsing without panics, the place and text of a node, and the words
// that name a node in "want X, not Y" messages.
package yamlast

import (
	"errors"
	"fmt"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// Parse runs the parser, turning a panic on hostile input into an error: a loader must
// answer every file with a message. Duplicate keys are let through so that decoding
// goes on; the loaders report them themselves, together with every other problem.
func Parse(data []byte) (file *ast.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			file, err = nil, fmt.Errorf("the parser failed on this input (%v)", r)
		}
	}()
	return parser.ParseBytes(data, 0, parser.AllowDuplicateMapKey())
}

// SyntaxError splits an error of Parse into the parser's own message, without its
// excerpt of the source, and the place it points at (1-based). An error that names no
// place, such as a recovered panic, gives its whole text and 0, 0.
func SyntaxError(err error) (msg string, line, col int) {
	var ye interface {
		GetToken() *token.Token
		GetMessage() string
	}
	if !errors.As(err, &ye) {
		return err.Error(), 0, 0
	}
	if tk := ye.GetToken(); tk != nil && tk.Position != nil {
		line, col = tk.Position.Line, tk.Position.Column
	}
	return ye.GetMessage(), line, col
}

// Body returns the body of the file's first document that has one, and the later
// documents with a body: a file that should hold one document reports each of those.
// body is nil when every document is empty.
func Body(file *ast.File) (body ast.Node, more []*ast.DocumentNode) {
	for _, doc := range file.Docs {
		switch {
		case doc == nil || doc.Body == nil:
		case body == nil:
			body = doc.Body
		default:
			more = append(more, doc)
		}
	}
	return body, more
}

// Pos is where n's token is, 1-based; 0, 0 for nil or a node without a place.
func Pos(n ast.Node) (line, col int) {
	if n == nil {
		return 0, 0
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return 0, 0
	}
	return tk.Position.Line, tk.Position.Column
}

// Entries returns the entries of a mapping node, block or flow, and false for any
// other node. A mapping of one entry may come as a lone *ast.MappingValueNode.
func Entries(n ast.Node) ([]*ast.MappingValueNode, bool) {
	switch n := n.(type) {
	case *ast.MappingNode:
		return n.Values, true
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{n}, true
	}
	return nil, false
}

// IsNull says whether n is an empty value: nil, or null, ~ or nothing written.
func IsNull(n ast.Node) bool {
	_, ok := n.(*ast.NullNode)
	return n == nil || ok
}

// StringValue is the text of a string node, quoted or not, or of a block literal.
func StringValue(n ast.Node) (string, bool) {
	switch n := n.(type) {
	case *ast.StringNode:
		return n.Value, true
	case *ast.LiteralNode:
		if n.Value == nil {
			return "", true
		}
		return n.Value.Value, true
	}
	return "", false
}

// ScalarText is the text of any scalar but null, as written: `acks: 1` gives "1", so a
// string field accepts a value that looks like a number or a boolean.
func ScalarText(n ast.Node) (string, bool) {
	if s, ok := StringValue(n); ok {
		return s, true
	}
	switch n.(type) {
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		if tk := n.GetToken(); tk != nil {
			return tk.Value, true
		}
	}
	return "", false
}

// NumberValue is the value of an integer or float node. Infinity and NaN are not
// numbers here: no field of a loader wants them.
func NumberValue(n ast.Node) (float64, bool) {
	switch n := n.(type) {
	case *ast.IntegerNode:
		switch x := n.Value.(type) {
		case int64:
			return float64(x), true
		case uint64:
			return float64(x), true
		}
	case *ast.FloatNode:
		return n.Value, true
	}
	return 0, false
}

// Describe names what a node is, for "want X, not Y" messages: `the string "x"`,
// "the number 5", "an empty value", "a list", "a mapping" and so on.
func Describe(n ast.Node) string {
	if s, ok := StringValue(n); ok {
		return fmt.Sprintf("the string %q", s)
	}
	switch n := n.(type) {
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
