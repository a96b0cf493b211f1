package brokers

import (
	"slices"
	"testing"
)

// TestFreePortsAboveEphemeralRange: where the kernel's ephemeral range leaves room above
// it, the ports picked for a broker come from there (so no outgoing connection or
// kernel-assigned port can take one before the broker binds it), are distinct, and are
// free again once picked.
func TestFreePortsAboveEphemeralRange(t *testing.T) {
	_, hi, ok := ephemeralRange()
	if !ok || maxPort-hi < minRoom {
		t.Skipf("no room above the ephemeral range here (read: %v, top %d): the kernel picks", ok, hi)
	}
	for _, host := range []string{"127.0.0.1", ""} {
		ports, err := freePorts(host, 6)
		if err != nil {
			t.Fatal(err)
		}
		if len(ports) != 6 {
			t.Fatalf("%q: %d ports, want 6: %v", host, len(ports), ports)
		}
		for i, p := range ports {
			if p <= hi || p > maxPort {
				t.Errorf("%q: port %d is not above the ephemeral range (top %d)", host, p, hi)
			}
			if slices.Contains(ports[:i], p) {
				t.Errorf("%q: port %d picked twice: %v", host, p, ports)
			}
			if err := portFree(host, p); err != nil {
				t.Errorf("%q: port %d not free after the pick: %v", host, p, err)
			}
		}
	}
}
