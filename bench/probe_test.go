package bench_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"streambench/bench"
	"streambench/drivers"
)

// retentionDriver is a loopback driver with a retention that refuses anything above max
// and cannot express no limit, like Kinesis.
type retentionDriver struct {
	drivers.Driver
	retention, max time.Duration
}

func (d *retentionDriver) Retention(context.Context) (time.Duration, error) { return d.retention, nil }

func (d *retentionDriver) SetRetention(_ context.Context, r time.Duration) error {
	switch {
	case r < 0:
		return fmt.Errorf("%w: no unlimited retention here", drivers.ErrUnsupported)
	case r > d.max:
		return errors.New("InvalidArgument: too long")
	}
	d.retention = r
	return nil
}

func (d *retentionDriver) Encryption(context.Context) (bool, string, error) {
	return false, "NONE", nil
}

func TestProbes(t *testing.T) {
	s, inner := loopbackScenario(t, func(s *bench.Scenario) {
		s.Probes = []string{"retention", "set_retention 8760h", "set_retention 8761h", "set_retention unlimited", "retention", "encryption"}
	})
	d := &retentionDriver{Driver: inner, retention: 24 * time.Hour, max: 8760 * time.Hour}
	m, err := bench.Run(context.Background(), s, d, bench.Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkComplete(t, m)
	want := []struct {
		value  float64 // -2: no value
		answer string
		by     string
	}{
		{24, "1d", "broker"},
		{1, "accepted; now 365d", "broker"},
		{0, "refused: InvalidArgument: too long", "broker"},
		{0, "refused: the broker's API cannot express this: no unlimited retention here", "client"},
		{8760, "365d", "broker"},
		{0, "NONE", "broker"},
	}
	if len(m.Probes) != len(want) {
		t.Fatalf("probes %+v, want %d", m.Probes, len(want))
	}
	for i, w := range want {
		p := m.Probes[i]
		if p.Name != s.Probes[i] || p.Answer != w.answer || p.By != w.by ||
			(w.value == -2) != (p.Value == nil) || (p.Value != nil && *p.Value != w.value) {
			t.Errorf("probe %d = %+v (value %v), want %+v", i, p, p.Value, w)
		}
	}

	// A driver without retention says so, and the run goes on.
	s, inner = loopbackScenario(t, func(s *bench.Scenario) { s.Probes = []string{"retention", "encryption"} })
	m, err = bench.Run(context.Background(), s, inner, bench.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Probes) != 2 || m.Probes[0].By != "client" || !strings.Contains(m.Probes[0].Answer, "no retention") ||
		m.Probes[1].By != "client" || m.Probes[0].Value != nil {
		t.Errorf("probes of a driver without them: %+v", m.Probes)
	}
}

func TestBadProbesAreFieldErrors(t *testing.T) {
	_, err := bench.Parse("p.yaml", []byte("name: p\ntargets: [loopback]\nprobes:\n  - retention\n  - set_retention\n  - set_retention 1x\n  - colour\n"), nil, []string{"loopback"})
	if err == nil {
		t.Fatal("bad probes accepted")
	}
	for _, want := range []string{
		"p.yaml:5:5: probes[1]: unknown probe \"set_retention\"",
		"p.yaml:6:5: probes[2]: set_retention takes a duration such as 8760h, or unlimited, not \"1x\"",
		"p.yaml:7:5: probes[3]: unknown probe \"colour\"",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}
