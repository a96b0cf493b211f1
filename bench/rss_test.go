package bench

import (
	"runtime"
	"runtime/debug"
	"testing"
)

func TestPeakRSS(t *testing.T) {
	if runtime.GOOS != "linux" {
		if got := PeakRSS(); got != 0 {
			t.Fatalf("PeakRSS() = %d outside Linux, want 0", got)
		}
		t.Skip("peak resident memory is only known on Linux")
	}
	// Memory freed by earlier tests but still resident would take the allocation below
	// without the resident set growing.
	debug.FreeOSMemory()
	resetPeakRSS()
	before := PeakRSS()
	if before <= 0 {
		t.Fatalf("PeakRSS() = %d, want the process's resident memory", before)
	}
	const size = 64 << 20
	b := make([]byte, size)
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1 // touch every page, so that it is resident
	}
	if got := PeakRSS(); got < before+size*9/10 {
		t.Errorf("PeakRSS() = %d after touching %d bytes more than %d", got, size, before)
	}
	runtime.KeepAlive(b)
}
