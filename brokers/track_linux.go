package brokers

import (
	"bytes"
	"os"
	"strconv"
	"strings"
)

// procStart returns pid's start time in clock ticks since boot, field 22 of
// /proc/PID/stat; ok is false when the process is gone.
func procStart(pid int) (ticks uint64, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	// The fields after the command name, which is in parentheses and may hold spaces:
	// the first of them is field 3, the state.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	fields := strings.Fields(string(b[i+1:]))
	const startField = 22 - 3
	if len(fields) <= startField {
		return 0, false
	}
	ticks, err = strconv.ParseUint(fields[startField], 10, 64)
	return ticks, err == nil
}

// bootID returns the kernel's id of this boot, which tells start times of one boot from
// those of another.
func bootID() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// sameProcess reports whether pid runs (not a zombie) and is the process that started
// at start (clock ticks since boot) during boot.
func sameProcess(pid int, start uint64, boot string) bool {
	if !pidAlive(pid) {
		return false
	}
	if boot != "" && boot != bootID() {
		return false
	}
	got, ok := procStart(pid)
	return ok && got == start
}
