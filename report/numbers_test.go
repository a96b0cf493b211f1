package report

import (
	"math"
	"testing"
)

func TestDigits(t *testing.T) {
	for _, tc := range []struct {
		name string
		d    Digits
		v    float64
		want string
	}{
		{"rate", Rate, 1234.56, "1235"},
		{"rate", Rate, 12.34, "12.3"},
		{"rate", Rate, 0, "0.0"},
		{"rate", Rate, 0.01, "0.010"},
		{"millis", Millis, 123.4, "123"},
		{"millis", Millis, 12.34, "12.3"},
		{"millis", Millis, 1.234, "1.23"},
		{"millis", Millis, 0.1234, "0.123"},
		{"ratio", Ratio, 480, "480×"},
		{"ratio", Ratio, 0.96, "1.0×"},
		{"ratio", Ratio, 0.5, "0.50×"},
		{"ratio", Ratio, 0.021, "0.021×"},
		{"ratio", Ratio, 0, "0×"},
		{"trimmed", Trimmed, 3, "3"},
		{"trimmed", Trimmed, 1234.56, "1235"},
		{"trimmed", Trimmed, 12.50, "12.5"},
		{"trimmed", Trimmed, 2.40, "2.4"},
		{"trimmed", Trimmed, 0.012345, "0.0123"},
		{"trimmed", Trimmed, 0.00001234, "1.23e-05"},
		{"trimmed", Trimmed, math.Inf(1), "∞"},
		{"trimmed", Trimmed, math.NaN(), "-"},
		{"grouped", Grouped, 1234567.8, "1,234,568"},
		{"grouped", Grouped, -1234.4, "-1,234"},
		{"grouped", Grouped, 512.4, "512"},
		{"grouped", Grouped, 0.5124, "0.512"},
		{"ratio2", Ratio2, 1.254, "1.25×"},
	} {
		if got := tc.d.Format(tc.v); got != tc.want {
			t.Errorf("%s %v: %q, want %q", tc.name, tc.v, got, tc.want)
		}
	}
	if got := Grouped.FormatOK(0, false); got != "–" {
		t.Errorf("Grouped with no value: %q, want –", got)
	}
	s := SpreadOf([]float64{3, 1, 2, 10})
	for _, tc := range []struct {
		d    Digits
		want string
	}{{Rate, "2.5 [1.0–10.0]"}, {Trimmed, "2.5 [1–10]"}, {Grouped, "2.50 [1.00–10.0]"}} {
		if got := s.Text(tc.d); got != tc.want {
			t.Errorf("%+v: %q, want %q", s, got, tc.want)
		}
	}
	if got := (Spread{}).Text(Rate); got != "-" {
		t.Errorf("no runs: %q, want -", got)
	}
}

// TestFigureCatalogue: a claims file's name picks one figure, and a report's JSON key is
// unique in its table.
func TestFigureCatalogue(t *testing.T) {
	claims := map[string]bool{}
	for _, f := range Figures() {
		if f.Claim != "" && claims[f.Claim] {
			t.Errorf("claim %q names two figures", f.Claim)
		}
		claims[f.Claim] = true
	}
	f, ok := FigureClaimed("latency.end_to_end.p999")
	r := &Result{Latency: Latencies{EndToEnd: Latency{Count: 1, P999: 2500}}}
	if v, err := f.Of(r); !ok || err != nil || f.InUnit(v) != 2.5 || f.Unit != "ms" || f.Key != "p999_us" {
		t.Errorf("latency.end_to_end.p999: %v %v %v %+v", ok, v, err, f)
	}
	if _, err := f.Of(&Result{}); err == nil || err.Error() != "no value: no end_to_end latency was recorded" {
		t.Errorf("an empty histogram: %v", err)
	}
	if _, ok := FigureClaimed(""); ok {
		t.Error("the empty name claims a figure")
	}
}
