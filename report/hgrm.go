package report

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// hgrmTicks is the number of percentile steps per half distance to 100%, as in
// HdrHistogram's own examples and tools.
const hgrmTicks = 5

// HGRM writes h's percentile distribution in the .hgrm text of HdrHistogram's Java
// outputPercentileDistribution, which HdrHistogram's plotter (plotFiles.html) and
// hdr-plot read: a "Value Percentile TotalCount 1/(1-Percentile)" table with 5 steps
// per half distance to 100%, and the Mean/StdDeviation/Max/Total count footer. h holds
// nanoseconds; values are written in milliseconds.
//
// hdrhistogram-go's PercentilesPrint writes another layout (tab-separated header, "inf"
// on the last line), so only the iteration is taken from it.
func HGRM(w io.Writer, h *hdrhistogram.Histogram) error {
	if h.TotalCount() == 0 {
		return errors.New("no values recorded")
	}
	const scale = 1e6 // nanoseconds per millisecond
	digits := int(h.SignificantFigures())
	value := func(v float64) string { return fmt.Sprintf("%12s", javaFixed(v/scale, digits)) }
	out := &blockWriter{w: w}
	out.printf("%12s %14s %10s %14s\n\n", "Value", "Percentile", "TotalCount", "1/(1-Percentile)")
	for _, b := range h.CumulativeDistributionWithTicks(hgrmTicks) {
		q := b.Quantile / 100
		out.printf("%s %2s %10d", value(float64(b.ValueAt)), javaFixed(q, 12), b.Count)
		if b.Quantile != 100 {
			out.printf(" %14s", javaFixed(1/(1-q), 2))
		}
		out.printf("\n")
	}
	buckets, subBuckets := geometry(h)
	out.printf("#[Mean    = %s, StdDeviation   = %s]\n", value(h.Mean()), value(h.StdDev()))
	out.printf("#[Max     = %s, Total count    = %12d]\n", value(float64(h.Max())), h.TotalCount())
	out.printf("#[Buckets = %12d, SubBuckets     = %12d]\n", buckets, subBuckets)
	return out.err()
}

// javaFixed writes v (not negative) with prec decimals as Java's Formatter does: the
// shortest decimal that reads back as v, rounded half up. Go's %f rounds the exact
// binary value instead, and so writes 0.999780273437 where Java writes 0.999780273438.
func javaFixed(v float64, prec int) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) <= prec {
		return strconv.FormatFloat(v, 'f', prec, 64) // exact: nothing to round
	}
	digits := []byte(whole + frac[:prec])
	if frac[prec] >= '5' {
		i := len(digits) - 1
		for ; i >= 0 && digits[i] == '9'; i-- {
			digits[i] = '0'
		}
		if i < 0 {
			digits = append([]byte{'1'}, digits...)
		} else {
			digits[i]++
		}
	}
	cut := len(digits) - prec
	if prec == 0 {
		return string(digits)
	}
	return string(digits[:cut]) + "." + string(digits[cut:])
}

// geometry returns h's bucket and sub-bucket counts, which hdrhistogram-go keeps to
// itself: the counts array holds (buckets+1) half-rows of subBuckets/2, and subBuckets
// is the least power of two (at least 2) that holds 2×10^digits.
func geometry(h *hdrhistogram.Histogram) (buckets, subBuckets int) {
	magnitude := max(1, int(math.Ceil(math.Log2(2*math.Pow10(int(h.SignificantFigures()))))))
	subBuckets = 1 << magnitude
	return len(h.Export().Counts)/(subBuckets/2) - 1, subBuckets
}

// HGRMOf writes the distribution of metric m of result r, as HGRM does.
func HGRMOf(w io.Writer, r *Result, m Metric) error {
	h, err := m.Of(r.Latency).Histogram()
	if err != nil {
		return fmt.Errorf("%s latency: %w", m.Title, err)
	}
	if err := HGRM(w, h); err != nil {
		return fmt.Errorf("%s latency: %w", m.Title, err)
	}
	return nil
}
