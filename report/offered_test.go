package report

import (
	"strings"
	"testing"

	"streambench/bench"
)

// The throughput chart draws the offered rate (dotted) beside sent and received when
// the results record it, and is as it was for results written before they did.
func TestThroughputChartOffered(t *testing.T) {
	throughput := func(results []*Result) chart {
		t.Helper()
		groups := Groups(results)
		charts, err := allCharts(groups, newPalette(groups))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range charts {
			if c.ID == "throughput-over-time" {
				return c
			}
		}
		t.Fatal("no throughput chart")
		return chart{}
	}
	old := loadHTML(t, "timeline")
	c := throughput(old)
	if strings.Contains(c.Caption, "offered") || strings.Contains(string(c.SVG), "offered") {
		t.Errorf("results without offered rates: the chart names one: %s", c.Caption)
	}

	ramp := loadHTML(t, "timeline")
	for _, r := range ramp {
		for i := range r.Intervals {
			if iv := &r.Intervals[i]; iv.Phase != bench.PhaseDrain {
				iv.Offered = int64(1000 + 100*i)
			}
		}
	}
	c = throughput(ramp)
	if !strings.Contains(c.Caption, "offered by the schedule (dotted)") {
		t.Errorf("caption %q does not explain the offered line", c.Caption)
	}
	if n := strings.Count(string(c.SVG), " offered<"); n == 0 {
		t.Errorf("the legend has no offered entry")
	}
}
