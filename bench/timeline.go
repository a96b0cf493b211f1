package bench

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"streambench/drivers"
)

// Probe is one question a run asked the broker about its fresh topology, with the
// broker's answer: what retention it reports, whether it accepts another, what
// encryption a stream has. Probes are asked after the topology is created and before
// the load starts.
type Probe struct {
	// Name is the probe as the scenario wrote it: "retention", "set_retention 8760h",
	// "encryption".
	Name string `json:"name"`
	// Value is the numeric answer: a retention in hours (-1: no time limit); for a
	// set_retention probe 1 when the broker accepted the change, 0 when it refused.
	Value *float64 `json:"value,omitempty"`
	// Answer is the answer as text: "24h", "NONE", or the broker's refusal.
	Answer string `json:"answer"`
	// By says who answered: "broker", or "client" where the API cannot express the
	// question (Kinesis has no unlimited retention to ask for).
	By string `json:"by"`
}

// ActionRecord is one action of the scenario's timeline as it happened.
type ActionRecord struct {
	// Do is the action ("scale", "restart_broker", "stop_consumers", "start_consumers")
	// and Detail what it was asked to do ("to 8 partitions").
	Do     string `json:"do"`
	Detail string `json:"detail,omitempty"`
	// AtS is when it started, and TookS how long it took, in seconds since the first
	// send (warm-up included), on the same clock as the intervals.
	AtS   float64 `json:"at_s"`
	TookS float64 `json:"took_s"`
	// Error is why it failed, if it did.
	Error string `json:"error,omitempty"`
}

// The probes a scenario may ask for.
const (
	probeRetention    = "retention"
	probeSetRetention = "set_retention"
	probeEncryption   = "encryption"
)

// probe is a parsed probe: what to ask, and for set_retention the retention to ask for.
type probe struct {
	kind      string
	retention Retention
}

// parseProbe reads "retention", "encryption" or "set_retention DURATION|unlimited".
func parseProbe(spec string) (probe, error) {
	f := strings.Fields(spec)
	switch {
	case len(f) == 1 && (f[0] == probeRetention || f[0] == probeEncryption):
		return probe{kind: f[0]}, nil
	case len(f) == 2 && f[0] == probeSetRetention:
		r, err := ParseRetention(f[1])
		if err != nil || r == (Retention{}) {
			return probe{}, fmt.Errorf("set_retention takes a duration such as 8760h, or unlimited, not %q", f[1])
		}
		return probe{kind: f[0], retention: r}, nil
	}
	return probe{}, fmt.Errorf("unknown probe %q: want retention, encryption, or set_retention followed by a duration or unlimited", spec)
}

// askProbes asks d each probe in turn, in the order given (a set_retention changes what
// a later retention reads). A probe the driver cannot answer is recorded as such; an
// error of the broker is its answer.
func askProbes(ctx context.Context, d drivers.Driver, specs []string) []Probe {
	var out []Probe
	for _, spec := range specs {
		p, err := parseProbe(spec)
		if err != nil {
			out = append(out, Probe{Name: spec, Answer: err.Error(), By: "client"})
			continue
		}
		out = append(out, ask(ctx, d, spec, p))
	}
	return out
}

func ask(ctx context.Context, d drivers.Driver, name string, p probe) Probe {
	pr := Probe{Name: name, By: "broker"}
	number := func(v float64) *float64 { return &v }
	switch p.kind {
	case probeRetention, probeSetRetention:
		rc, ok := d.(drivers.RetentionController)
		if !ok {
			pr.Answer, pr.By = "this driver has no retention", "client"
			return pr
		}
		if p.kind == probeSetRetention {
			if err := rc.SetRetention(ctx, p.retention.Duration()); err != nil {
				pr.Value, pr.Answer = number(0), "refused: "+err.Error()
				if errors.Is(err, drivers.ErrUnsupported) {
					pr.By = "client"
				}
				return pr
			}
			pr.Value = number(1)
		}
		r, err := rc.Retention(ctx)
		switch {
		case err != nil:
			pr.Answer = "could not read the retention: " + err.Error()
		case p.kind == probeSetRetention:
			pr.Answer = "accepted; now " + retentionText(r)
		default:
			pr.Value, pr.Answer = number(retentionHours(r)), retentionText(r)
		}
	case probeEncryption:
		er, ok := d.(drivers.EncryptionReporter)
		if !ok {
			pr.Answer, pr.By = "this driver cannot say", "client"
			return pr
		}
		enc, err := er.Encryption(ctx)
		if err != nil {
			enc = "could not tell: " + err.Error()
		}
		pr.Answer = enc
	}
	return pr
}

// retentionHours is r in hours, -1 for no time limit.
func retentionHours(r time.Duration) float64 {
	if r < 0 {
		return -1
	}
	return r.Hours()
}

func retentionText(r time.Duration) string {
	if r < 0 {
		return "unlimited"
	}
	return Duration(r).String()
}
