package verify

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"streambench/report"
)

// spreadText writes a figure: the value of a single run, else the median with the
// range, "12.5 [11.9–13.1]", then the unit.
func spreadText(s report.Spread, unit string) string {
	if s.Runs == 0 || unit == "" {
		return s.Text(report.Trimmed)
	}
	return s.Text(report.Trimmed) + " " + unit
}

// text writes the figure's value, or "-" when there is none (the outcome says why).
func (f Figure) text() string {
	if f.Value.Runs == 0 {
		return "-"
	}
	return spreadText(f.Value, f.Unit)
}

// text writes one side: "kafka: 1.2 [1.1–1.3] ms, n=3 (Kafka protocol 4.1)".
func (s Side) text() string {
	var b strings.Builder
	b.WriteString(s.Ref.Target + ": ")
	switch {
	case s.outcome == NoData:
		b.WriteString("no data")
		return b.String()
	case s.Value.Runs == 0:
		b.WriteString("no value")
	default:
		b.WriteString(spreadText(s.Value, s.Unit))
	}
	fmt.Fprintf(&b, ", n=%d", s.Matched)
	if len(s.Brokers) > 0 {
		b.WriteString(" (" + strings.Join(s.Brokers, ", ") + ")")
	}
	for _, n := range s.Notes {
		b.WriteString("; " + n)
	}
	return b.String()
}

// keyNumber is a claim's headline figure: its first check's value against the
// threshold, as "2.4 [2.1–2.9] (≥ 2)".
func (c ClaimVerdict) keyNumber() string {
	if len(c.Checks) == 0 {
		return "-"
	}
	// The first judged check: an emulator's speed is no key number.
	i := max(0, slices.IndexFunc(c.Checks, func(ch CheckResult) bool { return ch.Outcome != EmulatorOnly }))
	ch := c.Checks[i]
	if ch.Value.Runs == 0 {
		return string(ch.Outcome)
	}
	return fmt.Sprintf("%s (%s %s)", ch.text(), ch.Op.symbol(), report.Trimmed.Format(ch.Threshold))
}

// shorten cuts s to about n characters at a word boundary.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n]
	cut := string(r)
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:.") + "…"
}

// hostText describes the machine: "bench-1 (8 × AMD EPYC, linux/amd64), bench v1.2".
func hostText(h report.Host) string {
	if h.Hostname == "" && h.OS == "" {
		return "-"
	}
	s := h.Hostname
	var about []string
	if h.CPUs > 0 {
		cpu := strconv.Itoa(h.CPUs) + " CPUs"
		if h.CPUModel != "" {
			cpu = strconv.Itoa(h.CPUs) + " × " + h.CPUModel
		}
		about = append(about, cpu)
	}
	if h.OS != "" {
		about = append(about, h.OS+"/"+h.Arch)
	}
	if len(about) > 0 {
		s += " (" + strings.Join(about, ", ") + ")"
	}
	if h.BenchVersion != "" {
		s += ", bench " + h.BenchVersion
	}
	return s
}

// pricesText describes the prices file: "prices.yaml (USD, as of 2026-11-24, from …)".
func pricesText(p *Prices) string {
	if p == nil {
		return "none"
	}
	return fmt.Sprintf("%s (%s, as of %s, from %s)", p.Path, p.Currency, p.AsOf, p.Source)
}
