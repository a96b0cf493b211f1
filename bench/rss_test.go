package bench

import (
	"bytes"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"testing"
)

// residentNow is VmRSS, the memory resident at this moment, in bytes.
func residentNow(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range bytes.Lines(b) {
		if rest, ok := bytes.CutPrefix(line, []byte("VmRSS:")); ok {
			kb, err := strconv.ParseInt(string(bytes.Fields(rest)[0]), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmRSS in /proc/self/status")
	return 0
}

// TestPeakRSS checks the peak against the resident memory, which it can never be
// below, while 64 MiB more is held and after the mark is reset. (How much the resident
// set grows for an allocation depends on what the Go heap already holds, so the test
// does not count on it.)
func TestPeakRSS(t *testing.T) {
	if runtime.GOOS != "linux" {
		if got := PeakRSS(); got != 0 {
			t.Fatalf("PeakRSS() = %d outside Linux, want 0", got)
		}
		t.Skip("peak resident memory is only known on Linux")
	}
	const size = 64 << 20
	b := make([]byte, size)
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1 // touch every page, so that it is resident
	}
	held, peak := residentNow(t), PeakRSS()
	if held < size || peak < held {
		t.Errorf("with %d bytes held: resident %d, PeakRSS() %d: want the peak at least what is resident", size, held, peak)
	}
	runtime.KeepAlive(b)
	b = nil
	debug.FreeOSMemory()

	resetPeakRSS()
	now, after := residentNow(t), PeakRSS()
	if after >= peak && now < peak-size/2 {
		t.Skipf("resetting the peak had no effect here (PeakRSS %d, resident %d): /proc/self/clear_refs refused?", after, now)
	}
	if after < now || after > now+size/4 {
		t.Errorf("after the reset, PeakRSS() = %d with %d resident: want about what is resident", after, now)
	}
}
