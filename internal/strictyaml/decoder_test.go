package strictyaml

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/goccy/go-yaml/ast"

	"streambench/internal/yamlast"
)

var testKind = Kind{Name: "test file", Example: " (a: …)", MaxSize: 200}

// problems decodes data with decode, given the document's body, and returns each
// problem as a line.
func problems(t *testing.T, data string, decode func(d *Decoder, body ast.Node)) []string {
	t.Helper()
	d := New("t.yaml")
	if body := d.Document([]byte(data), testKind); body != nil && decode != nil {
		decode(d, body)
	}
	d.Errs.Sort()
	var lines []string
	for _, e := range d.Errs {
		lines = append(lines, e.Error())
	}
	return lines
}

func checkProblems(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestDocument: the checks of a whole file, worded by its Kind.
func TestDocument(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		want       []string
	}{
		{"too large", "a: " + strings.Repeat("x", 200), []string{"t.yaml: 203 bytes is too large for a test file (at most 200)"}},
		{"invalid UTF-8", "a: caf\xe9\n", []string{"t.yaml:1:7: invalid UTF-8 (byte 0xe9): a test file must be a YAML text file"}},
		{"control character", "a: \x01\n", []string{"t.yaml:1:4: control character U+0001: a test file must be a YAML text file"}},
		{"byte-order mark first", "\xef\xbb\xbfa: 1\n", nil},
		{"tab", "a:\n\t- 1\n", []string{"t.yaml:2:1: YAML: tab character: YAML is indented with spaces only"}},
		{"empty", "# nothing\n", []string{"t.yaml: empty test file"}},
		{"two documents", "a: 1\n---\nb: 2\n", []string{"t.yaml:2:1: a test file holds one YAML document; this is a second one"}},
		{"not a mapping", "- a\n", []string{"t.yaml:1:1: a test file is a mapping of fields (a: …), not a list"}},
		{"tag on the document", "!!map\na: 1\n", []string{"t.yaml:1:1: tags (!!map) are not supported: write the plain value"}},
		{"anchors and aliases first", "a: &x 1\nb: [*x, *x]\nc: !!str 2\n<<: *x\n", []string{
			"t.yaml:1:4: a: anchors (&x) are not supported: write every value out in full",
			"t.yaml:2:5: b[0]: aliases (*x, used 2 times) are not supported: write the value out in full",
			"t.yaml:3:4: c: tags (!!str) are not supported: write the plain value",
			"t.yaml:4:1: merge keys (<<) are not supported: write the fields out in full",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkProblems(t, problems(t, tc.data, nil), tc.want)
		})
	}
}

// TestPrimitives: the node-by-node reading of a file whose rules are its own.
func TestPrimitives(t *testing.T) {
	data := `name: " "
count: many
items: one
block: x
extra: 1
Name: twice
share:
share: 2
`
	got := problems(t, data, func(d *Decoder, body ast.Node) {
		f, _ := d.Fields("", body, "name", "count", "items", "block", "share", "missing")
		d.Text("name", f["name"])
		d.Number("count", f["count"])
		d.List("items", f["items"])
		d.Fields("block", f["block"], "x", "y")
		d.Required(f, body, "", "missing", "something")
		d.Text("share", f["share"])
	})
	checkProblems(t, got, []string{
		`t.yaml:1:1: missing: required: something`,
		`t.yaml:1:7: name: missing value`,
		`t.yaml:2:8: count: want a number, not the string "many"`,
		`t.yaml:3:8: items: want a list, not the string "one" (write [one])`,
		`t.yaml:4:8: block: want a mapping of fields (x, y), not the string "x"`,
		`t.yaml:5:1: extra: unknown field (known: block, count, items, missing, name, share)`,
		`t.yaml:6:1: Name: unknown field (did you mean "name"?)`,
		`t.yaml:8:1: share: duplicate key (first given at line 7)`,
	})

	got = problems(t, "share:\nn: .inf\n", func(d *Decoder, body ast.Node) {
		f, _ := d.Fields("", body, "share", "n")
		d.Text("share", f["share"])
		d.Number("n", f["n"])
	})
	checkProblems(t, got, []string{
		`t.yaml:1:1: share: missing value`,
		`t.yaml:2:4: n: want a number, not the number .inf`,
	})
}

// level is a value type that reads itself from a node: a number by its value.
type level int

func (l *level) DecodeNode(n ast.Node) error {
	x, ok := yamlast.NumberValue(n)
	if !ok || x < 1 || x > 3 {
		return fmt.Errorf("level must be 1, 2 or 3, not %s", yamlast.Describe(n))
	}
	*l = level(x)
	return nil
}

