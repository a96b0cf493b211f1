package report

import (
	"bytes"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

func TestReportGolden(t *testing.T) {
	for _, tc := range []struct {
		name   string
		paths  []string
		render func(io.Writer, []Group) error
	}{
		{"report_repeats.txt", []string{"small-msgs"}, Text},
		{"report_repeats.md", []string{"small-msgs"}, Markdown},
		{"report_repeats.json", []string{"small-msgs"}, JSON},
		{"report_single.txt", []string{"other"}, Text},
		{"report_single.md", []string{"other"}, Markdown},
		{"compare_single.txt", []string{"small-msgs/20261124T140000Z-kafka.json", "small-msgs/20261124T140100Z-kinesis.json"}, CompareText},
		{"compare_repeats.txt", []string{"small-msgs"}, CompareText},
		{"compare_repeats.md", []string{"small-msgs"}, CompareMarkdown},
		{"compare_before_after.txt", kafkaOf("small-msgs", "after"), CompareText},
		{"compare_settings.txt", []string{"small-msgs/20261124T140000Z-kafka.json", "other"}, CompareText},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := tc.render(&out, Groups(load(t, tc.paths...))); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name, out.Bytes())
		})
	}
}

// kafkaOf lists the kafka results in the directories under testdata/results.
func kafkaOf(dirs ...string) []string {
	var out []string
	for _, d := range dirs {
		files, _ := filepath.Glob(filepath.Join(resultsDir, d, "*-kafka.json"))
		for _, f := range files {
			rel, _ := filepath.Rel(resultsDir, f)
			out = append(out, rel)
		}
	}
	return out
}

// TestCompareRatios checks the figures of a comparison against the result files: the
// ratio of kinesis to kafka, and no claim of significance from single runs.
func TestCompareRatios(t *testing.T) {
	rs := load(t, "small-msgs/20261124T140000Z-kafka.json", "small-msgs/20261124T140100Z-kinesis.json")
	var out bytes.Buffer
	if err := CompareText(&out, Groups(rs)); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	p99 := lineOf(t, text, "  p99 ", "end-to-end latency (ms)")
	want := Ratio.Format(rs[1].Latency.EndToEnd.P99 / rs[0].Latency.EndToEnd.P99)
	if !strings.HasSuffix(p99, " "+want) || !strings.Contains(p99, " "+ms(rs[0].Latency.EndToEnd.P99)+" ") {
		t.Errorf("end-to-end p99 row %q: want kafka's %s and the ratio %s", p99, ms(rs[0].Latency.EndToEnd.P99), want)
	}
	for _, w := range []string{"one run each: no spread, ratios are single measurements.", "warning: kinesis ran against an emulator (kinesis-mock 0.4.9)", "EMULATOR"} {
		if !strings.Contains(text, w) {
			t.Errorf("comparison lacks %q:\n%s", w, text)
		}
	}
	if strings.Contains(text, "n.s.") || strings.Contains(text, "[") {
		t.Errorf("single runs shown with a spread or a significance mark:\n%s", text)
	}
}

// TestCompareSpread checks the spread cells and the not-significant marks of groups of
// three runs against the runs themselves.
func TestCompareSpread(t *testing.T) {
	before, after := load(t, kafkaOf("small-msgs")...), load(t, "after")
	groups := Groups(append(before, after...))
	if len(groups) != 2 || len(groups[0].Runs) != 3 || len(groups[1].Runs) != 3 {
		t.Fatalf("groups %v: want two of three runs", groups)
	}
	if groups[0].Label != "kafka (bench v0.1.0)" || groups[1].Label != "kafka (bench v0.2.0)" {
		t.Errorf("labels %q, %q: want the bench versions that tell them apart", groups[0].Label, groups[1].Label)
	}
	var out bytes.Buffer
	if err := CompareText(&out, groups); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	e2e, _ := MetricNamed("end-to-end")
	for _, f := range latencyFigures(e2e) {
		a, b := f.Spread(groups[0].Runs), f.Spread(groups[1].Runs)
		row := lineOf(t, text, "  "+f.Name+" ", "end-to-end latency (ms)")
		cell := ms(a.Median) + " [" + ms(a.Min) + "–" + ms(a.Max) + "]"
		if !strings.Contains(row, cell) {
			t.Errorf("%s row %q lacks the spread %s", f.Name, row, cell)
		}
		overlap := a.Min <= b.Max && b.Min <= a.Max
		if strings.HasSuffix(row, "(n.s.)") != overlap {
			t.Errorf("%s row %q: ranges %+v and %+v overlap: %v", f.Name, row, a, b, overlap)
		}
	}
	if !strings.Contains(text, "(n.s.)") || !strings.Contains(text, "n.s.: not significant") {
		t.Errorf("no ratio marked not significant, or no footnote:\n%s", text)
	}
}

