package strictyaml

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// FieldError is one problem in a file. Line and Column are 1-based and 0 when the
// problem has no place in the file (a missing field, a command-line override).
type FieldError struct {
	File         string
	Line, Column int
	// Field is the path of the field, e.g. "workload.rate" or "targets[1]"; empty for
	// problems of the file as a whole.
	Field string
	Msg   string
}

// Error formats the problem as "file:line:col: field: msg", leaving out what is unknown,
// on one line.
func (e FieldError) Error() string {
	var b strings.Builder

	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
	}
	for _, s := range []string{e.Field, e.Msg} {
		if s == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		// A key or value quoted from the file may hold a line break; Errors gives each
		// problem one line.
		lineBreaks.WriteString(&b, s)
	}
	return b.String()
}

var lineBreaks = strings.NewReplacer("\r\n", `\n`, "\n", `\n`, "\r", `\r`)

// Errors is every problem found in one file (or, appended, in a file and those it
// names), each file's ordered by line, then column.
type Errors []FieldError

// Error gives one problem a line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets errors.As reach each FieldError.
func (es Errors) Unwrap() []error {
	errs := make([]error, len(es))
	for i, e := range es {
		errs[i] = e
	}
	return errs
}

// Sort orders the problems of one file by place, keeping the order of those at the
// same place (and of those with none, which come first).
func (es Errors) Sort() {
	slices.SortStableFunc(es, func(a, b FieldError) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
}
