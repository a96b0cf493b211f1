package verify

import (
	"fmt"
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
	// NotMeasuredHere: every check rests on an emulator's speed, which is no evidence
	// about the service it stands in for.
	NotMeasuredHere Verdict = "not measured here (emulator)"
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
	// EmulatorOnly: the figure rests on an emulator's latency or throughput, not bounded
	// by an AWS quota the emulator enforced: it is not judged.
	EmulatorOnly Outcome = "not measured here (emulator)"
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
	// QuotaNotes say which figures of an emulator are AWS's quotas rather than its
	// speed, and so were judged.
	QuotaNotes []string
	// Unjudged is how many checks were not judged because they rest on an emulator's
	// speed (EmulatorOnly).
	Unjudged int
	Checks   []CheckResult
	Info     []InfoResult
	// References are published figures from elsewhere, quoted beside the measured ones
	// and never judged.
	References []Reference
}

// VerdictText is the verdict as it must be shown: a verdict reached without the checks
// that rest on an emulator's speed says how many were left out, so that it is never
// read as a verdict on them.
func (c ClaimVerdict) VerdictText() string {
	switch c.Verdict {
	case Supported, Refuted, Mixed:
		if c.Unjudged > 0 {
			return fmt.Sprintf("%s in part (%d of %d checks not measured here: emulator)", c.Verdict, c.Unjudged, len(c.Checks))
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
	// QuotaNotes say where an emulator's figure is an AWS quota it enforced and reached,
	// not its speed.
	QuotaNotes []string
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
		v.Caveats = appendNew(v.Caveats, ch.Caveats...)
		v.QuotaNotes = appendNew(v.QuotaNotes, ch.QuotaNotes...)
		if ch.Outcome == NoData || ch.Outcome == NoValue {
			v.Missing = append(v.Missing, ch.Missing)
		}
	}
	v.Unjudged = count[EmulatorOnly]
	judged := len(checks) - v.Unjudged
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
	case judged == 0:
		v.Verdict = NotMeasuredHere
	case count[Holds] == judged:
		v.Verdict = Supported
	case count[Fails] == judged:
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