// word reads itself from text.
type word string

func (w *word) UnmarshalText(b []byte) error {
	if strings.ContainsRune(string(b), ' ') {
		return errors.New("one word, please")
	}
	*w = word(b)
	return nil
}

// other is a type whose reading the Scalar hook supplies.
type other struct{ text string }

type otherReader struct{ o *other }

func (r otherReader) DecodeNode(n ast.Node) error {
	s, _ := yamlast.ScalarText(n)
	r.o.text = "read " + s
	return nil
}

type inner struct {
	Count uint8
	Ratio float64
}

type sample struct {
	Name    string `yaml:"name"`
	On      bool   `yaml:"on"`
	Level   level
	Word    word
	Other   other
	Special string
	Tags    []string
	Inner   inner
	Ptr     *inner
	Small   int8
	Skip    int `yaml:"-"`
}

// TestValue: reflective decoding onto a struct, value types reading themselves.
func TestValue(t *testing.T) {
	decode := func(s *sample) func(d *Decoder, body ast.Node) {
		return func(d *Decoder, body ast.Node) {
			d.Scalar = func(v reflect.Value) NodeDecoder {
				if o, ok := v.Addr().Interface().(*other); ok {
					return otherReader{o}
				}
				return nil
			}
			d.Hook = func(path string, n ast.Node, v reflect.Value) bool {
				if path != "special" {
					return false
				}
				v.SetString("hooked")
				return true
			}
			d.Mapping("", body, StructFields(reflect.ValueOf(s).Elem()))
		}
	}
	var s sample
	good := "name: 5\non: true\nlevel: 2\nword: hello\nother: x\nspecial: [1]\ntags: [a, 1]\ninner: {count: 255, ratio: 0.5}\nptr:\n  count: 1\nsmall: -128\n"
	checkProblems(t, problems(t, good, decode(&s)), nil)
	want := sample{Name: "5", On: true, Level: 2, Word: "hello", Other: other{"read x"}, Special: "hooked",
		Tags: []string{"a", "1"}, Inner: inner{255, 0.5}, Ptr: &inner{Count: 1}, Small: -128}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("decoded %+v\nwant %+v", s, want)
	}

	s = sample{Name: "kept", Level: 1}
	bad := "name:\non: yes\nlevel: 4\nword: two words\ntags: a\ninner:\n  count: -1\n  ratio: x\nptr: 3\nsmall: 128\nskip: 1\nlevel:\n"
	checkProblems(t, problems(t, bad, decode(&s)), []string{
		`t.yaml:1:1: name: missing value (leave the line out to keep the default, kept)`,
		`t.yaml:2:5: on: want true or false, not the string "yes"`,
		`t.yaml:3:8: level: level must be 1, 2 or 3, not the number 4`,
		`t.yaml:4:7: word: one word, please`,
		`t.yaml:5:7: tags: want a list, not the string "a" (write [a])`,
		`t.yaml:7:10: inner.count: must not be negative, not -1`,
		`t.yaml:8:10: inner.ratio: want a number, not the string "x"`,
		`t.yaml:9:6: ptr: want a mapping of fields, not the number 3`,
		`t.yaml:10:8: small: 128 is out of range`,
		`t.yaml:11:1: skip: unknown field (known: inner, level, name, on, other, ptr, small, special, tags, word)`,
		`t.yaml:12:1: level: duplicate key (first given at line 3)`,
		`t.yaml:12:1: level: missing value (leave the line out to keep the default, 1)`,
	})
	if !IsScalar(reflect.TypeFor[level]()) || !IsScalar(reflect.TypeFor[word]()) || IsScalar(reflect.TypeFor[inner]()) {
		t.Error("IsScalar: want value types and basic kinds scalar, structs not")
	}
}

func TestErrorsSort(t *testing.T) {
	es := Errors{{Line: 3, Column: 1, Msg: "c"}, {Msg: "none"}, {Line: 1, Column: 5, Msg: "b"}, {Line: 1, Column: 2, Msg: "a"}, {Line: 3, Column: 1, Msg: "d"}}
	es.Sort()
	var got []string
	for _, e := range es {
		got = append(got, e.Msg)
	}
	if strings.Join(got, " ") != "none a b c d" {
		t.Errorf("sorted %v", got)
	}
	var fe FieldError
	if !errors.As(error(es), &fe) || fe.Msg != "none" {
		t.Errorf("errors.As gave %+v", fe)
	}
}
