package bench

import (
	"bytes"
	"os"
	"strconv"
)

// PeakRSS is the most memory this process has held resident, in bytes: since it
// started, or since the start of the last run where Linux let Run reset the mark. It
// is 0 where /proc/self/status does not say (anything but Linux).
func PeakRSS() int64 { return procKB("/proc/self/status", "VmHWM:") }

// procKB reads the line of a /proc file (status, meminfo) that starts with key and
// gives a number of kB, in bytes; 0 when there is no such line.
func procKB(path, key string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for line := range bytes.Lines(b) {
		rest, ok := bytes.CutPrefix(line, []byte(key))
		if !ok {
			continue
		}
		f := bytes.Fields(rest)
		if len(f) != 2 || string(f[1]) != "kB" {
			return 0
		}
		kb, err := strconv.ParseInt(string(f[0]), 10, 64)
		if err != nil {
			return 0
		}
		return kb << 10
	}
	return 0
}

// resetPeakRSS starts PeakRSS again from the memory resident now, so that a run's peak
// is its own and not that of a run before it in the same process. Linux (4.0 and
// later) allows it; elsewhere it does nothing.
func resetPeakRSS() {
	f, err := os.OpenFile("/proc/self/clear_refs", os.O_WRONLY, 0)
	if err != nil {
		return
	}
	_, _ = f.Write([]byte("5"))
	_ = f.Close()
}
