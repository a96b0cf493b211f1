package report

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
)

// check reports what the values of a decoded result say that cannot be: negative
// counts, more messages received than sent, histograms that do not decode or disagree
// with their counts. A hand-edited or damaged file then fails in every reader (report,
// compare, verify) instead of being shown as if it were measured. Each error names the
// field as the file spells it.
func (r *Result) check() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}

	counts := reflect.ValueOf(r.Counts)
	for i := range counts.NumField() {
		name, _, _ := strings.Cut(counts.Type().Field(i).Tag.Get("json"), ",")
		if v := counts.Field(i).Int(); v < 0 {
			bad("counts."+name, "%d is negative: a count is 0 or more", v)
		}
	}
	c := r.Counts
	if c.Sent >= 0 && c.Duplicated >= 0 && c.Received > c.Sent+c.Duplicated {
		bad("counts.received", "%d is more than were sent (counts.sent %d) plus the copies (counts.duplicated %d)",
			c.Received, c.Sent, c.Duplicated)
	}
	for _, name := range slices.Sorted(maps.Keys(r.DriverCounts)) {
		if v := r.DriverCounts[name]; v < 0 {
			bad("driver_counts."+name, "%d is negative: a count is 0 or more", v)
		}
	}

	for _, x := range r.latencies() {
		h, err := x.l.Histogram()
		if err != nil {
			bad(x.field+".hdr", "%v", err)
			continue
		}
		if total := h.TotalCount(); total != x.l.Count {
			bad(x.field+".count", "%d, but its histogram (hdr) holds %d values", x.l.Count, total)
		}
	}
	// Latencies are recorded for acknowledged sends only, of the measured window only.
	for _, x := range []struct {
		field string
		count int64
	}{{"latency.publish", r.Latency.Publish.Count}, {"latency.service", r.Latency.Service.Count}} {
		if x.count > c.Acked && c.Acked >= 0 {
			bad(x.field+".count", "%d latencies, more than the messages acknowledged (counts.acked %d)", x.count, c.Acked)
		}
	}
	return errors.Join(errs...)
}
