package report

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// page is where a report's content goes: plain text for a terminal, or Markdown. The
// content is written once, for both.
type page interface {
	// heading starts a section.
	heading(text string)
	// fields writes "name: value" lines.
	fields(rows [][2]string)
	table(t *table)
	// lines writes sentences: warnings, notes, footnotes.
	lines(ls []string)
	// err is the first error writing the page.
	err() error
}

// write puts the content of groups on p, and returns the first error writing it.
func write(p page, content func(page, []Group), groups []Group) error {
	content(p, groups)
	return p.err()
}

// table is a grid of cells; the leading columns hold labels and the others numbers.
type table struct {
	header []string
	// rows of one cell are section titles that span the table.
	rows [][]string
	// labels is the number of leading columns that hold labels, aligned left.
	labels int
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

// blockWriter writes blocks separated by blank lines. It keeps the first write error,
// so that a page checks it once, at the end.
type blockWriter struct {
	w       io.Writer
	first   error
	started bool
}

func (b *blockWriter) printf(format string, args ...any) {
	if b.first == nil {
		_, b.first = fmt.Fprintf(b.w, format, args...)
	}
}

// block starts a block.
func (b *blockWriter) block() {
	if b.started {
		b.printf("\n")
	}
	b.started = true
}

func (b *blockWriter) err() error { return b.first }

// textPage writes aligned plain text.
type textPage struct{ blockWriter }

func newTextPage(w io.Writer) *textPage { return &textPage{blockWriter{w: w}} }

func (p *textPage) heading(text string) {
	p.block()
	p.printf("%s\n%s\n", text, strings.Repeat("=", utf8.RuneCountInString(text)))
	p.started = false // the heading's block goes on with what follows
}

func (p *textPage) fields(rows [][2]string) {
	if len(rows) == 0 {
		return
	}
	p.block()
	width := 0
	for _, r := range rows {
		width = max(width, utf8.RuneCountInString(r[0])+1)
	}
	for _, r := range rows {
		p.printf("%s %s\n", pad(r[0]+":", width, false), r[1])
	}
}

func (p *textPage) table(t *table) {
	p.block()
	cols := len(t.header)
	widths := make([]int, cols)
	for _, row := range append([][]string{t.header}, t.rows...) {
		if len(row) == 1 && cols > 1 {
			continue
		}
		for i, c := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	for _, row := range append([][]string{t.header}, t.rows...) {
		if len(row) == 1 && cols > 1 {
			p.printf("%s\n", row[0])
			continue
		}
		cells := make([]string, len(row))
		for i, c := range row {
			cells[i] = pad(c, widths[i], i >= t.labels)
		}
		p.printf("%s\n", strings.TrimRight(strings.Join(cells, "  "), " "))
	}
}

func (p *textPage) lines(ls []string) {
	if len(ls) == 0 {
		return
	}
	p.block()
	for _, l := range ls {
		p.printf("%s\n", l)
	}
}

// pad fills s with spaces to width runes, on the left when right is set.
func pad(s string, width int, right bool) string {
	fill := strings.Repeat(" ", max(0, width-utf8.RuneCountInString(s)))
	if right {
		return fill + s
	}
	return s + fill
}
