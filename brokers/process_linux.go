package brokers

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
)

// boundProcAttr puts a run-scoped broker in its own process group and has the kernel
// SIGKILL it when the forking thread dies (see startChild for why that thread stays put).
func boundProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// detachedProcAttr gives a detached broker a session of its own, so that neither the
// terminal's hang-up nor its Ctrl-C reaches it after bench has exited.
func detachedProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setsid: true}
}

// isZombie reports whether pid has exited but not yet been reaped; kill(pid, 0) still
// succeeds on such a process.
func isZombie(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the command name, which is in parentheses and may itself hold
	// spaces or parentheses: look after the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return false
	}
	return b[i+2] == 'Z'
}

// processArgs returns pid's command line from /proc.
func processArgs(pid int) ([]string, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil || len(b) == 0 {
		return nil, err == nil // readable but empty: a zombie or kernel thread, not our broker
	}
	var args []string
	for _, a := range bytes.Split(bytes.TrimRight(b, "\x00"), []byte{0}) {
		args = append(args, string(a))
	}
	return args, true
}

// parentDeathSignal says a run-scoped broker cannot outlive the bench that started it.
const parentDeathSignal = true

// processInDir reports whether pid's working directory is dir. It compares the
// directories themselves, not their names, so that a symbolic link on the way to dir does
// not hide a match, and a directory removed and made anew does not fake one.
func processInDir(pid int, dir string) bool {
	cwd, err := os.Stat("/proc/" + strconv.Itoa(pid) + "/cwd")
	if err != nil {
		return false
	}
	d, err := os.Stat(dir)
	return err == nil && os.SameFile(cwd, d)
}

// maxRSS is the peak resident set of an exited child, in bytes (Linux gives KiB).
func maxRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss * 1024
	}
	return 0
}
