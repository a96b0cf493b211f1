package verify

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"streambench/report"
)

// claimWidth is how much of a claim's text the summary table shows.
const claimWidth = 70

// WriteMarkdown writes the report as Markdown: a summary table of the verdicts, then
// each claim with its checks, the figures behind them and their caveats.
func WriteMarkdown(w io.Writer, rep *Report) error {
	b := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	p("# Verdicts on the tutorial's claims\n\n")
	for _, f := range header(rep) {
		p("- %s: %s\n", f[0], mdEscape(f[1]))
	}
	p("\n| id | claim | verdict | key number |\n|---|---|---|---|\n")
	for _, c := range rep.Claims {
		p("| %s | %s | %s | %s |\n", mdEscape(c.ID), mdEscape(shorten(c.Claim, claimWidth)), mdEscape(c.VerdictText()), mdEscape(c.keyNumber()))
	}
	for _, c := range rep.Claims {
		p("\n## %s: %s\n\n> %s\n\n", mdEscape(c.ID), mdEscape(c.VerdictText()), mdEscape(c.Claim))
		p("Measurable: %s. Verdict: **%s**.\n", mdEscape(c.Measurable), mdEscape(c.VerdictText()))
		if c.Reason != "" {
			p("\nReason: %s\n", mdEscape(c.Reason))
		}
		if len(c.Missing) > 0 {
			p("\nNot measured:\n\n")
			for _, m := range c.Missing {
				p("- %s\n", mdEscape(m))
			}
		}
		for _, cv := range c.Caveats {
			p("\n**Caveat:** %s\n", mdEscape(cv))
		}
		for _, q := range c.QuotaNotes {
			p("\n**Bound by an AWS quota:** %s\n", mdEscape(q))
		}
		if len(c.Checks) > 0 {
			p("\n| check | rule | left | right | judged | outcome |\n|---|---|---|---|---|---|\n")
			for _, ch := range c.Checks {
				p("| %s | %s | %s | %s | %s | %s |\n", mdEscape(ch.Says), mdEscape(ch.Rule),
					mdEscape(ch.Left.text()), mdEscape(rightText(ch.Right)), mdEscape(ch.text()), mdEscape(outcomeText(ch)))
			}
		}
		if len(c.Info) > 0 {
			p("\n| info | quantity | left | right | value |\n|---|---|---|---|---|\n")
			for _, in := range c.Info {
				p("| %s | %s | %s | %s | %s |\n", mdEscape(in.Label), mdEscape(in.Quantity),
					mdEscape(in.Left.text()), mdEscape(rightText(in.Right)), mdEscape(figureText(in.Figure)))
			}
		}
		if len(c.References) > 0 {
			p("\nPublished elsewhere (external, not measured here, not judged):\n\n")
			for _, r := range c.References {
				p("- EXTERNAL: %s\n", mdEscape(r.text()))
			}
		}
	}
	return b.Flush()
}

// header is what the report is about, as label and text.
func header(rep *Report) [][2]string {
	return [][2]string{
		{"Claims file", rep.ClaimsFile},
		{"Prices", pricesText(rep.Prices)},
		{"Results", fmt.Sprintf("%d result files", rep.Results)},
		{"Host", hostText(rep.Host)},
		{"Made", rep.When.UTC().Format("2006-01-02 15:04 UTC")},
	}
}

func rightText(s *Side) string {
	if s == nil {
		return "-"
	}
	return s.text()
}

// outcomeText is a check's outcome, marked when an emulator's figure in it is an AWS
// quota (why a value is missing is listed under the table).
func outcomeText(ch CheckResult) string {
	s := string(ch.Outcome)
	if len(ch.QuotaNotes) > 0 {
		s += " (at an AWS quota)"
	}
	return s
}

// text is the reference in one line: "what it says (source, date)".
func (r Reference) text() string {
	return r.Says + " (" + r.Source + ", " + r.Date + ")"
}

// figureText is an info line's value, marked when it comes from an emulator's speed or
// is an AWS quota the emulator enforced.
func figureText(f Figure) string {
	s := f.text()
	if f.Missing != "" {
		s = f.Missing
	}
	for _, c := range f.Caveats {
		s += "; " + c
	}
	for _, q := range f.QuotaNotes {
		s += "; bounded by an AWS quota: " + q
	}
	return s
}

// mdEscape keeps text from being read as Markdown: table cells, emphasis, links.
func mdEscape(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.NewReplacer(`\`, `\\`, "|", `\|`, "*", `\*`, "`", "\\`", "<", "&lt;").Replace(s)
}

// WriteFile writes the report to path, as HTML when the name ends in .html or .htm and
// as Markdown when it ends in .md, replacing any file there whole (report.WriteFile).
func WriteFile(path string, rep *Report) error {
	var buf bytes.Buffer
	var err error
	switch strings.ToLower(filepath.Ext(path)) {
	case ".html", ".htm":
		err = WriteHTML(&buf, rep)
	case ".md", ".markdown":
		err = WriteMarkdown(&buf, rep)
	default:
		return fmt.Errorf("verdict report %s: want a name ending in .md or .html", path)
	}
	if err == nil {
		err = report.WriteFile(path, buf.Bytes())
	}
	if err != nil {
		return fmt.Errorf("verdict report %s: %w", path, err)
	}
	return nil
}
