package report

import (
	"html/template"
	"io"
	"strings"
)

// htmlPage writes a page's content as HTML elements, for the HTML report. The word
// EMULATOR, and the name of a group whose target is an emulator at the head of a table
// column, carry a badge that cannot be missed.
type htmlPage struct {
	blockWriter
	// emulator tells, by group label, whether the group's target is an emulator.
	emulator map[string]bool
}

func newHTMLPage(w io.Writer, emulator map[string]bool) *htmlPage {
	return &htmlPage{blockWriter{w: w}, emulator}
}

// badge is the emulator badge.
const badge = `<span class="badge">EMULATOR</span>`

// text escapes s, and makes a badge of the word EMULATOR.
func (p *htmlPage) text(s string) string {
	return strings.ReplaceAll(template.HTMLEscapeString(s), "EMULATOR", badge)
}

func (p *htmlPage) heading(text string) {
	p.printf("<h3>%s</h3>\n", p.text(text))
}

func (p *htmlPage) fields(rows [][2]string) {
	if len(rows) == 0 {
		return
	}
	p.printf("<dl class=\"fields\">\n")
	for _, r := range rows {
		p.printf("<dt>%s</dt><dd>%s</dd>\n", p.text(r[0]), p.text(r[1]))
	}
	p.printf("</dl>\n")
}

func (p *htmlPage) table(t *table) {
	p.printf("<div class=\"scroll\"><table>\n<thead><tr>")
	for i, c := range t.header {
		cell := p.text(c)
		if p.emulator[c] {
			cell += " " + badge
		}
		p.printf("<th%s>%s</th>", align(t, i), cell)
	}
	p.printf("</tr></thead>\n<tbody>\n")
	for _, row := range t.rows {
		if len(row) == 1 && len(t.header) > 1 {
			p.printf("<tr class=\"section\"><th colspan=\"%d\">%s</th></tr>\n", len(t.header), p.text(row[0]))
			continue
		}
		p.printf("<tr>")
		for i, c := range row {
			tag := "td"
			if i < t.labels {
				tag = "th"
			}
			p.printf("<%s%s>%s</%s>", tag, align(t, i), p.text(c), tag)
		}
		p.printf("</tr>\n")
	}
	p.printf("</tbody></table></div>\n")
}

// align right-aligns the columns of numbers.
func align(t *table, col int) string {
	if col < t.labels {
		return ` class="label"`
	}
	return ` class="num"`
}

func (p *htmlPage) lines(ls []string) {
	if len(ls) == 0 {
		return
	}
	p.printf("<ul class=\"lines\">\n")
	for _, l := range ls {
		kind, _, _ := strings.Cut(l, ":")
		kind, _, _ = strings.Cut(kind, " ")
		class := "line"
		switch kind {
		case "warning", "note", "errors":
			class = kind
		}
		p.printf("<li class=\"%s\">%s</li>\n", class, p.text(l))
	}
	p.printf("</ul>\n")
}
