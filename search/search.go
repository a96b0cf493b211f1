// Package search finds the highest throughput a system sustains: a pure state machine
// over the offered rate, with no broker, clock or I/O of its own. The caller runs each
// measured window and reports what it saw; the machine says which rate to try next.
//
// # How bench run --find-max will drive it
//
// `bench run --find-max` (its wiring is the next step, not written yet) makes a Config
// from the scenario (Start from its rate, Window from its duration, ConfirmWindow
// longer, Max from a flag, the tolerances from their defaults) and calls New. Then, for
// each target, until Next says there is nothing left:
//
//  1. Next gives a Step: the rate in msg/s, the window to measure it over, and whether
//     it is the confirmation;
//  2. the session runs one bench.Run at that constant rate for the warm-up and then the
//     window, and judges the window's result by the scenario's SLOs (report.Judge);
//  3. it feeds back an Observation: the window's offered, sent and received rates,
//     whether the SLOs held and the failed ones' texts (Verdict.SLO.String()), and the
//     consumer's backlog at the start and end of the window (or none, and the machine
//     compares received with sent);
//  4. Observe judges the step and records it.
//
// Result then gives the sustainable rate with its bounds and every step, which go into
// the result file and its charts (offered rate against p99 and against received); Run
// is this loop for a caller that has the window as a function.
//
// # The rules
//
// A step passes when the SLOs held, the producers kept pace (sent ≥ (1 − PaceTolerance)
// × offered) and the consumer kept up (the backlog grew over the window by at most
// LagTolerance × the messages sent in it; without a backlog, received ≥ (1 −
// LagTolerance) × sent).
//
// The bracket is worked out afresh from every step so far, conservatively: the lowest
// fail is the lowest rate that ever failed (a rate that passed once and failed once has
// failed, and every rate above a fail is taken to fail too), and the highest pass is the
// highest rate that passed below it. The answer is always that highest pass.
//
//   - Climb: from Start, each step Factor times the last pass (at most Max), until one
//     fails.
//   - Descend: while nothing has passed, each step the lowest fail divided by Factor
//     (not below Min); if Min itself fails, the search stops: nothing passed.
//   - Bisect: the geometric mean of the bracket, until (lowest fail − highest pass) /
//     highest pass ≤ Tolerance.
//   - Confirm: the highest pass again over ConfirmWindow, once the bracket is narrow
//     enough, once Max has passed, or when one step of the budget is left. A passing
//     confirmation ends the search; a failing one makes that rate the lowest fail, so
//     the search goes on below it (bisecting down to the pass before it, or descending).
//
// Every step but a confirmation tries a rate strictly inside the bracket, which only
// narrows (its top never rises), and a confirmation retries a rate that has only
// passed; so no rate is tried more than twice, none at or above a fail, and the
// search cannot oscillate. It stops after Budget steps at the most.
package search

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"streambench/bench"
)

// Config is how the search goes. Defaults gives the usual values; New refuses nonsense.
type Config struct {
	// Start is the first rate tried, in msg/s: above 0, at most bench.MaxRate.
	Start float64 `json:"start"`
	// Max, when above 0, is the highest rate tried (the ceiling): at least Start.
	Max float64 `json:"max,omitempty"`
	// Min, when above 0, is the lowest rate the search descends to when Start fails: at
	// most Start. 0 means Start: a failing start rate ends the search.
	Min float64 `json:"min,omitempty"`
	// Factor is the climb's (and descent's) ratio from one step to the next: above 1.
	Factor float64 `json:"factor"`
	// Tolerance is the relative width of the bracket at which bisection stops: (lowest
	// fail − highest pass) / highest pass, in (0, 1).
	Tolerance float64 `json:"tolerance"`
	// Budget is the most steps the search takes, the confirmation included: at least 3.
	Budget int `json:"budget"`
	// Window is how long each step is measured; ConfirmWindow, at least as long, the
	// confirmation's.
	Window        time.Duration `json:"window"`
	ConfirmWindow time.Duration `json:"confirm_window"`
	// LagTolerance is how much the consumer may fall behind in a window and still keep
	// up: the backlog's growth as a fraction of the messages sent in the window (or,
	// without a backlog, how far received may fall short of sent): in [0, 1).
	LagTolerance float64 `json:"lag_tolerance"`
	// PaceTolerance is how far the rate sent may fall short of the rate offered: in [0, 1).
	PaceTolerance float64 `json:"pace_tolerance"`
}

