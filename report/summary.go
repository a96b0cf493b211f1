package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Summary writes results side by side: one column per result, one row per figure.
func Summary(w io.Writer, results []*Result) error {
	if len(results) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	row := func(name string, cell func(r *Result) string) {
		cells := []string{name}
		for _, r := range results {
			cells = append(cells, cell(r))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	row("", func(r *Result) string { return r.Target.Name })
	row("broker", func(r *Result) string { return r.Target.Broker.Product + " " + r.Target.Broker.Version })
	row("what it is", func(r *Result) string { return r.Target.Kind() })
	row("sent / received", func(r *Result) string {
		return fmt.Sprintf("%d / %d", r.Counts.Sent, r.Counts.Received)
	})
	row("lost / duplicated / reordered", func(r *Result) string {
		return fmt.Sprintf("%d / %d / %d", r.Counts.Lost, r.Counts.Duplicated, r.Counts.Reordered)
	})
	row("send errors / not sent", func(r *Result) string {
		return fmt.Sprintf("%d / %d", r.Counts.SendErrors, r.Counts.NotSent)
	})
	row("requested msg/s", func(r *Result) string {
		if r.Throughput.RequestedMsgsPerS == nil {
			return "max"
		}
		return num(*r.Throughput.RequestedMsgsPerS)
	})
	row("sent msg/s", func(r *Result) string { return num(r.Throughput.SentMsgsPerS) })
	row("received msg/s", func(r *Result) string { return num(r.Throughput.ReceivedMsgsPerS) })
	row("received MB/s", func(r *Result) string { return num(r.Throughput.ReceivedMBPerS) })
	for _, m := range []struct {
		name string
		get  func(r *Result) Latency
	}{
		{"publish", func(r *Result) Latency { return r.Latency.Publish }},
		{"end-to-end", func(r *Result) Latency { return r.Latency.EndToEnd }},
		{"service", func(r *Result) Latency { return r.Latency.Service }},
		{"send lag", func(r *Result) Latency { return r.Latency.SendLag }},
	} {
		row(m.name+" p50 / p99 / p99.9 / max ms", func(r *Result) string {
			l := m.get(r)
			if l.Count == 0 {
				return "-"
			}
			return strings.Join([]string{ms(l.P50), ms(l.P99), ms(l.P999), ms(l.Max)}, " / ")
		})
	}
	row("bench CPU, % of one core", func(r *Result) string {
		secs := r.EndedAt.Sub(r.StartedAt).Seconds()
		if secs <= 0 {
			return "-"
		}
		return num(100 * r.ClientCPUSeconds / secs)
	})
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range results {
		for _, n := range r.Notes {
			fmt.Fprintf(w, "note (%s): %s\n", r.Target.Name, n)
		}
		for _, e := range r.Errors {
			fmt.Fprintf(w, "errors (%s): %d %s, first: %s\n", r.Target.Name, e.Count, e.Where, e.First)
		}
	}
	return nil
}

// ms writes microseconds as milliseconds, to about 3 significant digits.
func ms(us float64) string {
	v := us / 1e3
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case v >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'f', 3, 64)
}

// num writes a rate with at most one decimal.
func num(v float64) string {
	if v >= 100 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}
