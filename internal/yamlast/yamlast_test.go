package yamlast

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml/ast"
)

// value parses "v: <text>" and returns the node of v.
func value(t *testing.T, text string) ast.Node {
	t.Helper()
	file, err := Parse([]byte("v: " + text + "\n"))
	if err != nil {
		t.Fatalf("parse %q: %v", text, err)
	}
	values, ok := Entries(file.Docs[0].Body)
	if !ok || len(values) != 1 {
		t.Fatalf("parse %q: body is not a mapping of one entry", text)
	}
	return values[0].Value
}

func TestNodes(t *testing.T) {
	tests := []struct {
		text     string
		describe string
		scalar   string // ScalarText; "-" when there is none
		number   float64
		isNumber bool
		isNull   bool
	}{
		{text: "kafka", describe: `the string "kafka"`, scalar: "kafka"},
		{text: `"1"`, describe: `the string "1"`, scalar: "1"},
		{text: "'a b'", describe: `the string "a b"`, scalar: "a b"},
		{text: "|\n  two\n  lines", describe: `the string "two\nlines\n"`, scalar: "two\nlines\n"},
		{text: "", describe: "an empty value", scalar: "-", isNull: true},
		{text: "~", describe: "an empty value", scalar: "-", isNull: true},
		{text: "null", describe: "an empty value", scalar: "-", isNull: true},
		{text: "1_000", describe: "the number 1_000", scalar: "1_000", number: 1000, isNumber: true},
		{text: "-3", describe: "the number -3", scalar: "-3", number: -3, isNumber: true},
		{text: "18446744073709551615", describe: "the number 18446744073709551615", scalar: "18446744073709551615", number: 18446744073709551615, isNumber: true},
		{text: "0x10", describe: "the number 0x10", scalar: "0x10", number: 16, isNumber: true},
		{text: "2.5", describe: "the number 2.5", scalar: "2.5", number: 2.5, isNumber: true},
		{text: ".inf", describe: "the number .inf", scalar: ".inf"},
		{text: ".nan", describe: "the number .nan", scalar: ".nan"},
		{text: "true", describe: "the boolean true", scalar: "true"},
		{text: "[a, b]", describe: "a list", scalar: "-"},
		{text: "\n  - a", describe: "a list", scalar: "-"},
		{text: "{a: 1}", describe: "a mapping", scalar: "-"},
		{text: "\n  a: 1\n  b: 2", describe: "a mapping", scalar: "-"},
		{text: "1e30", describe: "the number 1e30", scalar: "1e30"},
		{text: "99999999999999999999", describe: "the number 99999999999999999999", scalar: "99999999999999999999"},
		{text: `"1e30"`, describe: `the string "1e30"`, scalar: "1e30"},
		{text: "&x 1", describe: "an anchor", scalar: "-"},
		{text: "*x", describe: "an alias", scalar: "-"},
		{text: "!!str 1", describe: "a tag", scalar: "-"},
	}
	for _, tt := range tests {
		n := value(t, tt.text)
		if got := Describe(n); got != tt.describe {
			t.Errorf("Describe(%q) = %q, want %q", tt.text, got, tt.describe)
		}
		got, ok := ScalarText(n)
		if !ok {
			got = "-"
		}
		if got != tt.scalar {
			t.Errorf("ScalarText(%q) = %q, want %q", tt.text, got, tt.scalar)
		}
		if x, ok := NumberValue(n); x != tt.number || ok != tt.isNumber {
			t.Errorf("NumberValue(%q) = %v, %t, want %v, %t", tt.text, x, ok, tt.number, tt.isNumber)
		}
		if got := IsNull(n); got != tt.isNull {
			t.Errorf("IsNull(%q) = %t, want %t", tt.text, got, tt.isNull)
		}
	}
	if got := Describe(nil); got != "an empty value" {
		t.Errorf("Describe(nil) = %q", got)
	}
	if !IsNull(nil) {
		t.Error("IsNull(nil) = false")
	}
}

func TestEntries(t *testing.T) {
	// want is the number of entries, -1 for a node that is not a mapping.
	for text, want := range map[string]int{"{a: 1, b: 2}": 2, "\n  a: 1\n  b: 2": 2, "{a: 1}": 1, "[a]": -1, "x": -1} {
		values, ok := Entries(value(t, text))
		got := len(values)
		if !ok {
			got = -1
		}
		if got != want {
			t.Errorf("Entries(%q) = %d entries, want %d", text, got, want)
		}
	}
}

func TestPos(t *testing.T) {
	file, err := Parse([]byte("a:\n  b:   [x, y]\n"))
	if err != nil {
		t.Fatal(err)
	}
	outer, _ := Entries(file.Docs[0].Body)
	inner, _ := Entries(outer[0].Value)
	if line, col := Pos(inner[0].Value); line != 2 || col != 8 {
		t.Errorf("Pos of [x, y] = %d:%d, want 2:8", line, col)
	}
	if line, col := Pos(nil); line != 0 || col != 0 {
		t.Errorf("Pos(nil) = %d:%d, want 0:0", line, col)
	}
}