// Defaults is a search from start: climbing by 2, to within 5 %, in 16 steps of 30 s,
// confirmed over 2 min, the backlog allowed to grow by 1 % of a window's messages and
// the rate sent to fall 1 % short of the offered.
func Defaults(start float64) Config {
	return Config{Start: start, Factor: 2, Tolerance: 0.05, Budget: 16,
		Window: 30 * time.Second, ConfirmWindow: 2 * time.Minute,
		LagTolerance: 0.01, PaceTolerance: 0.01}
}

// Check says what is wrong with c, every problem at once; nil when nothing is.
func (c Config) Check() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if !finite(c.Start) || c.Start <= 0 || c.Start > bench.MaxRate {
		bad("the start rate must be above 0 and at most %g msg/s, not %g", bench.MaxRate, c.Start)
	}
	if !finite(c.Max) || c.Max < 0 || c.Max > bench.MaxRate {
		bad("the maximum rate must be 0 (none) or above 0 and at most %g msg/s, not %g", bench.MaxRate, c.Max)
	} else if c.Max > 0 && c.Max < c.Start {
		bad("the maximum rate (%g msg/s) is below the start rate (%g msg/s)", c.Max, c.Start)
	}
	if !finite(c.Min) || c.Min < 0 {
		bad("the minimum rate must be 0 (the start rate) or above 0, not %g", c.Min)
	} else if c.Min > c.Start {
		bad("the minimum rate (%g msg/s) is above the start rate (%g msg/s)", c.Min, c.Start)
	}
	if !finite(c.Factor) || c.Factor <= 1 {
		bad("the climb factor must be above 1, not %g", c.Factor)
	}
	if !finite(c.Tolerance) || c.Tolerance <= 0 || c.Tolerance >= 1 {
		bad("the tolerance must be above 0 and below 1 (0.05 for 5 %%), not %g", c.Tolerance)
	}
	if c.Budget < 3 {
		bad("the step budget must be at least 3 (a climb, a fail and a confirmation), not %d", c.Budget)
	}
	if c.Window <= 0 {
		bad("the window must be above 0, not %s", c.Window)
	}
	if c.ConfirmWindow < c.Window {
		bad("the confirmation window (%s) must be at least the window (%s)", c.ConfirmWindow, c.Window)
	}
	if !finite(c.LagTolerance) || c.LagTolerance < 0 || c.LagTolerance >= 1 {
		bad("the lag tolerance must be at least 0 and below 1, not %g", c.LagTolerance)
	}
	if !finite(c.PaceTolerance) || c.PaceTolerance < 0 || c.PaceTolerance >= 1 {
		bad("the pace tolerance must be at least 0 and below 1, not %g", c.PaceTolerance)
	}
	return errors.Join(errs...)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// floor is the lowest rate the search tries.
func (c Config) floor() float64 {
	if c.Min > 0 {
		return c.Min
	}
	return c.Start
}

// Phase is why a step tries its rate.
type Phase string

// The phases.
const (
	Climb   Phase = "climb"
	Descend Phase = "descend"
	Bisect  Phase = "bisect"
	Confirm Phase = "confirm"
)

// Backlog is the consumer's lag, in messages, at the start and the end of a window.
type Backlog struct {
	Start float64 `json:"start"`
	End   float64 `json:"end"`
}

// Observation is what the caller measured in a step's window.
type Observation struct {
	// Offered, Sent and Received are the window's rates in msg/s: what the schedule
	// asked for, what the producers sent, what the consumers received.
	Offered  float64 `json:"offered"`
	Sent     float64 `json:"sent"`
	Received float64 `json:"received"`
	// SLOHeld says whether the scenario's SLOs held; FailedSLOs are the failed ones as
	// their verdicts write them ("latency.end_to_end.p99 ≤ 50ms"), for the record.
	SLOHeld    bool     `json:"slo_held"`
	FailedSLOs []string `json:"failed_slos,omitempty"`
	// Backlog is the consumer lag at the window's start and end; nil when it was not
	// measured, and then received is compared with sent.
	Backlog *Backlog `json:"backlog,omitempty"`
}

