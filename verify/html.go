package verify

import (
	_ "embed"
	"html/template"
	"io"
	"strings"
)

//go:embed verdicts.html.tmpl
var pageText string

// pageTemplate is parsed once; a template holds no state between executions.
var pageTemplate = template.Must(template.New("verdicts").Funcs(template.FuncMap{
	"badge": badge,
}).Parse(pageText))

// WriteHTML writes the report as one self-contained HTML page: the same content as
// WriteMarkdown, styled, with every verdict and figure that rests on an emulator
// marked. The page needs no network and runs no script.
func WriteHTML(w io.Writer, rep *Report) error {
	v := htmlView{Header: header(rep)}
	for _, c := range rep.Claims {
		hc := htmlClaim{
			ID: c.ID, Claim: c.Claim, Short: shorten(c.Claim, claimWidth), Measurable: c.Measurable,
			Verdict: c.VerdictText(), Class: verdictClass(c.Verdict), Key: c.keyNumber(),
			Reason: c.Reason, Missing: c.Missing, Caveats: c.Caveats, Emulator: len(c.Caveats) > 0,
			QuotaNotes: c.QuotaNotes,
		}
		for _, r := range c.References {
			hc.References = append(hc.References, r.text())
		}
		for _, ch := range c.Checks {
			hc.Checks = append(hc.Checks, htmlRow{
				Label: ch.Says, Rule: ch.Rule, Left: ch.Left.text(), Right: rightText(ch.Right),
				Value: ch.text(), Outcome: outcomeText(ch), Class: outcomeClass(ch.Outcome),
				Emulator: len(ch.Caveats) > 0,
			})
		}
		for _, in := range c.Info {
			hc.Info = append(hc.Info, htmlRow{
				Label: in.Label, Rule: in.Quantity, Left: in.Left.text(), Right: rightText(in.Right),
				Value: figureText(in.Figure), Emulator: len(in.Caveats) > 0,
			})
		}
		v.Claims = append(v.Claims, hc)
	}
	return pageTemplate.Execute(w, v)
}

type htmlView struct {
	Header [][2]string
	Claims []htmlClaim
}

type htmlClaim struct {
	ID, Claim, Short, Measurable string
	Verdict, Class, Key, Reason  string
	Missing, Caveats, QuotaNotes []string
	References                   []string
	Emulator                     bool
	Checks, Info                 []htmlRow
}

// htmlRow is a check or an info line (which has no outcome).
type htmlRow struct {
	Label, Rule, Left, Right, Value string
	Outcome, Class                  string
	Emulator                        bool
}

// verdictClass is the CSS class that colours a verdict.
func verdictClass(v Verdict) string { return cssClass(string(v)) }

// outcomeClass is the CSS class that colours a check's outcome.
func outcomeClass(o Outcome) string { return cssClass(string(o)) }

// cssClass makes a class name of a verdict or outcome: "not-measured-here".
func cssClass(s string) string {
	s, _, _ = strings.Cut(s, " (")
	return strings.ReplaceAll(s, " ", "-")
}

// badge escapes s and makes a badge of the word EMULATOR, so that a figure from an
// emulator cannot be missed.
func badge(s string) template.HTML {
	return template.HTML(strings.ReplaceAll(template.HTMLEscapeString(s), "EMULATOR", `<span class="badge">EMULATOR</span>`))
}