func TestParseAllowsDuplicateKeys(t *testing.T) {
	file, err := Parse([]byte("a: 1\na: 2\n"))
	if err != nil {
		t.Fatalf("duplicate keys are for the loader to report, not the parser: %v", err)
	}
	if values, _ := Entries(file.Docs[0].Body); len(values) != 2 {
		t.Errorf("got %d entries, want both", len(values))
	}
}

func TestSyntaxError(t *testing.T) {
	_, err := Parse([]byte("a: [1, 2\nb: 3\n"))
	if err == nil {
		t.Fatal("no error for an unclosed flow sequence")
	}
	msg, line, col := SyntaxError(err)
	if line == 0 || col == 0 {
		t.Errorf("no place in %q", msg)
	}
	if msg == "" || strings.Contains(msg, "\n") {
		t.Errorf("message %q should be the parser's one line, without the source excerpt", msg)
	}

	// What Parse makes of a panic names no place: it is said whole.
	panicked := errors.New("the parser failed on this input (boom)")
	if msg, line, col := SyntaxError(panicked); msg != panicked.Error() || line != 0 || col != 0 {
		t.Errorf("SyntaxError(%v) = %q, %d, %d", panicked, msg, line, col)
	}
}

func TestBody(t *testing.T) {
	tests := []struct {
		text   string
		body   string // Describe of the body; "" for none
		moreAt []int  // lines of the later documents' bodies
	}{
		{text: "", body: ""},
		{text: "# only a comment\n", body: ""},
		{text: "a: 1\n", body: "a mapping"},
		{text: "---\n[1]\n", body: "a list"},
		{text: "a: 1\n---\nb: 2\n---\n- c\n", body: "a mapping", moreAt: []int{3, 5}},
		{text: "%YAML 1.2\n---\na: 1\n", body: "a mapping"},
	}
	for _, tt := range tests {
		file, err := Parse([]byte(tt.text))
		if err != nil {
			t.Fatalf("parse %q: %v", tt.text, err)
		}
		body, more := Body(file)
		got := ""
		if body != nil {
			got = Describe(body)
		}
		if got != tt.body {
			t.Errorf("Body(%q) = %s, want %s", tt.text, got, tt.body)
		}
		var at []int
		for _, doc := range more {
			line, _ := Pos(doc.Body)
			at = append(at, line)
		}
		if !slices.Equal(at, tt.moreAt) {
			t.Errorf("Body(%q) more at lines %v, want %v", tt.text, at, tt.moreAt)
		}
	}
}

func TestBigInteger(t *testing.T) {
	for text, want := range map[string]bool{
		"99999999999999999999": true, "-9223372036854775809": true, "0x1ffffffffffffffff": true, "1_000_000_000_000_000_000_000": true,
		"12":                     false, // an integer node, not a string
		`"99999999999999999999"`: false, "1e30": false, "12a": false,
	} {
		if _, got := BigInteger(value(t, text)); got != want {
			t.Errorf("BigInteger(%s) = %t, want %t", text, got, want)
		}
	}
}

// TestParseRefuses covers what Parse refuses before or after the parser: input that
// would take the parser minutes, and documents it would drop. Each error has a place.
func TestParseRefuses(t *testing.T) {
	var keys strings.Builder
	for i := range MaxTokens {
		fmt.Fprintf(&keys, "k%d: 1\n", i)
	}
	tests := []struct {
		name string
		text string
		msg  string
		line int
		col  int
	}{
		{"10,000 [", strings.Repeat("[", 10_000), "nested more than 100 levels deep", 1, 101},
		{"10,000 {", "a: " + strings.Repeat("{", 10_000), "nested more than 100 levels deep", 1, 104},
		{"nested flow mappings", "a: " + strings.Repeat("{a: ", 10_000) + "1" + strings.Repeat("}", 10_000), "nested more than 100 levels deep", 1, 404},
		{"block lists on one line", "a:\n" + strings.Repeat("- ", 10_000) + "x\n", "nested more than 100 levels deep", 2, 201},
		{"too many tokens", keys.String(), "more than 10000 tokens (keys, values and punctuation): far larger than such a file should be", 3334, 6},
		{"a document after an empty one", "a: 1\n---\n# nothing\n---\nb: 2\n", "a document follows an empty one (--- with nothing under it), and the parser would drop it: remove the empty one", 4, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.text))
			if err == nil {
				t.Fatal("no error")
			}
			msg, line, col := SyntaxError(err)
			if msg != tt.msg || line != tt.line || col != tt.col {
				t.Errorf("error %q at %d:%d, want %q at %d:%d", msg, line, col, tt.msg, tt.line, tt.col)
			}
		})
	}
	// Nesting by indentation is cheap for the parser, and comments are not counted.
	deep := ""
	for i := range 200 {
		deep += strings.Repeat(" ", i) + "a:\n"
	}
	for _, text := range []string{deep, strings.Repeat("# comment\n", 2*MaxTokens) + "a: 1\n"} {
		if _, err := Parse([]byte(text)); err != nil {
			t.Errorf("Parse(%.20q…): %v", text, err)
		}
	}
}
