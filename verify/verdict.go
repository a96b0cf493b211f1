package verify

import (
	"slices"
	"time"

	"streambench/report"
)

// Report is the verdicts on every claim of a claims file, from one set of results.
type Report struct {
	// ClaimsFile is the claims file's path.
	ClaimsFile string
	// Prices are the prices of the cost metrics, nil without a prices file.
	Prices *Prices
	// When is when the verdicts were reached.
	When time.Time
	// Host is the machine of the first result; Results is how many results were read.
	Host    report.Host
	Results int
	Claims  []ClaimVerdict
}

// Verdict is what the results say of a claim.
type Verdict string

// The verdicts, from the outcomes of a claim's checks.
const (
	// Supported: every check holds.
	Supported Verdict = "supported"
	// Refuted: every check fails.
	Refuted Verdict = "refuted"
	// Mixed: some hold and some fail, or some are borderline.
	Mixed Verdict = "mixed"
	// NotMeasured: some check has no data or no value.
	NotMeasured Verdict = "not measured"
	// NotMeasurable: the claims file says no benchmark can check the claim, or gives it
	// no checks.
	NotMeasurable Verdict = "not measurable"
)

// Outcome is how one check's judged quantity compares with its threshold.
type Outcome string

// The outcomes of a check.
const (
	// Holds: the median and the whole spread of the repetitions meet the threshold.
	Holds Outcome = "holds"
	// Fails: the median and the whole spread miss it.
	Fails Outcome = "fails"
	// Borderline: the spread straddles the threshold.
	Borderline Outcome = "borderline"
	// NoData: a reference matched no result.
	NoData Outcome = "no data"
	// NoValue: the results have no value for the metric (an empty histogram, a probe
	// not asked, a division by zero).
	NoValue Outcome = "no value"
)

// ClaimVerdict is the verdict on one claim, with the evidence for it.
type ClaimVerdict struct {
	ID string
	// Claim is the claim's text.
	Claim      string
	Measurable string
	Verdict    Verdict
	// Reason is the claims file's reason (why the claim is not measurable, or what a
	// partly measurable claim leaves out).
	Reason string
	// Missing says what the results lack, for a claim not measured.
	Missing []string
	// Caveats are what a reader must know to weigh the verdict: a check resting on an
	// emulator's speed.
	Caveats []string
	Checks  []CheckResult
	Info    []InfoResult
}

// VerdictText is the verdict as it must be shown: marked when it rests on an
// emulator's speed, so that it is never read as a verdict on the real service.
func (c ClaimVerdict) VerdictText() string {
	switch c.Verdict {
	case Supported, Refuted, Mixed:
		if len(c.Caveats) > 0 {
			return string(c.Verdict) + " (emulator)"
		}
	}
	return string(c.Verdict)
}

// CheckResult is one check, judged.
type CheckResult struct {
	Says string
	// Rule is the check written out: "kinesis/kafka latency.end_to_end.p50 at
	// c6-small ≥ 2".
	Rule string
	// Op and Threshold are the check's comparison.
	Op        Op
	Threshold float64
	Figure
	Outcome Outcome
}

// InfoResult is one info line, measured but not judged.
type InfoResult struct {
	Label string
	// Quantity is what is shown, written out like a check's rule without threshold.
	Quantity string
	Figure
}

// Figure is a quantity measured from the results: left, or left/right.
type Figure struct {
	Left  Side
	Right *Side
	// Value is the quantity over the repetitions; Value.Runs is 0 when there is none.
	Value report.Spread
	// Unit of Value: the left side's, or none for a ratio.
	Unit string
	// Missing says why there is no value.
	Missing string
	// Caveats say what the figure cannot be evidence of.
	Caveats []string
}

// Side is one reference's figure.
type Side struct {
	Ref  Ref
	Unit string
	// Brokers are the brokers of the runs matched, as "product version", followed by
	// EMULATOR for an emulator.
	Brokers []string
	// Matched is how many results matched; Value.Runs how many had a value.
	Matched int
	Value   report.Spread
	// Notes qualify the figure: semantics read from an emulator, runs without a value,
	// runs of more than one configuration.
	Notes []string
	// values holds each matched run's value, in start order (nil where none).
	values []*float64
	// missing says why the side has no value, for no data or no value.
	missing string
	outcome Outcome
}

// verdict judges a claim from its checks.
func verdict(cl Claim, checks []CheckResult) ClaimVerdict {
	v := ClaimVerdict{ID: cl.ID, Claim: cl.Text, Measurable: cl.Measurable, Reason: cl.Reason, Checks: checks}
	count := map[Outcome]int{}
	for _, ch := range checks {
		count[ch.Outcome]++
		for _, c := range ch.Caveats {
			if !slices.Contains(v.Caveats, c) {
				v.Caveats = append(v.Caveats, c)
			}
		}
		if ch.Outcome == NoData || ch.Outcome == NoValue {
			v.Missing = append(v.Missing, ch.Missing)
		}
	}
	switch {
	case cl.Measurable == "no":
		v.Verdict = NotMeasurable
	case len(checks) == 0:
		v.Verdict = NotMeasurable
		if v.Reason == "" {
			v.Reason = "no rule: the claims file gives this claim no checks"
		}
	case count[NoData]+count[NoValue] > 0:
		v.Verdict = NotMeasured
	case count[Holds] == len(checks):
		v.Verdict = Supported
	case count[Fails] == len(checks):
		v.Verdict = Refuted
	default:
		v.Verdict = Mixed
	}
	return v
}

// judge compares the spread s of a quantity with threshold t.
func judge(s report.Spread, op Op, t float64) Outcome {
	lo, hi := op.meets(s.Min, t), op.meets(s.Max, t)
	switch {
	case lo && hi && op.meets(s.Median, t):
		return Holds
	case !lo && !hi && !op.meets(s.Median, t) && (op != Equals || t < s.Min || t > s.Max):
		return Fails
	}
	return Borderline
}
