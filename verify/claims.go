// Package verify turns result files into verdicts on the tutorial's claims. A claims
// file says, for each claim, which scenarios bear on it and what the claim predicts
// about their numbers (checks); Evaluate judges each prediction against the results'
// repetitions and gives each claim a verdict, which WriteMarkdown and WriteHTML show.
//
// Every threshold and every price is in the claims and prices files: the code holds
// only the rules for turning measured values into outcomes.
package verify

import (
	"path/filepath"
	"strconv"
	"strings"
)

// Claims is a claims file, read and checked.
type Claims struct {
	// Path is the claims file as given.
	Path string
	// Prices are the prices of the cost metrics; nil when the file names none.
	Prices *Prices
	Claims []Claim
}

// Claim is one claim of the tutorial and what would show it.
type Claim struct {
	ID string
	// Text is the claim as the tutorial states it.
	Text string
	// Measurable is "yes", "partly" or "no".
	Measurable string
	// Reason says why no benchmark can check the claim, or what a partly measurable
	// claim leaves out.
	Reason string
	// Scenarios are the scenario files that bear on the claim, relative to the working
	// directory (or absolute).
	Scenarios []string
	Checks    []Check
	Info      []Info
	// References are published figures from elsewhere that bear on the claim, quoted
	// beside the measured ones (where those are an emulator's) and never judged.
	References []Reference
}

// Reference is a published figure from outside this project: what it says, who
// published it, and when.
type Reference struct {
	Says, Source, Date string
}

// Op is how a check compares its judged quantity with its threshold.
type Op string

// The comparisons a check can make, named as in the claims file.
const (
	AtLeast Op = "at_least"
	AtMost  Op = "at_most"
	Equals  Op = "equals"
)

// symbol is the comparison as a mathematical sign.
func (o Op) symbol() string {
	switch o {
	case AtLeast:
		return "≥"
	case AtMost:
		return "≤"
	}
	return "="
}

// meets says whether v meets the threshold t.
func (o Op) meets(v, t float64) bool {
	switch o {
	case AtLeast:
		return v >= t
	case AtMost:
		return v <= t
	}
	// Equality within rounding, so that a value computed as 0.1+0.2 equals 0.3.
	return v == t || abs(v-t) <= 1e-9*max(abs(v), abs(t))
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// Check is one prediction of a claim: a quantity (left, or left/right) compared with a
// threshold.
type Check struct {
	// Says is the prediction in words.
	Says  string
	Left  Ref
	Right *Ref
	Op    Op
	// Threshold is the value the quantity is compared with.
	Threshold float64
}

// Info is a number shown beside a claim's verdict without being judged.
type Info struct {
	Label string
	Left  Ref
	Right *Ref
}

// Ref names one figure of the results: a metric of the runs of one scenario against
// one target, at one point of the scenario's sweep.
type Ref struct {
	// Scenario is the scenario's name, Target the target's name, as in result files.
	Scenario, Target string
	// Metric is a metric name, e.g. latency.end_to_end.p50.
	Metric string
	// Sweep picks results whose sweep has these settings (path → value as the scenario
	// wrote it); other settings may take any value.
	Sweep map[string]string
}

// sweepText writes the sweep selector as "workload.rate=20000", keys in order.
func (r Ref) sweepText() string {
	var parts []string
	for _, k := range sortedKeys(r.Sweep) {
		parts = append(parts, k+"="+r.Sweep[k])
	}
	return strings.Join(parts, " ")
}

// where writes the scenario and sweep point: "c6-small" or "c10 (kafka.linger=5ms)".
func (r Ref) where() string {
	if len(r.Sweep) == 0 {
		return r.Scenario
	}
	return r.Scenario + " (" + r.sweepText() + ")"
}

// String names the figure: "kafka latency.end_to_end.p50 at c6-small".
func (r Ref) String() string {
	return r.Target + " " + r.Metric + " at " + r.where()
}

// Scenarios lists the scenario files of all claims, in claim order, each once.
func (c *Claims) Scenarios() []string {
	var out []string
	seen := map[string]bool{}
	for _, cl := range c.Claims {
		for _, s := range cl.Scenarios {
			if key := filepath.Clean(s); !seen[key] {
				seen[key] = true
				out = append(out, s)
			}
		}
	}
	return out
}

// rule writes a check's comparison out: "kinesis/kafka latency.end_to_end.p50 at
// c6-small ≥ 2".
func (ch Check) rule() string {
	return quantity(ch.Left, ch.Right) + " " + ch.Op.symbol() + " " + strconv.FormatFloat(ch.Threshold, 'g', -1, 64)
}

// quantity writes left, or left/right, as briefly as the two allow.
func quantity(left Ref, right *Ref) string {
	switch {
	case right == nil:
		return left.String()
	case left.Metric == right.Metric && left.where() == right.where():
		return left.Target + "/" + right.Target + " " + left.Metric + " at " + left.where()
	}
	return "(" + left.String() + ") / (" + right.String() + ")"
}
