package strictyaml

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml/ast"

	"streambench/internal/yamlast"
)

// Kind is the sort of file a decoder reads, as its messages name it.
type Kind struct {
	// Name is what the file is ("scenario", "claims file"), File what it is called
	// when it is the file that is meant ("scenario file"); File defaults to Name.
	Name, File string
	// Empty is the message for a file with no document; "empty <Name>" when "".
	Empty string
	// Example shows a mapping's first fields, " (name: …, targets: …)", for the
	// message of a file that is not a mapping.
	Example string
	// MaxSize bounds what is read: a larger file is the wrong file.
	MaxSize int
}

// Document checks that data is one YAML document, a text file with neither anchors
// nor aliases, whose body is a mapping, and returns that body; nil (reported) when
// there is none to decode, so that the rules of its fields would only add noise.
func (d *Decoder) Document(data []byte, k Kind) ast.Node {
	if k.File == "" {
		k.File = k.Name
	}
	if k.Empty == "" {
		k.Empty = "empty " + k.Name
	}
	if len(data) > k.MaxSize {
		d.ErrorAt(Pos{}, "", fmt.Sprintf("%d bytes is too large for a %s (at most %d)", len(data), k.Name, k.MaxSize))
		return nil
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a byte-order mark some editors add
	if p, msg := checkText(data, k.Name); msg != "" {
		d.ErrorAt(p, "", msg)
		return nil
	}
	file, err := yamlast.Parse(data)
	if err != nil {
		msg, line, col := yamlast.SyntaxError(err)
		if strings.Contains(msg, "'\t'") {
			msg = "tab character: YAML is indented with spaces only"
		}
		d.ErrorAt(Pos{line, col}, "", "YAML: "+msg)
		return nil
	}

	body, more := yamlast.Body(file)
	for _, doc := range more {
		p := PosOf(doc.Body)
		if doc.Start != nil && doc.Start.Position != nil {
			p = Pos{doc.Start.Position.Line, doc.Start.Position.Column}
		}
		d.ErrorAt(p, "", fmt.Sprintf("a %s holds one YAML document; this is a second one", k.File))
	}
	if body == nil {
		d.ErrorAt(Pos{}, "", k.Empty)
		return nil
	}
	// Anchors and aliases are refused wherever they are, before anything is decoded: a
	// file built on them (an alias bomb) is then told that rule first, rather than
	// whatever else is wrong where the aliases point, such as an unknown field.
	if d.references("", body) {
		return nil
	}
	// A tag on the whole document is reported as on any value.
	body, ok := d.Plain("", body)
	if !ok {
		return nil
	}
	if _, ok := yamlast.Entries(body); !ok {
		d.ErrorAt(PosOf(body), "", fmt.Sprintf("a %s is a mapping of fields%s, not %s", k.Name, k.Example, yamlast.Describe(body)))
		return nil
	}
	return body
}

// checkText finds the first byte that cannot be in a YAML text file: invalid UTF-8 or a
// control character. The parser takes such bytes as part of a plain string, so a binary
// file would otherwise be reported as a misshapen one.
func checkText(data []byte, what string) (Pos, string) {
	p := Pos{1, 1}
	for len(data) > 0 {
		r, size := utf8.DecodeRune(data)
		switch {
		case r == utf8.RuneError && size == 1:
			return p, fmt.Sprintf("invalid UTF-8 (byte 0x%02x): a %s must be a YAML text file", data[0], what)
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r', r == 0x7f:
			return p, fmt.Sprintf("control character U+%04X: a %s must be a YAML text file", r, what)
		case r == '\ufeff':
			// Invisible, and the parser takes it as part of a name: "unknown field
			// "duration"" would baffle anyone.
			return p, "byte-order mark (U+FEFF) inside the file, where it cannot be seen: delete it"
		}
		if r == '\n' {
			p.Line, p.Col = p.Line+1, 1
		} else {
			p.Col++
		}
		data = data[size:]
	}
	return Pos{}, ""
}

// references reports every anchor and merge key (which needs an alias) in n, and each
// alias name once, at its first use, with the path where it is; it says whether there
// was any. It expands nothing.
func (d *Decoder) references(path string, n ast.Node) bool {
	r := refs{d: d, aliases: map[string]int{}}
	r.walk(path, n)
	for _, a := range r.first {
		msg := aliasMsg(a.node)
		if uses := r.aliases[aliasName(a.node)]; uses > 1 {
			msg = fmt.Sprintf("aliases (*%s, used %d times) are not supported: write the value out in full", aliasName(a.node), uses)
		}
		d.Report(a.node, a.path, msg)
	}
	if r.found {
		for i, t := range r.tags {
			d.Report(t, r.tagPaths[i], tagMsg(t))
		}
	}
	return r.found
}

// refs is the walk of Decoder.references.
type refs struct {
	d       *Decoder
	found   bool
	aliases map[string]int // uses of each alias name
	// tags and where they are, reported only along with the anchors and aliases (the
	// decoding that reports them otherwise does not happen then)
	tags     []*ast.TagNode
	tagPaths []string
	first    []struct {
		path string
		node *ast.AliasNode
	}
}

func (r *refs) alias(path string, a *ast.AliasNode) {
	r.found = true
	name := aliasName(a)
	if r.aliases[name] == 0 {
		r.first = append(r.first, struct {
			path string
			node *ast.AliasNode
		}{path, a})
	}
	r.aliases[name]++
}

func (r *refs) walk(path string, n ast.Node) {
	switch n := n.(type) {
	case *ast.AnchorNode:
		r.d.Report(n, path, anchorMsg(n))
		r.found = true
		r.walk(path, n.Value)
		return
	case *ast.AliasNode:
		r.alias(path, n)
		return
	case *ast.TagNode:
		r.tags = append(r.tags, n)
		r.tagPaths = append(r.tagPaths, path)
		r.walk(path, n.Value)
		return
	case *ast.SequenceNode:
		for i, v := range n.Values {
			r.walk(fmt.Sprintf("%s[%d]", path, i), v)
		}
		return
	}
	entries, _ := yamlast.Entries(n)
	for _, mv := range entries {
		if mv == nil {
			continue
		}
		var key ast.Node = mv.Key
		if a, ok := key.(*ast.AnchorNode); ok {
			r.d.Report(a, path, anchorMsg(a))
			r.found, key = true, a.Value
		}
		switch k := key.(type) {
		case *ast.AliasNode:
			r.alias(path, k)
		case *ast.MergeKeyNode:
			// Its value is the alias it merges: one message says it all.
			r.d.Report(k, path, mergeMsg)
			r.found = true
			continue
		}
		name, _ := yamlast.ScalarText(key)
		r.walk(Join(path, shorten(name)), mv.Value)
	}
}

const mergeMsg = "merge keys (<<) are not supported: write the fields out in full"

func anchorMsg(a *ast.AnchorNode) string {
	name := ""
	if a.Name != nil {
		name = a.Name.String()
	}
	return fmt.Sprintf("anchors (&%s) are not supported: write every value out in full", name)
}

func aliasMsg(a *ast.AliasNode) string {
	return fmt.Sprintf("aliases (*%s) are not supported: write the value out in full", aliasName(a))
}

func tagMsg(t *ast.TagNode) string {
	tag := ""
	if t.Start != nil {
		tag = t.Start.Value
	}
	return fmt.Sprintf("tags (%s) are not supported: write the plain value", tag)
}

func aliasName(a *ast.AliasNode) string {
	if a.Value == nil {
		return ""
	}
	return a.Value.String()
}
