package search

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"streambench/bench"
)

const p99 = "latency.end_to_end.p99 ≤ 50ms"

// saturating is a system that sustains every rate up to r and no rate above it. Its
// failures show in turn as a failed SLO, a growing backlog, received short of sent and
// sent short of offered, so every way of failing is judged.
func saturating(r float64) func(Step) (Observation, error) {
	n := 0
	return func(st Step) (Observation, error) {
		o := Observation{Offered: st.Rate, Sent: st.Rate, Received: st.Rate, SLOHeld: true,
			Backlog: &Backlog{Start: 100, End: 100}}
		if st.Rate <= r {
			return o, nil
		}
		n++
		switch n % 4 {
		case 0:
			o.SLOHeld, o.FailedSLOs = false, []string{p99}
		case 1:
			o.Backlog.End = 100 + 0.05*st.Rate*st.Window.Seconds()
		case 2:
			o.Backlog, o.Received = nil, 0.9*st.Rate
		case 3:
			o.Sent, o.Received = 0.8*st.Rate, 0.8*st.Rate
		}
		return o, nil
	}
}

func config(mod func(*Config)) Config {
	c := Defaults(1000)
	if mod != nil {
		mod(&c)
	}
	return c
}

// checkSteps holds the rules that keep the search from oscillating: no step tries a
// rate at or above one that failed before it, no step but a confirmation tries a rate
// tried before, a confirmation retries a rate that only passed, no more steps than the
// budget, each observed, with the window of its phase.
func checkSteps(t *testing.T, c Config, steps []Step) {
	t.Helper()
	if len(steps) > c.Budget {
		t.Errorf("%d steps, over the budget of %d", len(steps), c.Budget)
	}
	for i, st := range steps {
		if st.N != i+1 || st.Observation == nil {
			t.Errorf("step %d: numbered %d, observation %v", i+1, st.N, st.Observation)
		}
		if want := map[bool]time.Duration{false: c.Window, true: c.ConfirmWindow}[st.IsConfirmation()]; st.Window != want {
			t.Errorf("step %d (%s): window %s, want %s", st.N, st.Phase, st.Window, want)
		}
		passedBefore := false
		for _, prev := range steps[:i] {
			if !prev.Pass && st.Rate >= prev.Rate {
				t.Errorf("step %d tries %g, at or above %g, which failed at step %d", st.N, st.Rate, prev.Rate, prev.N)
			}
			if prev.Rate == st.Rate {
				if !st.IsConfirmation() {
					t.Errorf("step %d (%s) tries %g again (step %d)", st.N, st.Phase, st.Rate, prev.N)
				}
				passedBefore = passedBefore || prev.Pass
			}
		}
		if st.IsConfirmation() && !passedBefore {
			t.Errorf("step %d confirms %g, which had not passed", st.N, st.Rate)
		}
	}
}

