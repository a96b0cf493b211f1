package bench

import (
	"encoding"
	"errors"
	"fmt"
	"math"
	"reflect"
	"testing"

	"streambench/drivers"
)

// TestValueTextAndYAML: a value given as text (a command-line flag) and the same value
// written in a scenario are read alike, and refused with the same words.
func TestValueTextAndYAML(t *testing.T) {
	rate := func(s Scenario) any { return s.Workload.Rate }
	keys := func(s Scenario) any { return s.Workload.Keys }
	for _, c := range []struct {
		field, written string
		text           encoding.TextUnmarshaler
		got            func(Scenario) any
	}{
		{"rate", "5000", new(Rate), rate},
		{"rate", "2.5e3", new(Rate), rate},
		{"rate", "1e9", new(Rate), rate},
		{"rate", "0.001", new(Rate), rate},
		{"rate", "max", new(Rate), rate},
		{"rate", "0", new(Rate), nil},
		{"rate", "-5", new(Rate), nil},
		{"rate", "1e30", new(Rate), nil},
		{"keys", "1", new(Keys), keys},
		{"keys", "10000000", new(Keys), keys},
		{"keys", "random", new(Keys), keys},
		{"keys", "0", new(Keys), nil},
		{"keys", "10000001", new(Keys), nil},
		{"keys", "fixed", new(Keys), nil},
	} {
		t.Run(c.field+"="+c.written, func(t *testing.T) {
			textErr := c.text.UnmarshalText([]byte(c.written))
			yaml := fmt.Sprintf("name: a\ntargets: [kafka]\nworkload:\n  %s: %s\n", c.field, c.written)
			s, yamlErr := Parse("s.yaml", []byte(yaml), nil, []string{"kafka"})
			if c.got == nil {
				var es Errors
				if textErr == nil || !errors.As(yamlErr, &es) || len(es) != 1 || es[0].Msg != textErr.Error() {
					t.Fatalf("text: %v; YAML: %v; want the same refusal", textErr, yamlErr)
				}
				return
			}
			if textErr != nil || yamlErr != nil {
				t.Fatalf("text: %v; YAML: %v", textErr, yamlErr)
			}
			// c.text is a pointer to the value it read.
			if got, want := c.got(s), reflect.ValueOf(c.text).Elem().Interface(); !reflect.DeepEqual(got, want) {
				t.Errorf("YAML gave %v, text %v", got, want)
			}
		})
	}
}

// TestRangeRules: each value's range rule at its edges, and the parser and Validate
// agreeing on it.
func TestRangeRules(t *testing.T) {
	for _, c := range []struct {
		rate float64
		ok   bool
	}{
		{1e9, true}, {math.Nextafter(1e9, math.Inf(1)), false},
		{math.SmallestNonzeroFloat64, true}, {0, false}, {-1, false},
		{math.NaN(), false}, {math.Inf(1), false},
	} {
		if got := (Rate{PerSecond: c.rate}).valid(); got != c.ok {
			t.Errorf("Rate %v valid = %v, want %v", c.rate, got, c.ok)
		}
	}
	if !(Rate{Max: true}).valid() {
		t.Error("Rate max not valid")
	}
	for n, ok := range map[int64]bool{0: false, 1: true, 10_000_000: true, 10_000_001: false, -1: false} {
		if countInRange(n) != ok {
			t.Errorf("countInRange(%d) = %v", n, !ok)
		}
	}
	for _, c := range []struct {
		r  Retention
		ok bool
	}{{Retention{}, true}, {Retention{Unlimited: true}, true}, {Retention{Time: 1}, true}, {Retention{Time: -1}, false}} {
		if c.r.valid() != c.ok {
			t.Errorf("%+v valid = %v", c.r, !c.ok)
		}
	}

	// A written NaN passes the parser and is refused by Validate, as it always was.
	r, err := ParseRate("NaN")
	if err != nil || !math.IsNaN(r.PerSecond) {
		t.Fatalf("ParseRate(NaN) = %v, %v", r, err)
	}
	s := NewScenario(drivers.NewRegistry())
	s.Name, s.Targets, s.Workload.Rate = "a", []string{"kafka"}, r
	if err := s.Validate([]string{"kafka"}); err == nil || err.Error() != "workload.rate: "+rateRange {
		t.Errorf("Validate NaN rate: %v", err)
	}
}