func (o Observation) check() error {
	for _, v := range []float64{o.Offered, o.Sent, o.Received} {
		if !finite(v) || v < 0 {
			return fmt.Errorf("an observation's rates are finite and not negative: offered %g, sent %g, received %g", o.Offered, o.Sent, o.Received)
		}
	}
	if o.SLOHeld && len(o.FailedSLOs) > 0 {
		return fmt.Errorf("an observation says the SLOs held, and that %s failed", strings.Join(o.FailedSLOs, ", "))
	}
	if b := o.Backlog; b != nil {
		for _, v := range []float64{b.Start, b.End} {
			if !finite(v) || v < 0 {
				return fmt.Errorf("a backlog is finite and not negative: start %g, end %g", b.Start, b.End)
			}
		}
	}
	return nil
}

// Step is one measured window of the search: what Next asks for and, once observed,
// what was seen and the verdict.
type Step struct {
	// N counts the steps from 1.
	N int `json:"n"`
	// Rate is the rate to offer, in msg/s; Window how long to measure it.
	Rate   float64       `json:"rate"`
	Window time.Duration `json:"window"`
	Phase  Phase         `json:"phase"`
	// Observation is what the window showed; nil until it is observed.
	Observation *Observation `json:"observation,omitempty"`
	// Pass is the verdict and Why says what it rests on.
	Pass bool   `json:"pass"`
	Why  string `json:"why,omitempty"`
}

// IsConfirmation says whether the step confirms the answer over the longer window.
func (s Step) IsConfirmation() bool { return s.Phase == Confirm }

// Reason is why the search stopped.
type Reason string

// The reasons.
const (
	// Converged: the bracket is within the tolerance.
	Converged Reason = "converged"
	// BudgetSpent: the steps ran out first.
	BudgetSpent Reason = "budget spent"
	// CeilingReached: the maximum rate passed.
	CeilingReached Reason = "ceiling reached"
	// NothingPassed: the lowest rate the search may try failed.
	NothingPassed Reason = "nothing passed"
)

// Result is what the search found.
type Result struct {
	// Sustainable is the answer: the highest rate that passed and is below every rate
	// that failed, in msg/s; 0 when none passed.
	Sustainable float64 `json:"sustainable"`
	// LowestFail is the lowest rate that failed; 0 when none did. FailedBecause is why.
	LowestFail    float64 `json:"lowest_fail,omitempty"`
	FailedBecause string  `json:"failed_because,omitempty"`
	// Width is the bracket's relative width, (LowestFail − Sustainable) / Sustainable:
	// the limit lies between Sustainable and Sustainable × (1 + Width). 0 without both.
	Width float64 `json:"width,omitempty"`
	// Confirmed says that Sustainable passed the confirmation's longer window.
	Confirmed bool `json:"confirmed"`
	// Stopped is why the search ended; "" while it goes on.
	Stopped Reason `json:"stopped"`
	// Steps are all the steps, in order.
	Steps []Step `json:"steps"`
}

// Search is the state machine. It is not safe for concurrent use.
type Search struct {
	c       Config
	steps   []Step
	pending bool
	stopped Reason
}

// New starts a search, or says what is wrong with c.
func New(c Config) (*Search, error) {
	if err := c.Check(); err != nil {
		return nil, fmt.Errorf("find-max: %w", err)
	}
	return &Search{c: c}, nil
}

// Next is the step to measure next; false when the search is over. Until that step is
// observed, Next gives it again.
func (s *Search) Next() (Step, bool) {
	if s.stopped != "" {
		return Step{}, false
	}
	if s.pending {
		return s.stripped(len(s.steps) - 1), true
	}
	rate, phase, stop := s.decide()
	if stop != "" {
		s.stopped = stop
		return Step{}, false
	}
	w := s.c.Window
	if phase == Confirm {
		w = s.c.ConfirmWindow
	}
	s.steps = append(s.steps, Step{N: len(s.steps) + 1, Rate: rate, Window: w, Phase: phase})
	s.pending = true
	return s.stripped(len(s.steps) - 1), true
}

func (s *Search) stripped(i int) Step {
	st := s.steps[i]
	st.Observation = nil
	return st
}

