package brokers

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// runTool runs a short-lived program (mvn, npm, a storage tool) in dir and returns its
// combined output, for the caller to quote in an error. Like a run-scoped broker, it runs
// in a process group of its own, dies with bench (parent-death signal) and is recorded
// as note says (unless note is nil), so that neither a Ctrl-C nor a killed bench leaves
// a JVM of Maven's behind. If ctx ends first, the whole group is killed and the error is
// ctx's rather than the signal's.
func runTool(ctx context.Context, note *procNote, dir, prog string, args ...string) (string, error) {
	r, err := runMeasured(ctx, note, toolCommand(dir, prog, args...), nil)
	return r.Output, err
}

// toolCommand is the command that runs prog with args in dir.
func toolCommand(dir, prog string, args ...string) *exec.Cmd {
	cmd := exec.Command(prog, args...)
	cmd.Dir = dir
	return cmd
}

// ToolRun is what a program run by RunMeasured printed, and what it cost.
type ToolRun struct {
	// Output is its standard output and standard error, interleaved.
	Output string
	// Wall is from its start to its exit; CPU its user and system time, all its threads
	// and reaped children included (getrusage of the child); MaxRSS its peak resident
	// set in bytes.
	Wall   time.Duration
	CPU    time.Duration
	MaxRSS int64
}

// RunMeasured runs prog as bench runs its tools (a process group of its own, killed with
// bench, recorded in the state directory of o until it exits), waits for it, and says
// what it printed and what it cost. A program that fails returns its run with the error.
func RunMeasured(ctx context.Context, o KafkaOptions, prog string, args ...string) (ToolRun, error) {
	c, err := o.resolve()
	if err != nil {
		return ToolRun{}, err
	}
	return runMeasured(ctx, c.note(filepath.Base(prog)), toolCommand("", prog, args...), nil)
}

// KafkaToolCommand is the command line that runs class, a main class of Kafka's jars
// (org.apache.kafka.tools.ProducerPerformance, …), with a heap of heapMB MiB: java and
// its arguments, the classpath fetched as for the broker.
func KafkaToolCommand(ctx context.Context, o KafkaOptions, heapMB int, class string, args ...string) (string, []string, error) {
	c, err := o.resolve()
	if err != nil {
		return "", nil, err
	}
	java, err := lookJava()
	if err != nil {
		return "", nil, err
	}
	jars, err := c.ensureJars(ctx)
	if err != nil {
		return "", nil, err
	}
	jvm := []string{fmt.Sprintf("-Xmx%dm", heapMB), "-cp", strings.Join(jars, string(os.PathListSeparator)), class}
	return java, append(jvm, args...), nil
}

// runMeasured runs cmd as runTool does. tee, if not nil, also receives the output as it
// comes, from another goroutine.
func runMeasured(ctx context.Context, note *procNote, cmd *exec.Cmd, tee io.Writer) (ToolRun, error) {
	var out bytes.Buffer
	w := io.Writer(&out)
	if tee != nil {
		w = io.MultiWriter(&out, tee)
	}
	cmd.Stdout = w
	cmd.Stderr = w
	// A grandchild that keeps the output open does not hold Wait up for long.
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	proc, err := startRecorded(cmd, true, note)
	if err != nil {
		return ToolRun{}, err
	}
	select {
	case <-proc.exited:
	case <-ctx.Done():
		signalGroup(proc.pid, syscall.SIGKILL)
		<-proc.exited
	}
	// out and cmd.ProcessState are complete once Wait has returned, which exited follows.
	r := ToolRun{Output: out.String(), Wall: time.Since(start)}
	if ps := cmd.ProcessState; ps != nil {
		r.CPU = ps.UserTime() + ps.SystemTime()
		r.MaxRSS = maxRSS(ps)
	}
	if ctx.Err() != nil {
		return r, ctx.Err()
	}
	return r, proc.waitErr
}

// OutputTail returns the last n non-empty lines of a program's output, each on its own
// indented line, for appending to an error message; empty if out is blank.
func OutputTail(out string, n int) string {
	lines := lastLines(out, n)
	if len(lines) == 0 {
		return ""
	}
	return "\n    " + strings.Join(lines, "\n    ")
}

// lastLines returns up to n trailing non-blank lines of s, without ANSI colour codes,
// which mvn emits even in batch mode on some versions.
func lastLines(s string, n int) []string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimRight(stripANSI(l), " \r\t")
		if l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines
}

// stripANSI removes CSI escape sequences (ESC [ ... final byte).
func stripANSI(s string) string {
	if !strings.Contains(s, "\x1b[") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && (s[j] < 0x40 || s[j] > 0x7e) {
				j++
			}
			i = j
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
