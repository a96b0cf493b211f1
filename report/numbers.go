package report

import (
	"math"
	"strconv"
	"strings"
)

// Digits is a way of writing numbers for a reader: in fixed point, with the decimals a
// value's size calls for. The figures report, verify and peer show, and their spreads
// (Spread.Text), are written in one of the ways below.
type Digits struct {
	// Steps give the decimals by magnitude, the largest first: a value whose magnitude
	// is at least Steps[i].From gets Steps[i].Decimals.
	Steps []Step
	// Significant is how many significant digits a value below the last step gets, in
	// fixed point and at most 6 decimals, or with Exponent as %g writes them (trailing
	// zeros dropped, an exponent below 1e-4). Without it, such a value is written as
	// briefly as it reads back.
	Significant int
	Exponent    bool
	// Whole writes a whole number (below 1e15) with no decimals, whatever its size.
	Whole bool
	// Trim drops trailing zeros after the point of a value within the steps, and the
	// point when nothing follows it.
	Trim bool
	// Grouped writes a magnitude from 1000 up rounded to a whole number, its thousands
	// separated by commas: 1,234,568.
	Grouped bool
	// Zero, when set, is how 0 is written.
	Zero string
	// Infinity, when set, is how +Inf is written; NaN and -Inf are then written as None.
	Infinity string
	// None is what stands for no value: a spread of no runs, a ratio with nothing to
	// divide by. Empty means "-".
	None string
	// Suffix follows the number: "×" for a ratio.
	Suffix string
}

// Step is one size band of Digits.
type Step struct {
	From     float64
	Decimals int
}

// The ways numbers are written.
var (
	// Rate is report's rates, CPU share and memory: at most one decimal, or three below
	// 1 (0.010 MB/s is not 0.0).
	Rate = Digits{Steps: []Step{{100, 0}, {1, 1}, {0, 3}}, Zero: "0.0"}
	// Millis is report's latencies, in milliseconds: about 3 significant digits.
	Millis = Digits{Steps: []Step{{100, 0}, {10, 1}, {1, 2}, {0, 3}}}
	// Ratio is report's ratios, "48.0×", "1.1×" or "0.52×": one decimal from 0.95 up,
	// two significant digits below.
	Ratio = Digits{Steps: []Step{{100, 0}, {0.95, 1}}, Significant: 2, Zero: "0", Suffix: "×"}
	// Trimmed is verify's figures and thresholds: whole numbers whole, others to three or
	// four significant digits, no trailing zeros.
	Trimmed = Digits{Steps: []Step{{1000, 0}, {10, 1}, {1, 2}}, Significant: 3, Exponent: true,
		Whole: true, Trim: true, Infinity: "∞"}
	// Grouped is peer's figures: three significant digits, whole with commas from 1000.
	Grouped = Digits{Steps: Millis.Steps, Grouped: true, None: "–"}
	// Ratio2 is peer's ratios: two decimals, "1.25×".
	Ratio2 = Digits{Steps: []Step{{0, 2}}, Suffix: "×", None: "–"}
)

// Format writes v.
func (d Digits) Format(v float64) string {
	switch {
	case d.Infinity != "" && math.IsInf(v, 1):
		return d.Infinity
	case d.Infinity != "" && (math.IsNaN(v) || math.IsInf(v, -1)):
		return d.none()
	case d.Zero != "" && v == 0:
		return d.Zero + d.Suffix
	}
	a := math.Abs(v)
	var s string
	switch {
	case d.Whole && v == math.Trunc(v) && a < 1e15:
		s = strconv.FormatFloat(v, 'f', 0, 64)
	case d.Grouped && a >= 1000:
		s = commas(int64(math.Round(v)))
	default:
		s = d.fixed(v, a)
	}
	return s + d.Suffix
}

// FormatOK writes v, or None when there is no value (!ok), as Spread.Over returns one.
func (d Digits) FormatOK(v float64, ok bool) string {
	if !ok {
		return d.none()
	}
	return d.Format(v)
}

// fixed writes v, of magnitude a, with the decimals of its step.
func (d Digits) fixed(v, a float64) string {
	for _, st := range d.Steps {
		if a < st.From {
			continue
		}
		s := strconv.FormatFloat(v, 'f', st.Decimals, 64)
		if d.Trim && strings.Contains(s, ".") {
			s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
		}
		return s
	}
	switch {
	case d.Significant == 0:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case d.Exponent:
		return strconv.FormatFloat(v, 'g', d.Significant, 64)
	}
	decimals := min(d.Significant-1-int(math.Floor(math.Log10(a))), 6)
	return strconv.FormatFloat(v, 'f', decimals, 64)
}

func (d Digits) none() string {
	if d.None == "" {
		return "-"
	}
	return d.None
}

// commas writes n with its thousands separated by commas.
func commas(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