func TestSaturationFound(t *testing.T) {
	for _, tc := range []struct {
		name      string
		mod       func(*Config)
		r         float64
		want      Reason
		sustained float64 // exact answer wanted, when there is one
	}{
		{"between climb steps", nil, 37300, Converged, 0},
		{"on a climb step", nil, 8000, Converged, 8000},
		{"at the start rate", nil, 1000, Converged, 1000},
		{"just below a climb step", nil, 15999, Converged, 0},
		{"below the start rate, descending", func(c *Config) { c.Min = 10 }, 137, Converged, 0},
		{"at the minimum rate", func(c *Config) { c.Min = 125 }, 125, Converged, 125},
		{"below the minimum rate", func(c *Config) { c.Min = 100 }, 50, NothingPassed, 0},
		{"below the start rate, no descent", nil, 999, NothingPassed, 0},
		{"above the maximum", func(c *Config) { c.Max = 50000 }, 1e6, CeilingReached, 50000},
		{"at the maximum", func(c *Config) { c.Max = 50000 }, 50000, CeilingReached, 50000},
		{"just below the maximum", func(c *Config) { c.Max = 50000 }, 45000, Converged, 0},
		{"fractional rates", func(c *Config) { c.Start = 0.5 }, 3.3, Converged, 0},
		{"near bench's highest rate", func(c *Config) { c.Start, c.Max = 1e6, bench.MaxRate }, 7.77e8, Converged, 0},
		{"a factor of 1.5, 2 %", func(c *Config) { c.Factor, c.Tolerance, c.Budget = 1.5, 0.02, 20 }, 23456, Converged, 0},
		{"a factor of 10, 10 %", func(c *Config) { c.Factor, c.Tolerance = 10, 0.1 }, 23456, Converged, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := config(tc.mod)
			res, err := Run(c, saturating(tc.r))
			if err != nil {
				t.Fatal(err)
			}
			checkSteps(t, c, res.Steps)
			if res.Stopped != tc.want {
				t.Fatalf("stopped: %s, want %s; %s", res.Stopped, tc.want, res)
			}
			if tc.sustained != 0 && res.Sustainable != tc.sustained {
				t.Errorf("sustainable %g, want %g", res.Sustainable, tc.sustained)
			}
			switch tc.want {
			case Converged:
				if !(res.Sustainable <= tc.r && tc.r < res.LowestFail) {
					t.Errorf("the limit %g is not within [%g, %g)", tc.r, res.Sustainable, res.LowestFail)
				}
				if res.Width <= 0 || res.Width > c.Tolerance {
					t.Errorf("width %g, want within (0, %g]", res.Width, c.Tolerance)
				}
				if w := (res.LowestFail - res.Sustainable) / res.Sustainable; math.Abs(w-res.Width) > 1e-12 {
					t.Errorf("width %g, but the bounds make it %g", res.Width, w)
				}
				if !res.Confirmed {
					t.Errorf("not confirmed: %s", res)
				}
			case CeilingReached:
				if !res.Confirmed || res.LowestFail != 0 {
					t.Errorf("at the ceiling: confirmed %v, lowest fail %g", res.Confirmed, res.LowestFail)
				}
			case NothingPassed:
				if res.Sustainable != 0 || res.LowestFail != c.floor() || res.Confirmed {
					t.Errorf("nothing passed: sustainable %g, lowest fail %g (want %g), confirmed %v", res.Sustainable, res.LowestFail, c.floor(), res.Confirmed)
				}
			}
		})
	}
}

// logistic is a noisy system: a window at rate x passes with a probability that falls
// smoothly from 1 to 0 around r, 1/(1 + e^((x/r − 1)/s)): one half at r, 95 % at about
// r(1 − 3s), 5 % at r(1 + 3s).
func logistic(r, s float64, rng *rand.Rand) func(Step) (Observation, error) {
	return func(st Step) (Observation, error) {
		ok := rng.Float64() < 1/(1+math.Exp((st.Rate/r-1)/s))
		o := Observation{Offered: st.Rate, Sent: st.Rate, Received: st.Rate, SLOHeld: ok}
		if !ok {
			o.FailedSLOs = []string{p99}
		}
		return o, nil
	}
}

// With noise narrower than the tolerance (s = 0.5 %: from 95 % to 5 % within ±1.5 % of
// r, against a bracket of 5 %), at least 180 of 200 seeded searches (90 %) end converged
// with bounds that hold r; in every search, at any noise, the rules of checkSteps hold.
func TestNoisy(t *testing.T) {
	c := Defaults(1000)
	for _, r := range []float64{37300, 8000, 51234} {
		for _, s := range []float64{0.005, 0.03} {
			good := 0
			for seed := range 200 {
				res, err := Run(c, logistic(r, s, rand.New(rand.NewPCG(uint64(seed), 19))))
				if err != nil {
					t.Fatal(err)
				}
				checkSteps(t, c, res.Steps)
				if t.Failed() {
					t.Fatalf("r %g, s %g, seed %d: %s", r, s, seed, res)
				}
				if res.Stopped == Converged && res.Sustainable <= r && r <= res.LowestFail && res.Width <= c.Tolerance {
					good++
				}
			}
			t.Logf("r %g, s %g: %d of 200 converged around r", r, s, good)
			if s == 0.005 && good < 180 {
				t.Errorf("r %g, s %g: %d of 200 searches converged with bounds around r, want at least 180", r, s, good)
			}
		}
	}
}

