package bench_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"streambench/bench"
	"streambench/drivers"
)

// sizeDriver is a loopback driver with size limits, which remembers what it was asked
// and whether its topology was removed.
type sizeDriver struct {
	drivers.Driver
	limits   []drivers.SizeLimit
	err      error
	asked    []drivers.MessageShape
	tornDown bool
}

func (d *sizeDriver) SizeLimits(_ context.Context, shape drivers.MessageShape) ([]drivers.SizeLimit, error) {
	d.asked = append(d.asked, shape)
	return d.limits, d.err
}

func (d *sizeDriver) Teardown(ctx context.Context) error {
	d.tornDown = true
	return d.Driver.Teardown(ctx)
}

var (
	producerLimit = drivers.SizeLimit{MaxValue: 1000, By: "the producer's batch limit", Remedy: "raise batch_max_bytes"}
	brokerLimit   = drivers.SizeLimit{MaxValue: 5000, By: "the topic's max.message.bytes", Remedy: "raise message.max.bytes", Compressed: true}
)

func TestSizeCheck(t *testing.T) {
	for _, tc := range []struct {
		name     string
		size     int
		payload  bench.Payload
		oversize bench.Oversize
		err      error // from SizeLimits
		// refused lists what the error must say; nil means the run goes ahead.
		refused []string
		logs    string // what the run must say about the limits
	}{
		{name: "at the limit", size: 1000},
		{name: "one over the producer's limit", size: 1001, refused: []string{
			"workload.message_size 1001 is over what the target accepts",
			"at most 1000 bytes: the producer's batch limit; to allow more, raise batch_max_bytes",
			"Lower workload.message_size to 1000 or less, or set workload.oversize: measure",
		}},
		{name: "over both, tightest first", size: 6000, refused: []string{
			"at most 1000 bytes: the producer's batch limit",
			"\n  - at most 5000 bytes: the topic's max.message.bytes; to allow more, raise message.max.bytes",
		}},
		// The broker's limit applies after compression: zeros may well fit.
		{name: "compressible payload", size: 6000, payload: bench.PayloadZeros, refused: []string{"at most 1000 bytes"},
			logs: "may fit once compressed"},
		{name: "measured instead", size: 6000, oversize: bench.OversizeMeasure, logs: "sending anyway"},
		// A limit that cannot be read leaves the run to the broker.
		{name: "limits unreadable", size: 900, err: errors.New("describe configs: not authorized"), logs: "limit not checked"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, inner := loopbackScenario(t, func(s *bench.Scenario) {
				s.Workload.MessageSize = tc.size
				s.Workload.Rate = bench.Rate{PerSecond: 100}
				if tc.payload != "" {
					s.Workload.Payload = tc.payload
				}
				if tc.oversize != "" {
					s.Workload.Oversize = tc.oversize
				}
			})
			d := &sizeDriver{Driver: inner, limits: []drivers.SizeLimit{brokerLimit, producerLimit}, err: tc.err}
			var log strings.Builder
			m, err := bench.Run(context.Background(), s, d, bench.Options{Logf: func(f string, args ...any) {
				fmt.Fprintf(&log, f+"\n", args...)
			}})
			if !strings.Contains(log.String(), tc.logs) {
				t.Errorf("the run did not say %q:\n%s", tc.logs, log.String())
			}
			if !d.tornDown {
				t.Error("the topology was not removed")
			}
			if tc.refused == nil {
				if err != nil || m == nil || m.Counts.Sent == 0 {
					t.Fatalf("run refused or empty: %v", err)
				}
				return
			}
			if m != nil || !errors.Is(err, bench.ErrTooLarge) {
				t.Fatalf("measurements %v, error %v: want the run refused with ErrTooLarge", m != nil, err)
			}
			for _, want := range tc.refused {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error lacks %q:\n%v", want, err)
				}
			}
		})
	}
}

func TestSizeCheckShape(t *testing.T) {
	for keys, want := range map[string]drivers.MessageShape{
		"none":        {},
		"round-robin": {Partitioned: true},
		"random":      {KeyLen: 13}, // strconv.FormatUint(math.MaxUint64, 36)
		"1":           {KeyLen: len("key-0")},
		"1000":        {KeyLen: len("key-999")},
		"1001":        {KeyLen: len("key-1000")},
	} {
		k, err := bench.ParseKeys(keys)
		if err != nil {
			t.Fatal(err)
		}
		s, inner := loopbackScenario(t, func(s *bench.Scenario) {
			s.Workload.Keys = k
			s.Workload.MessageSize = 5000 // over: the load does not start
		})
		d := &sizeDriver{Driver: inner, limits: []drivers.SizeLimit{producerLimit}}
		bench.Run(context.Background(), s, d, bench.Options{})
		if len(d.asked) != 1 || d.asked[0] != want {
			t.Errorf("keys %s: the driver was asked about %+v, want %+v", keys, d.asked, want)
		}
	}
}
