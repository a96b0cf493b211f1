package drivers

import (
	"strings"
	"testing"
	"time"
)

func TestRegistry(t *testing.T) {
	r := NewRegistry(Registration{Name: "b"}, Registration{Name: "a"})
	if got := strings.Join(r.Names(), ","); got != "a,b" {
		t.Errorf("Names() = %s", got)
	}
	if _, err := r.Lookup("a"); err != nil {
		t.Error(err)
	}
	if _, err := r.Lookup("c"); err == nil || !strings.Contains(err.Error(), "known: a, b") {
		t.Errorf("Lookup(c) = %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("registering a name twice did not panic")
		}
	}()
	NewRegistry(Registration{Name: "a"}, Registration{Name: "a"})
}

func TestDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"250ms": 250 * time.Millisecond, "7d": 7 * 24 * time.Hour, "1h30m": 90 * time.Minute, "0s": 0} {
		got, err := ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
		if back, _ := ParseDuration(FormatDuration(got)); back != got {
			t.Errorf("%q does not survive formatting: %s", in, FormatDuration(got))
		}
	}
	for _, bad := range []string{"", "30", "7 d", "-1d", "1.5d", "soon"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) accepted", bad)
		}
	}
}