// lineOf returns the first line of text starting with prefix after the line after.
func lineOf(t *testing.T, text, prefix, after string) string {
	t.Helper()
	_, rest, ok := strings.Cut(text, "\n"+after+"\n")
	if !ok {
		t.Fatalf("no line %q in:\n%s", after, text)
	}
	for _, l := range strings.Split(rest, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	t.Fatalf("no line %q after %q in:\n%s", prefix, after, text)
	return ""
}

func TestCompareWarnings(t *testing.T) {
	rs := load(t, "small-msgs/20261124T140000Z-kafka.json", "other")
	var out bytes.Buffer
	if err := CompareText(&out, Groups(rs)); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{
		"warning: the scenario settings differ: workload.rate (kafka (linger 5ms): 1000, kafka (linger 0s): 500)",
		"warning: the scenario settings differ: drivers.kafka.linger (kafka (linger 5ms): 5ms, kafka (linger 0s): 0s)",
		"warning: the results come from different machines or programs: hostname (kafka (linger 5ms): ci-1, kafka (linger 0s): ci-2); cpus (",
	} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("comparison lacks %q:\n%s", w, out.String())
		}
	}
	if strings.Contains(out.String(), "kinesis") || strings.Contains(out.String(), "emulator") {
		t.Errorf("kafka runs compared with warnings of other drivers or emulators:\n%s", out.String())
	}
}

func TestReportJSONSummary(t *testing.T) {
	rs := load(t, "small-msgs")
	var out bytes.Buffer
	if err := JSON(&out, Groups(rs)); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Groups []struct {
			Label        string
			Target       struct{ Emulator bool }
			Runs         []struct{}
			Counts       struct{ Sent int64 }
			DriverCounts map[string]int64 `json:"driver_counts"`
			Latency      map[string]map[string]json.RawMessage
		}
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Groups) != 2 {
		t.Fatalf("%d groups, want 2:\n%s", len(got.Groups), out.String())
	}
	k, kin := got.Groups[0], got.Groups[1]
	if k.Label != "kafka" || len(k.Runs) != 3 || k.Counts.Sent != 3*35000 || k.Target.Emulator || k.DriverCounts != nil {
		t.Errorf("kafka group %+v", k)
	}
	if !kin.Target.Emulator || kin.DriverCounts["throttled"] != 2+4+6 || kin.DriverCounts["retries"] != 3*(2+4+6) {
		t.Errorf("kinesis group %+v: want the emulator flag and the driver counts summed", kin)
	}
	var p99 Spread
	if err := json.Unmarshal(k.Latency["end_to_end"]["p99_us"], &p99); err != nil {
		t.Fatal(err)
	}
	f := Figure{Of: func(r *Result) (float64, error) { return r.Latency.EndToEnd.P99, nil }}
	if want := f.Spread(Groups(rs)[0].Runs); p99 != want || p99.Min >= p99.Max {
		t.Errorf("end-to-end p99 %+v, want %+v (three different runs)", p99, want)
	}
}

// TestSummaryGroupsRepeats: the summary at the end of bench run shows repetitions of a
// target as one column with their spread.
func TestSummaryGroupsRepeats(t *testing.T) {
	var out bytes.Buffer
	if err := Summary(&out, load(t, "small-msgs")); err != nil {
		t.Fatal(err)
	}
	header := lineOf(t, out.String(), " ", "")
	if strings.Join(strings.Fields(header), " ") != "kafka kinesis vs kafka" {
		t.Errorf("header %q, want one column per target:\n%s", header, out.String())
	}
	if runs := lineOf(t, out.String(), "runs ", ""); strings.Join(strings.Fields(runs), " ") != "runs 3 3" {
		t.Errorf("runs row %q", runs)
	}
	if err := Summary(&out, nil); err != nil {
		t.Error(err)
	}
}
