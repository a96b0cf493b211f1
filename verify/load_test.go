package verify

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"streambench/bench"
)

const claimsDir = "testdata/claims"

func TestLoadGood(t *testing.T) {
	c, err := LoadClaims(filepath.Join(claimsDir, "good.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, cl := range c.Claims {
		ids = append(ids, cl.ID+"/"+cl.Measurable)
	}
	// measurable: true in C8 reads as yes.
	if want := []string{"C1/no", "C3/yes", "C6/yes", "C8/yes", "C10/yes", "C11/partly", "C5/partly", "C13/partly", "C14/yes"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("claims %v, want %v", ids, want)
	}
	c6 := c.Claims[2]
	want := Check{
		Says:      "at 100 msg/s, Kinesis's end-to-end p50 is at least twice Kafka's",
		Left:      Ref{Scenario: "c6-small", Target: "kinesis", Metric: "latency.end_to_end.p50"},
		Right:     &Ref{Scenario: "c6-small", Target: "kafka", Metric: "latency.end_to_end.p50"},
		Op:        AtLeast,
		Threshold: 2,
	}
	if !reflect.DeepEqual(c6.Checks[0], want) {
		t.Errorf("C6's first check:\n got %+v\nwant %+v", c6.Checks[0], want)
	}
	if got := c6.Checks[0].rule(); got != "kinesis/kafka latency.end_to_end.p50 at c6-small ≥ 2" {
		t.Errorf("rule %q", got)
	}
	if got := c.Claims[3].Checks[1].Left.Metric; got != "probe.set_retention 8760h" {
		t.Errorf("a probe name with a space read as %q", got)
	}
	if got := c.Claims[4].Checks[0].Left.Sweep; !reflect.DeepEqual(got, map[string]string{"kafka.linger": "5ms"}) {
		t.Errorf("sweep %v", got)
	}
	if c.Prices == nil || c.Prices.Currency != "USD" || c.Prices.Kafka.Brokers != 3 || c.Prices.Kinesis.PutPayloadUnitsPerMillion != 0.014 {
		t.Errorf("prices %+v", c.Prices)
	}
	if got := c6.References; len(got) != 1 || got[0].Source != "Bite-Sized Serverless, Serverless Messaging: Latency Compared" || got[0].Date != "2022" {
		t.Errorf("C6 references %+v", got)
	}
	if got := c.Claims[0].Reason; got != "a product fact, not a behaviour" {
		t.Errorf("C1 reason %q", got)
	}
}

func TestScenarios(t *testing.T) {
	c, err := LoadClaims(filepath.Join(claimsDir, "good.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range c.Scenarios() {
		got = append(got, strings.TrimPrefix(filepath.ToSlash(s), claimsDir+"/scenarios/"))
	}
	// In claim order, c6-small once although two claims name it.
	want := []string{"c3-restart.yaml", "c6-small.yaml", "c6-high.yaml", "c8-retention.yaml", "c10-batching.yaml", "tls-overhead.yaml", "c5-cost.yaml"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("scenarios\n got %v\nwant %v", got, want)
	}
}

// TestLoadBad reads each bad file and expects exactly the listed problems, in order,
// each as file:line:col: field: message (a prefix of the message).
func TestLoadBad(t *testing.T) {
	for _, tc := range []struct {
		file string
		want []string
	}{
		{"bad-unknown-field.yaml", []string{
			"bad-unknown-field.yaml:2:5: claims[0].claim: required",
			`bad-unknown-field.yaml:3:5: claims[0].cliam: unknown field (did you mean "claim"?)`,
			"bad-unknown-field.yaml:8:15: claims[0].checks[0].left.metric: required",
			`bad-unknown-field.yaml:8:51: claims[0].checks[0].left.metrc: unknown field (did you mean "metric"?)`,
		}},
		{"bad-type.yaml", []string{
			`bad-type.yaml:5:16: claims[0].scenarios: want a list, not the string "scenarios/c6-small.yaml" (write [scenarios/c6-small.yaml])`,
			`bad-type.yaml:9:19: claims[0].checks[0].at_least: want a number, not the string "two"`,
			"bad-type.yaml:10:15: claims[0].checks[1].says: want a string, not a list",
			`bad-type.yaml:11:15: claims[0].checks[1].left: want a mapping of fields (scenario, target, metric, sweep), not the string "c6-small"`,
		}},
		{"bad-missing.yaml", []string{
			"bad-missing.yaml:2:5: claims[0].id: required",
			"bad-missing.yaml:2:5: claims[0].claim: required",
			"bad-missing.yaml:4:5: claims[1].claim: required",
		}},
		{"bad-duplicate.yaml", []string{
			`bad-duplicate.yaml:6:9: claims[1].id: duplicate id "C1" (first given at line 2)`,
		}},
		{"bad-no-reason.yaml", []string{
			"bad-no-reason.yaml:2:5: claims[0].reason: required when measurable is no",
			"bad-no-reason.yaml:5:16: claims[0].scenarios: a claim that is not measurable runs no scenarios",
		}},
		{"bad-thresholds.yaml", []string{
			"bad-thresholds.yaml:10:18: claims[0].checks[0].at_most: at_least and at_most thresholds given",
			"bad-thresholds.yaml:11:9: claims[0].checks[1]: no threshold",
		}},
		{"bad-metric.yaml", []string{
			`bad-metric.yaml:8:59: claims[0].checks[0].left.metric: unknown metric "latncy.end_to_end.p50" (did you mean "latency.end_to_end.p50"?)`,
			`bad-metric.yaml:11:59: claims[0].checks[1].left.metric: unknown metric "action.scale.at_s" (an action's metric is action.<do>.took_s)`,
			"bad-metric.yaml:12:60: claims[0].checks[1].right.metric: cost metrics need prices",
		}},
		{"bad-measurable.yaml", []string{
			`bad-measurable.yaml:4:17: claims[0].measurable: want yes, partly or no, not "maybe"`,
			"bad-measurable.yaml:5:42: claims[0].scenarios[1]: scenario file testdata/claims/scenarios/nowhere.yaml: no such file",
		}},
		// A published figure never comes without its source and date.
		{"bad-reference.yaml", []string{
			"bad-reference.yaml:7:9: claims[0].references[0].date: required",
			"bad-reference.yaml:9:9: claims[0].references[1].source: required",
			`bad-reference.yaml:10:9: claims[0].references[1].sourse: unknown field (did you mean "source"?)`,
		}},
		// As in a scenario, anchors and aliases are refused before anything is decoded.
		{"bad-anchor.yaml", []string{
			"bad-anchor.yaml:3:9: claims[0].id: anchors (&c) are not supported: write every value out in full",
			"bad-anchor.yaml:4:12: claims[0].claim: aliases (*c) are not supported: write the value out in full",
			"bad-anchor.yaml:5:17: claims[0].measurable: tags (!!str) are not supported: write the plain value",
		}},
		{"bad-yaml.yaml", []string{"bad-yaml.yaml:3:12: YAML: "}},
		{"bad-shape.yaml", []string{"bad-shape.yaml:1:1: a claims file is a mapping of fields, not a list"}},
		{"bad-prices-missing.yaml", []string{
			"bad-prices-missing.yaml:1:9: prices: prices file testdata/claims/no-such-prices.yaml: no such file",
		}},
		// The prices file's problems name the prices file.
		{"bad-prices.yaml", []string{
			"prices-bad.yaml:1:1: currency: required",
			`prices-bad.yaml:1:8: as_of: want a date as YYYY-MM-DD, not "24/11/2026"`,
			`prices-bad.yaml:4:3: kinesis.shard_hours: unknown field (did you mean "shard_hour"?)`,
			"prices-bad.yaml:4:3: kinesis.shard_hour: required",
			"prices-bad.yaml:7:30: kinesis.on_demand_per_gb_ingested: must not be negative, not -0.08",
			"prices-bad.yaml:9:8: kafka: storage_gb_month and retained_hours go together",
			"prices-bad.yaml:9:18: kafka.brokers: want a whole number of brokers, at least 1, not 2.5",
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			c, err := LoadClaims(filepath.Join(claimsDir, tc.file))
			if err == nil {
				t.Fatalf("loaded %+v, want errors", c)
			}
			var errs bench.Errors
			if !errors.As(err, &errs) {
				t.Fatalf("error %T is not a bench.Errors: %v", err, err)
			}
			if len(errs) != len(tc.want) {
				t.Fatalf("%d problems, want %d:\n%v", len(errs), len(tc.want), err)
			}
			for i, e := range errs {
				got := strings.TrimPrefix(e.Error(), claimsDir+"/")
				if !strings.HasPrefix(got, tc.want[i]) {
					t.Errorf("problem %d:\n got %s\nwant %s…", i+1, got, tc.want[i])
				}
			}
		})
	}
}