func TestBudget(t *testing.T) {
	for budget := 3; budget <= 16; budget++ {
		c := config(func(c *Config) { c.Budget = budget })
		res, err := Run(c, saturating(37300))
		if err != nil {
			t.Fatal(err)
		}
		checkSteps(t, c, res.Steps)
		last := res.Steps[len(res.Steps)-1]
		if !last.IsConfirmation() || !last.Pass || !res.Confirmed {
			t.Errorf("budget %d: the last step is %s (pass %v), want a passing confirmation", budget, last.Phase, last.Pass)
		}
		want := BudgetSpent
		if budget >= 12 { // 7 to climb to 64,000, 4 to bisect to 5 %, 1 to confirm
			want = Converged
		}
		if res.Stopped != want {
			t.Errorf("budget %d: stopped: %s, want %s (%d steps); %s", budget, res.Stopped, want, len(res.Steps), res)
		}
		if res.Sustainable > 37300 || (res.LowestFail != 0 && res.LowestFail <= 37300) {
			t.Errorf("budget %d: bounds [%g, %g) do not hold the limit", budget, res.Sustainable, res.LowestFail)
		}
	}
	// Descending a long way runs out too.
	c := config(func(c *Config) { c.Budget, c.Min = 4, 1 })
	res, _ := Run(c, saturating(3))
	if len(res.Steps) != 4 || res.Stopped != BudgetSpent || res.Sustainable != 0 || res.LowestFail != 125 {
		t.Errorf("descending: %d steps, stopped %s, %g, %g; %s", len(res.Steps), res.Stopped, res.Sustainable, res.LowestFail, res)
	}
}

// A system whose limit over the confirmation's longer window is lower than over a
// step's: each failed confirmation moves the answer down, and the search ends on a
// confirmed rate within the long window's limit.
func TestConfirmationFailureMovesDown(t *testing.T) {
	c := config(func(c *Config) { c.Budget = 30 })
	short, long := saturating(37300), saturating(30000)
	var confirms []Step
	res, err := Run(c, func(st Step) (Observation, error) {
		if st.IsConfirmation() {
			confirms = append(confirms, st)
			return long(st)
		}
		return short(st)
	})
	if err != nil {
		t.Fatal(err)
	}
	checkSteps(t, c, res.Steps)
	if len(confirms) < 2 {
		t.Fatalf("%d confirmations, want the first to fail", len(confirms))
	}
	first := confirms[0].Rate
	if first <= 30000 || res.Sustainable >= first || res.LowestFail > first {
		t.Errorf("first confirmed %g; then [%g, %g): the answer did not move below it", first, res.Sustainable, res.LowestFail)
	}
	if res.Stopped != Converged || !res.Confirmed || res.Sustainable > 30000 || res.LowestFail <= 30000 {
		t.Errorf("want a converged, confirmed answer around 30,000: %s (stopped %s)", res, res.Stopped)
	}
	for i := 1; i < len(confirms); i++ {
		if confirms[i].Rate >= confirms[i-1].Rate {
			t.Errorf("confirmation %d at %g, not below the failed %g", i+1, confirms[i].Rate, confirms[i-1].Rate)
		}
	}

	// A confirmation fails at the start rate, the only pass: the search descends.
	c = config(func(c *Config) { c.Min, c.Budget, c.Tolerance = 100, 10, 0.5 })
	res, _ = Run(c, func(st Step) (Observation, error) {
		held := st.Rate <= 1000 && !st.IsConfirmation() || st.Rate <= 500
		return Observation{Offered: st.Rate, Sent: st.Rate, Received: st.Rate, SLOHeld: held}, nil
	})
	checkSteps(t, c, res.Steps)
	if res.Sustainable != 500 || res.LowestFail != 707 || !res.Confirmed || res.Stopped != Converged {
		t.Errorf("after the start rate failed its confirmation: %s (stopped %s)", res, res.Stopped)
	}
	var phases []string
	for _, st := range res.Steps {
		phases = append(phases, fmt.Sprintf("%s %g %v", st.Phase, st.Rate, st.Pass))
	}
	want := "climb 1000 true, climb 2000 false, bisect 1410 false, confirm 1000 false, descend 500 true, bisect 707 true, confirm 707 false, confirm 500 true"
	if got := strings.Join(phases, ", "); got != want {
		t.Errorf("steps:\n %s\nwant\n %s", got, want)
	}
}