// Observe records what the window of the step Next gave showed, and judges it.
func (s *Search) Observe(o Observation) error {
	if !s.pending {
		return errors.New("find-max: an observation with no step to measure (call Next first)")
	}
	if err := o.check(); err != nil {
		return fmt.Errorf("find-max: step %d: %w", len(s.steps), err)
	}
	o.FailedSLOs = slices.Clone(o.FailedSLOs)
	if o.Backlog != nil {
		b := *o.Backlog
		o.Backlog = &b
	}
	st := &s.steps[len(s.steps)-1]
	st.Observation = &o
	st.Pass, st.Why = s.c.judge(st.Window, o)
	s.pending = false
	return nil
}

// Done says whether the search is over; Next makes it so.
func (s *Search) Done() bool { return s.stopped != "" }

// Result is what the search has found so far; final once Next has said false.
func (s *Search) Result() Result {
	lo, hi := s.bounds()
	r := Result{Sustainable: lo, Stopped: s.stopped, Steps: slices.Clone(s.steps)}
	for i := range r.Steps {
		if s.pending && i == len(r.Steps)-1 {
			r.Steps = r.Steps[:i]
			break
		}
		if o := r.Steps[i].Observation; o != nil {
			c := *o
			c.FailedSLOs = slices.Clone(o.FailedSLOs)
			r.Steps[i].Observation = &c
		}
	}
	if !math.IsInf(hi, 1) {
		r.LowestFail = hi
		for _, st := range r.Steps {
			if !st.Pass && st.Rate == hi {
				r.FailedBecause = st.Why
			}
		}
		if lo > 0 {
			r.Width = (hi - lo) / lo
		}
	}
	if n := len(r.Steps); n > 0 {
		last := r.Steps[n-1]
		r.Confirmed = last.Phase == Confirm && last.Pass && last.Rate == lo
	}
	return r
}

// Run is the whole search, with window measuring each step; it stops at window's first
// error.
func Run(c Config, window func(Step) (Observation, error)) (Result, error) {
	s, err := New(c)
	if err != nil {
		return Result{}, err
	}
	for {
		st, ok := s.Next()
		if !ok {
			return s.Result(), nil
		}
		o, err := window(st)
		if err != nil {
			return s.Result(), fmt.Errorf("find-max: step %d at %s msg/s: %w", st.N, formatNumber(st.Rate), err)
		}
		if err := s.Observe(o); err != nil {
			return s.Result(), err
		}
	}
}

// bounds are the highest pass (0 for none) and the lowest fail (+Inf for none) of the
// observed steps: a rate that ever failed has failed, and a pass counts only below it.
func (s *Search) bounds() (lo, hi float64) {
	hi = math.Inf(1)
	for _, st := range s.observed() {
		if !st.Pass {
			hi = min(hi, st.Rate)
		}
	}
	for _, st := range s.observed() {
		if st.Pass && st.Rate < hi {
			lo = max(lo, st.Rate)
		}
	}
	return lo, hi
}

func (s *Search) observed() []Step {
	if s.pending {
		return s.steps[:len(s.steps)-1]
	}
	return s.steps
}

// decide is the next rate and phase, or why the search stops.
func (s *Search) decide() (float64, Phase, Reason) {
	c := s.c
	n := len(s.steps)
	if n == 0 {
		return c.Start, Climb, ""
	}
	lo, hi := s.bounds()
	last := s.steps[n-1]
	switch {
	case last.Phase == Confirm && last.Pass:
		switch {
		case c.Max > 0 && lo >= c.Max:
			return 0, "", CeilingReached
		case !math.IsInf(hi, 1) && (hi-lo)/lo <= c.Tolerance:
			return 0, "", Converged
		}
		return 0, "", BudgetSpent
	case n >= c.Budget:
		return 0, "", BudgetSpent
	case lo == 0:
		if hi <= c.floor() {
			return 0, "", NothingPassed
		}
		return max(between(hi/c.Factor, 0, hi), c.floor()), Descend, ""
	case n == c.Budget-1:
		return lo, Confirm, ""
	case math.IsInf(hi, 1):
		if c.Max > 0 && lo >= c.Max {
			return lo, Confirm, ""
		}
		next := between(lo*c.Factor, lo, hi)
		if c.Max > 0 {
			next = min(next, c.Max)
		}
		return next, Climb, ""
	case (hi-lo)/lo <= c.Tolerance:
		return lo, Confirm, ""
	}
	mid := between(math.Sqrt(lo*hi), lo, hi)
	if mid <= lo || mid >= hi { // no rate between them: as narrow as it gets
		return lo, Confirm, ""
	}
	return mid, Bisect, ""
}

