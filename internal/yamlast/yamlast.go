// Package yamlast holds the small helpers of the strict YAML decoder
// (internal/strictyaml) for reading github.com/goccy/go-yaml's syntax tree: parsing
// without panics, the place, text and value of a node, and the words that name a node
// in "want X, not Y" messages.
package yamlast

import (
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/scanner"
	"github.com/goccy/go-yaml/token"
)

// Limits of what Parse hands to the parser. goccy/go-yaml's parser takes time that
// grows with the square (or worse) of the number of entries of one mapping, of
// documents, and of levels of nesting written on one line (`[[[[`, `- - - -`): a
// megabyte of `x: 1` lines takes minutes. The files these loaders read are a few
// hundred tokens, nested a few levels, so the limits only ever stop hostile or broken
// input, in milliseconds.
const (
	// MaxTokens bounds the tokens of a file (keys, values, punctuation; not comments).
	MaxTokens = 10_000
	// MaxDepth bounds the nesting of flow collections plus the block entries that one
	// line opens.
	MaxDepth = 100
)

// Parse runs the parser, turning a panic on hostile input into an error: a loader must
// answer every file with a message. Duplicate keys are let through so that decoding
// goes on; the loaders report them themselves, together with every other problem. A
// file beyond MaxTokens or MaxDepth is refused before parsing, with the place where it
// crossed the limit.
func Parse(data []byte) (file *ast.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			file, err = nil, fmt.Errorf("the parser failed on this input (%v)", r)
		}
	}()
	tokens, err := tokenize(string(data))
	if err != nil {
		return nil, err
	}
	file, err = parser.Parse(tokens, 0, parser.AllowDuplicateMapKey())
	if err != nil {
		return nil, err
	}
	if tk := lostDocument(file, tokens); tk != nil {
		return nil, &placedError{tk, "a document follows an empty one (--- with nothing under it), and the parser would drop it: remove the empty one"}
	}
	return file, nil
}

// lostDocument finds a document start (---) that has no document in file: the parser
// silently drops whatever follows an empty document, and a loader must not take a file
// for less than it holds.
func lostDocument(file *ast.File, tokens token.Tokens) *token.Token {
	type place struct{ line, col int }
	starts := map[place]bool{}
	for _, doc := range file.Docs {
		if doc != nil && doc.Start != nil && doc.Start.Position != nil {
			starts[place{doc.Start.Position.Line, doc.Start.Position.Column}] = true
		}
	}
	for _, tk := range tokens {
		if tk.Type == token.DocumentHeaderType && tk.Position != nil && !starts[place{tk.Position.Line, tk.Position.Column}] {
			return tk
		}
	}
	return nil
}

// placedError is a file refused by Parse itself; it has the methods SyntaxError looks
// for, so that it is reported at its place like the parser's own errors.
type placedError struct {
	tk  *token.Token
	msg string
}

func (e *placedError) Error() string {
	return fmt.Sprintf("[%d:%d] %s", e.tk.Position.Line, e.tk.Position.Column, e.msg)
}

func (e *placedError) GetToken() *token.Token { return e.tk }
func (e *placedError) GetMessage() string     { return e.msg }

// tokenize scans src as lexer.Tokenize does, but stops at the first token past
// MaxTokens or MaxDepth, so that the parser never sees such a file and the scanner
// does not go on through the rest of it.
func tokenize(src string) (token.Tokens, error) {
	var s scanner.Scanner
	s.Init(src)
	var tokens token.Tokens
	count, flow, line, onLine := 0, 0, 0, 0
	for {
		batch, err := s.Scan()
		if err == io.EOF {
			return tokens, nil
		}
		for _, tk := range batch {
			tokens.Add(tk)
			if tk.Type == token.CommentType || tk.Position == nil {
				continue
			}
			if count++; count > MaxTokens {
				return nil, &placedError{tk, fmt.Sprintf("more than %d tokens (keys, values and punctuation): far larger than such a file should be", MaxTokens)}
			}
			if tk.Position.Line != line {
				line, onLine = tk.Position.Line, 0
			}
			switch tk.Type {
			case token.SequenceStartType, token.MappingStartType:
				flow++
			case token.SequenceEndType, token.MappingEndType:
				flow = max(flow-1, 0)
			case token.SequenceEntryType, token.MappingKeyType:
				onLine++
			}
			if flow+onLine > MaxDepth {
				return nil, &placedError{tk, fmt.Sprintf("nested more than %d levels deep", MaxDepth)}
			}
		}
	}
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
		case doc.Body.Type() == ast.DirectiveType:
			// The parser makes a document of `%YAML 1.2` before `---`: it has no content.
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

// IntValue is an integer node's value when it fits an int64.
func IntValue(n *ast.IntegerNode) (int64, bool) {
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

// Numbers that the parser leaves as plain strings: integers beyond 64 bits, and
// exponents without a decimal point (1e30).
var (
	bigInteger  = regexp.MustCompile(`^[-+]?(0x[0-9a-fA-F_]+|0o[0-7_]+|0b[01_]+|[0-9][0-9_]*)$`)
	plainNumber = regexp.MustCompile(`^[-+]?([0-9][0-9_]*(\.[0-9_]*)?|\.[0-9][0-9_]*)([eE][-+]?[0-9]+)?$`)
)

// plainText is the text of an unquoted string node.
func plainText(n ast.Node) (string, bool) {
	s, ok := n.(*ast.StringNode)
	if !ok || s.Token == nil || s.Token.Type != token.StringType {
		return "", false
	}
	return s.Value, true
}

// BigInteger is the text of an unquoted whole number too large for 64 bits, which the
// parser gives as a string: a loader says it is out of range, not that it is text.
func BigInteger(n ast.Node) (string, bool) {
	text, ok := plainText(n)
	return text, ok && bigInteger.MatchString(text)
}

// Describe names what a node is, for "want X, not Y" messages: `the string "x"`,
// "the number 5", "an empty value", "a list", "a mapping" and so on.
func Describe(n ast.Node) string {
	if text, ok := plainText(n); ok && (bigInteger.MatchString(text) || plainNumber.MatchString(text)) {
		return "the number " + text
	}
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
	what := strings.ToLower(n.Type().String())
	if what == "" || strings.ContainsRune("aeiou", rune(what[0])) {
		return strings.TrimSpace("an " + what)
	}
	return "a " + what
}
