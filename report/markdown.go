package report

import (
	"io"
	"strings"
)

// Markdown writes the groups as Text does, with Markdown tables: for a pull request, an
// issue or a README.
func Markdown(w io.Writer, groups []Group) error {
	return write(newMarkdownPage(w), describe, groups)
}

// markdownPage writes GitHub-flavoured Markdown.
type markdownPage struct{ blockWriter }

func newMarkdownPage(w io.Writer) *markdownPage { return &markdownPage{blockWriter{w: w}} }

func (p *markdownPage) heading(text string) {
	p.block()
	p.printf("## %s\n", mdEscape(text))
}

func (p *markdownPage) fields(rows [][2]string) {
	if len(rows) == 0 {
		return
	}
	p.block()
	for _, r := range rows {
		p.printf("- **%s:** %s\n", mdEscape(r[0]), mdEscape(r[1]))
	}
}

func (p *markdownPage) table(t *table) {
	p.block()
	line := func(cells []string) {
		esc := make([]string, len(cells))
		for i, c := range cells {
			esc[i] = mdEscape(c)
		}
		p.printf("| %s |\n", strings.Join(esc, " | "))
	}
	line(t.header)
	sep := make([]string, len(t.header))
	for i := range sep {
		sep[i] = "---:"
		if i < t.labels {
			sep[i] = "---"
		}
	}
	p.printf("| %s |\n", strings.Join(sep, " | "))
	for _, row := range t.rows {
		if len(row) == 1 && len(t.header) > 1 {
			p.printf("| **%s** |%s\n", mdEscape(row[0]), strings.Repeat(" |", len(t.header)-1))
			continue
		}
		line(row)
	}
}

func (p *markdownPage) lines(ls []string) {
	if len(ls) == 0 {
		return
	}
	p.block()
	for _, l := range ls {
		p.printf("- %s\n", mdEscape(l))
	}
}

// mdEscape keeps text from being read as Markdown: table pipes, emphasis, code.
func mdEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, "|", `\|`, "*", `\*`, "_", `\_`, "`", "\\`", "<", "&lt;").Replace(s)
}
