//go:build unix && !linux

package brokers

import (
	"os"
	"syscall"
)

// boundProcAttr puts a run-scoped broker in its own process group. Outside Linux there is
// no parent-death signal: if bench is killed without calling Stop, the broker keeps running
// until stopped by hand (its pid is in the error or log of the run).
func boundProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// detachedProcAttr gives a detached broker a session of its own, so that neither the
// terminal's hang-up nor its Ctrl-C reaches it after bench has exited.
func detachedProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setsid: true}
}

// isZombie cannot tell without /proc; a zombie is reaped soon by its parent or by init.
func isZombie(pid int) bool { return false }

// processArgs cannot read another process's command line without /proc.
func processArgs(pid int) ([]string, bool) { return nil, false }

// parentDeathSignal says a run-scoped broker may outlive the bench that started it.
const parentDeathSignal = false

// processInDir cannot tell without /proc; it trusts the pid.
func processInDir(pid int, dir string) bool { return true }

// maxRSS is the peak resident set of an exited child, in bytes (BSDs and macOS give
// bytes).
func maxRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return int64(ru.Maxrss)
	}
	return 0
}