func TestConfigErrors(t *testing.T) {
	if err := Defaults(1000).Check(); err != nil {
		t.Fatalf("the defaults: %v", err)
	}
	for _, tc := range []struct {
		mod  func(*Config)
		want string
	}{
		{func(c *Config) { c.Start = 0 }, "the start rate must be above 0"},
		{func(c *Config) { c.Start = -5 }, "the start rate must be above 0 and at most 1e+09 msg/s, not -5"},
		{func(c *Config) { c.Start = math.NaN() }, "the start rate"},
		{func(c *Config) { c.Start = 2e9 }, "the start rate"},
		{func(c *Config) { c.Max = 500 }, "the maximum rate (500 msg/s) is below the start rate (1000 msg/s)"},
		{func(c *Config) { c.Max = 2e9 }, "the maximum rate must be 0 (none) or above 0 and at most 1e+09"},
		{func(c *Config) { c.Max = math.Inf(1) }, "the maximum rate must be"},
		{func(c *Config) { c.Min = 2000 }, "the minimum rate (2000 msg/s) is above the start rate"},
		{func(c *Config) { c.Min = -1 }, "the minimum rate must be 0"},
		{func(c *Config) { c.Factor = 1 }, "the climb factor must be above 1, not 1"},
		{func(c *Config) { c.Factor = 0.5 }, "the climb factor must be above 1, not 0.5"},
		{func(c *Config) { c.Tolerance = 0 }, "the tolerance must be above 0 and below 1 (0.05 for 5 %), not 0"},
		{func(c *Config) { c.Tolerance = 1 }, "the tolerance must be above 0 and below 1"},
		{func(c *Config) { c.Tolerance = 5 }, "not 5"},
		{func(c *Config) { c.Budget = 2 }, "the step budget must be at least 3 (a climb, a fail and a confirmation), not 2"},
		{func(c *Config) { c.Window = 0 }, "the window must be above 0, not 0s"},
		{func(c *Config) { c.ConfirmWindow = time.Second }, "the confirmation window (1s) must be at least the window (30s)"},
		{func(c *Config) { c.LagTolerance = 1 }, "the lag tolerance must be at least 0 and below 1, not 1"},
		{func(c *Config) { c.PaceTolerance = -0.1 }, "the pace tolerance must be at least 0 and below 1, not -0.1"},
	} {
		c := config(tc.mod)
		s, err := New(c)
		if err == nil || s != nil {
			t.Errorf("%+v: no error", c)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "find-max: ") {
			t.Errorf("error %q, want it to say %q", err, tc.want)
		}
		if _, err := Run(c, saturating(1)); err == nil {
			t.Errorf("Run: %+v: no error", c)
		}
	}
	err := Config{}.Check()
	if err == nil || strings.Count(err.Error(), "\n") != 4 {
		t.Errorf("a zero Config: want its five problems at once, got %v", err)
	}
}

func TestJudge(t *testing.T) {
	c := Defaults(1000)
	steady := &Backlog{Start: 500, End: 500}
	for _, tc := range []struct {
		name string
		o    Observation
		pass bool
		why  string
	}{
		{"all held", Observation{Offered: 1000, Sent: 1000, Received: 1000, SLOHeld: true, Backlog: steady}, true, "SLOs held; backlog 500 → 500"},
		{"received vs sent", Observation{Offered: 1000, Sent: 995, Received: 990, SLOHeld: true}, true, "SLOs held; received 990 of 995 msg/s sent"},
		{"failed SLOs named", Observation{Offered: 1000, Sent: 1000, Received: 1000, FailedSLOs: []string{p99, "counts.lost ≤ 0"}, Backlog: steady}, false, p99 + ", counts.lost ≤ 0"},
		{"failed SLO unnamed", Observation{Offered: 1000, Sent: 1000, Received: 1000, Backlog: steady}, false, "an SLO failed"},
		{"sent short", Observation{Offered: 10000, Sent: 9800, Received: 9800, SLOHeld: true, Backlog: steady}, false, "sent 9,800 of 10,000 msg/s offered"},
		// 1 % of 30 s at 1,000 msg/s is 300 messages.
		{"backlog within", Observation{Offered: 1000, Sent: 1000, Received: 990, SLOHeld: true, Backlog: &Backlog{Start: 500, End: 800}}, true, "SLOs held; backlog 500 → 800"},
		{"backlog grew", Observation{Offered: 1000, Sent: 1000, Received: 990, SLOHeld: true, Backlog: &Backlog{Start: 500, End: 801}}, false, "the backlog grew by 301 messages (at most 300 allowed)"},
		{"backlog shrank", Observation{Offered: 1000, Sent: 1000, Received: 1000, SLOHeld: true, Backlog: &Backlog{Start: 5000, End: 0}}, true, "SLOs held; backlog 5,000 → 0"},
		{"received short", Observation{Offered: 1000, Sent: 1000, Received: 989, SLOHeld: true}, false, "received 989 of 1,000 msg/s sent"},
		{"all three", Observation{Offered: 1000, Sent: 500, Received: 100, FailedSLOs: []string{p99}}, false, p99 + "; sent 500 of 1,000 msg/s offered; received 100 of 500 msg/s sent"},
	} {
		pass, why := c.judge(30*time.Second, tc.o)
		if pass != tc.pass || why != tc.why {
			t.Errorf("%s: %v %q, want %v %q", tc.name, pass, why, tc.pass, tc.why)
		}
	}
}

