package report

import "slices"

// Spread is one figure over repetitions: the runs of a group, the runs a claim's
// reference matches, one tool's runs beside bench's peer.
type Spread struct {
	Min    float64 `json:"min"`
	Median float64 `json:"median"`
	Max    float64 `json:"max"`
	// Runs is how many runs have the figure (an empty histogram has no percentiles).
	Runs int `json:"runs"`
}

// SpreadOf is the spread of values, one a run: their median (of an even number, the
// mean of the middle two), least and greatest.
func SpreadOf(values []float64) Spread {
	if len(values) == 0 {
		return Spread{}
	}
	vs := slices.Sorted(slices.Values(values))
	n := len(vs)
	s := Spread{Min: vs[0], Max: vs[n-1], Runs: n, Median: vs[n/2]}
	if n%2 == 0 {
		s.Median = (vs[n/2-1] + vs[n/2]) / 2
	}
	return s
}

// Overlaps reports whether the ranges of s and o share a value: the difference between
// them is then smaller than the spread of the runs.
func (s Spread) Overlaps(o Spread) bool {
	return s.Min <= o.Max && o.Min <= s.Max
}

// Over is the ratio of s's median to base's, and false when either has no runs or
// base's median is 0.
func (s Spread) Over(base Spread) (float64, bool) {
	if s.Runs == 0 || base.Runs == 0 || base.Median == 0 {
		return 0, false
	}
	return s.Median / base.Median, true
}

// Map is s with f applied to its values (f keeps their order: a change of unit).
func (s Spread) Map(f func(float64) float64) Spread {
	return Spread{Min: f(s.Min), Median: f(s.Median), Max: f(s.Max), Runs: s.Runs}
}

// Text writes s with d: the value of a single run, else the median with the range,
// "12.5 [11.9–13.1]"; d's None where no run has the figure.
func (s Spread) Text(d Digits) string {
	switch s.Runs {
	case 0:
		return d.none()
	case 1:
		return d.Format(s.Median)
	}
	return d.Format(s.Median) + " [" + d.Format(s.Min) + "–" + d.Format(s.Max) + "]"
}

// cells writes s's min, median and max with d, for a table's three rows.
func (s Spread) cells(d Digits) []string {
	if s.Runs == 0 {
		return []string{d.none(), d.none(), d.none()}
	}
	return []string{d.Format(s.Min), d.Format(s.Median), d.Format(s.Max)}
}
