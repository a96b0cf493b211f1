//go:build unix && !linux

package brokers

// procStart cannot read a start time without /proc.
func procStart(pid int) (ticks uint64, ok bool) { return 0, false }

// bootID cannot read the boot id without /proc.
func bootID() string { return "" }

// sameProcess can only tell whether pid runs: without /proc, a recycled pid passes for
// the process recorded.
func sameProcess(pid int, start uint64, boot string) bool { return pidAlive(pid) }