func TestMisuse(t *testing.T) {
	s, err := New(Defaults(1000))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Observe(Observation{}); err == nil || !strings.Contains(err.Error(), "call Next first") {
		t.Errorf("Observe before Next: %v", err)
	}
	a, _ := s.Next()
	b, _ := s.Next()
	if a != b || a.N != 1 || a.Rate != 1000 || a.Phase != Climb || a.Window != 30*time.Second {
		t.Errorf("Next twice: %+v, %+v", a, b)
	}
	for _, o := range []Observation{
		{Offered: -1},
		{Offered: 1000, Sent: math.NaN()},
		{Offered: 1000, Received: math.Inf(1)},
		{Offered: 1000, SLOHeld: true, FailedSLOs: []string{p99}},
		{Offered: 1000, Backlog: &Backlog{Start: -1}},
	} {
		if err := s.Observe(o); err == nil {
			t.Errorf("Observe(%+v): no error", o)
		}
	}
	if r := s.Result(); len(r.Steps) != 0 || r.Stopped != "" {
		t.Errorf("a refused observation was recorded: %+v", r)
	}
	failed := []string{p99}
	if err := s.Observe(Observation{Offered: 1000, Sent: 1000, Received: 1000, FailedSLOs: failed}); err != nil {
		t.Fatal(err)
	}
	failed[0] = "changed"
	if _, ok := s.Next(); ok || !s.Done() {
		t.Error("the search goes on after its start rate failed with no descent")
	}
	if _, ok := s.Next(); ok {
		t.Error("Next after the end")
	}
	if err := s.Observe(Observation{Offered: 1000}); err == nil {
		t.Error("Observe after the end: no error")
	}
	r := s.Result()
	if r.FailedBecause != p99 || r.Steps[0].Observation.FailedSLOs[0] != p99 {
		t.Errorf("the record changed with the caller's slice: %q", r.FailedBecause)
	}
	r.Steps[0].Observation.FailedSLOs[0] = "changed"
	if s.Result().Steps[0].Observation.FailedSLOs[0] != p99 {
		t.Error("a Result shares the record")
	}
}

func TestString(t *testing.T) {
	for _, tc := range []struct {
		r    Result
		want string
	}{
		{Result{Sustainable: 41000, LowestFail: 43000, FailedBecause: p99, Width: 2.0 / 41, Confirmed: true, Stopped: Converged},
			"sustainable: 41,000 msg/s; 43,000 failed (latency.end_to_end.p99 ≤ 50ms); +4.9 %"},
		{Result{Sustainable: 41000, LowestFail: 45000, FailedBecause: p99, Width: 4.0 / 41, Confirmed: true, Stopped: BudgetSpent},
			"sustainable: 41,000 msg/s; 45,000 failed (latency.end_to_end.p99 ≤ 50ms); +9.8 %; step budget spent"},
		{Result{Sustainable: 32000, LowestFail: 34000, FailedBecause: "sent 30,000 of 34,000 msg/s offered", Width: 1.0 / 16, Stopped: BudgetSpent},
			"sustainable: 32,000 msg/s; 34,000 failed (sent 30,000 of 34,000 msg/s offered); +6.2 %; not confirmed; step budget spent"},
		{Result{Sustainable: 50000, Confirmed: true, Stopped: CeilingReached}, "sustainable: at least 50,000 msg/s, the ceiling"},
		{Result{Sustainable: 2000, Confirmed: true, Stopped: BudgetSpent}, "sustainable: at least 2,000 msg/s; nothing failed; step budget spent"},
		{Result{LowestFail: 1000, FailedBecause: p99, Stopped: NothingPassed}, "nothing sustainable: 1,000 msg/s failed (latency.end_to_end.p99 ≤ 50ms)"},
		{Result{Sustainable: 2.5, LowestFail: 2.6, FailedBecause: "an SLO failed", Width: 0.04, Confirmed: true, Stopped: Converged},
			"sustainable: 2.5 msg/s; 2.6 failed (an SLO failed); +4.0 %"},
		{Result{}, "nothing measured"},
	} {
		if got := tc.r.String(); got != tc.want {
			t.Errorf("got  %q\nwant %q", got, tc.want)
		}
	}
	// And from a search: rates to three significant digits read whole.
	res, _ := Run(Defaults(1000), saturating(37300))
	if got := res.String(); !strings.HasPrefix(got, "sustainable: 36,500 msg/s; 38,100 failed (") || !strings.HasSuffix(got, "); +4.4 %") {
		t.Errorf("from a search: %q", got)
	}
}