// between is x to three significant digits when that stays strictly between lo and hi,
// else x itself: rates read 41,000 rather than 41,012.7.
func between(x, lo, hi float64) float64 {
	if x <= 0 {
		return x
	}
	scale := math.Pow(10, math.Floor(math.Log10(x))-2)
	if r := math.Round(x/scale) * scale; r > lo && r < hi {
		// Written back from text so 0.1-ish scales do not leave 40999.999999.
		v, _ := strconv.ParseFloat(strconv.FormatFloat(r, 'g', 3, 64), 64)
		return v
	}
	return x
}

// judge is a window's verdict and what it rests on.
func (c Config) judge(window time.Duration, o Observation) (bool, string) {
	var fails []string
	if !o.SLOHeld {
		if len(o.FailedSLOs) > 0 {
			fails = append(fails, strings.Join(o.FailedSLOs, ", "))
		} else {
			fails = append(fails, "an SLO failed")
		}
	}
	if o.Sent < (1-c.PaceTolerance)*o.Offered {
		fails = append(fails, fmt.Sprintf("sent %s of %s msg/s offered", formatNumber(o.Sent), formatNumber(o.Offered)))
	}
	var kept string
	if b := o.Backlog; b != nil {
		growth, allowed := b.End-b.Start, c.LagTolerance*o.Sent*window.Seconds()
		kept = fmt.Sprintf("backlog %s → %s", formatNumber(b.Start), formatNumber(b.End))
		if growth > allowed {
			fails = append(fails, fmt.Sprintf("the backlog grew by %s messages (at most %s allowed)", formatNumber(growth), formatNumber(allowed)))
		}
	} else {
		kept = fmt.Sprintf("received %s of %s msg/s sent", formatNumber(o.Received), formatNumber(o.Sent))
		if o.Received < (1-c.LagTolerance)*o.Sent {
			fails = append(fails, kept)
		}
	}
	if len(fails) > 0 {
		return false, strings.Join(fails, "; ")
	}
	return true, "SLOs held; " + kept
}

// String says the answer as a reader wants it: "sustainable: 41,000 msg/s; 43,000
// failed (latency.end_to_end.p99 ≤ 50ms); +4.9 %" (the limit lies within 4.9 % above
// the answer), with "not confirmed" or the budget running out after it.
func (r Result) String() string {
	var b strings.Builder
	switch {
	case r.Sustainable == 0 && r.LowestFail == 0:
		b.WriteString("nothing measured")
	case r.Sustainable == 0:
		fmt.Fprintf(&b, "nothing sustainable: %s msg/s failed (%s)", formatNumber(r.LowestFail), r.FailedBecause)
	case r.Stopped == CeilingReached:
		fmt.Fprintf(&b, "sustainable: at least %s msg/s, the ceiling", formatNumber(r.Sustainable))
	case r.LowestFail == 0:
		fmt.Fprintf(&b, "sustainable: at least %s msg/s; nothing failed", formatNumber(r.Sustainable))
	default:
		fmt.Fprintf(&b, "sustainable: %s msg/s; %s failed (%s); +%s %%", formatNumber(r.Sustainable),
			formatNumber(r.LowestFail), r.FailedBecause, strconv.FormatFloat(r.Width*100, 'f', 1, 64))
	}
	if r.Sustainable > 0 && !r.Confirmed {
		b.WriteString("; not confirmed")
	}
	if r.Stopped == BudgetSpent {
		b.WriteString("; step budget spent")
	}
	return b.String()
}

// formatNumber writes a rate or a count whole, its thousands separated by commas, or to three
// significant digits below 100.
func formatNumber(v float64) string {
	if math.Abs(v) < 100 {
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
	s := strconv.FormatFloat(math.Round(math.Abs(v)), 'f', 0, 64)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if v < 0 {
		s = "-" + s
	}
	return s
}
