package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"streambench/brokers"
	"streambench/brokers/brokertest"
	"streambench/report"
)

// TestInterrupt runs the bench binary itself, as a user does, against a broker it
// starts for the run (in a cache, state directory and ports of the test's own), and
// interrupts it: once, twice, and with SIGKILL. Whatever way bench ends, no process it
// started may be left. The cases run side by side: each mostly waits for its broker.
func TestInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real brokers; skipped with -short")
	}
	for _, tool := range []string{"java", "mvn", "node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is required in CI: %v", tool, err)
			}
			t.Skipf("%s not on PATH", tool)
		}
	}
	bin := filepath.Join(t.TempDir(), "bench")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// The installs, from the real cache, are linked into each case's own.
	jars, err := brokers.EnsureKafkaJars(t.Context(), brokers.KafkaOptions{Log: t.Output()})
	if err != nil {
		t.Fatal(err)
	}
	installs := []string{filepath.Dir(filepath.Dir(jars[0]))} // <cache>/kafka-<version>/libs/x.jar
	for _, engine := range brokers.KinesisEngines {
		dir, err := brokers.EnsureKinesisEngine(t.Context(), brokers.KinesisOptions{Engine: engine, Log: t.Output()})
		if err != nil {
			t.Fatal(err)
		}
		installs = append(installs, dir)
	}

	for _, target := range []string{"kafka", "kinesis"} {
		t.Run(target+"/once", func(t *testing.T) {
			t.Parallel()
			b := newInterruptBench(t, bin, target, installs)
			recs := b.waitLoad(t)
			b.signal(t, syscall.SIGINT)
			b.assertInterrupted(t, 60*time.Second)
			b.assertNothingLeft(t, recs)
			if left := b.records(t); len(left) > 0 {
				t.Errorf("process records left after a clean stop: %+v", left)
			}
		})
	}

	t.Run("kafka/twice", func(t *testing.T) {
		t.Parallel()
		b := newInterruptBench(t, bin, "kafka", installs)
		recs := b.waitLoad(t)
		b.signal(t, syscall.SIGINT)
		time.Sleep(300 * time.Millisecond)
		b.signal(t, syscall.SIGINT)
		code, took := b.wait(t, 15*time.Second)
		if code != exitInterrupted {
			t.Fatalf("exit %d, want %d\n%s", code, exitInterrupted, b.stderr())
		}
		if took > 5*time.Second {
			t.Errorf("bench took %s to exit after the second interrupt; want a few seconds at most\n%s", took, b.stderr())
		}
		t.Logf("exited %s after the second interrupt", took.Round(100*time.Millisecond))
		if !strings.Contains(b.stderr(), "without waiting for a clean shutdown") {
			t.Errorf("stderr does not say the broker was killed at once:\n%s", b.stderr())
		}
		b.assertNothingLeft(t, recs)
	})

	// kinesis-mock rather than Kafka: it starts in a second, and the parent-death signal
	// is what kills it, as it does the JVM (see the brokers package's tests of both).
	t.Run("kinesis/sigkill", func(t *testing.T) {
		t.Parallel()
		b := newInterruptBench(t, bin, "kinesis", installs)
		recs := b.waitLoad(t)
		b.signal(t, syscall.SIGKILL)
		b.wait(t, 10*time.Second)
		// The parent-death signal kills the broker; its record stays, naming a dead bench.
		for _, r := range recs {
			deadline := time.Now().Add(10 * time.Second)
			for alive(r.PID, r.Start) && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
			}
		}
		if left := b.records(t); len(left) == 0 {
			t.Fatal("no process record left by the killed bench")
		}
		// A process the dead bench left that did not die with it (as a broker on an OS
		// without a parent-death signal would): down must kill it.
		sleeper := b.plantOrphan(t, recs[0])

		out := b.command(t, "brokers", "status", "--env", "local")
		if !strings.Contains(out, "left behind by a bench that is gone: test orphan") {
			t.Errorf("status does not list the orphan:\n%s", out)
		}
		out = b.command(t, "brokers", "down", "--env", "local")
		for _, want := range []string{
			"killed what a bench that is gone left behind: test orphan",
			"removed the record of a process already gone: " + kinesisRecordName(t) + " broker at",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("down does not say %q:\n%s", want, out)
			}
		}
		if err := sleeper.Wait(); err == nil {
			t.Error("the orphan exited normally; down should have killed it")
		}
		if left := b.records(t); len(left) > 0 {
			t.Errorf("process records left after down: %+v", left)
		}
		b.assertNothingLeft(t, recs)
	})
}

// assertInterrupted waits up to d for bench to exit after a first interrupt and checks
// what it left: exit code 130 and a result marked interrupted.
func (b *interruptBench) assertInterrupted(t *testing.T, d time.Duration) {
	t.Helper()
	code, took := b.wait(t, d)
	if code != exitInterrupted {
		t.Fatalf("exit %d, want %d\n%s", code, exitInterrupted, b.stderr())
	}
	t.Logf("exited %s after the interrupt", took.Round(100*time.Millisecond))
	files, _ := filepath.Glob(filepath.Join(b.root, "out", "*", "*-"+b.target+".json"))
	if len(files) != 1 {
		t.Fatalf("want one result file, found %v\n%s", files, b.stderr())
	}
	r, err := report.Read(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if !r.Interrupted || r.Counts.Sent == 0 {
		t.Errorf("result: interrupted %v, sent %d; want an interrupted run that sent something", r.Interrupted, r.Counts.Sent)
	}
}

// interruptBench is one bench process of TestInterrupt, with directories and ports of
// its own.
type interruptBench struct {
	bin, target string
	root, state string
	env         []string
	cmd         *exec.Cmd

	mu     sync.Mutex
	errBuf bytes.Buffer
	loaded chan struct{} // closed when bench says the load has started
	exited chan struct{} // closed when bench has exited
	sentAt time.Time     // of the last signal
}

// newInterruptBench starts bench on a long scenario against target ("kafka",
// "kinesis"), which it starts itself: the cache directory is the test's own (the
// installs linked in from the real cache), and so are the state directory and the ports.
func newInterruptBench(t *testing.T, bin, target string, installs []string) *interruptBench {
	root := t.TempDir()
	b := &interruptBench{bin: bin, target: target, root: root, state: filepath.Join(root, "state"),
		loaded: make(chan struct{}), exited: make(chan struct{})}
	cache := filepath.Join(root, "cache")
	if err := os.MkdirAll(cache, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, dir := range installs {
		if err := os.Symlink(dir, filepath.Join(cache, filepath.Base(dir))); err != nil {
			t.Fatal(err)
		}
	}
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, "BENCH_") {
			b.env = append(b.env, kv)
		}
	}
	b.env = append(b.env, "BENCH_CACHE_DIR="+cache, "BENCH_STATE_DIR="+b.state,
		"BENCH_KAFKA_PORT="+strconv.Itoa(freePortRun(t, 6)),
		"BENCH_KINESIS_PORT="+strconv.Itoa(freePortRun(t, 2)+1))
	t.Cleanup(func() {
		// Whatever the test found, leave nothing running: everything bench started is
		// in the records or mentions root.
		if b.cmd != nil && b.cmd.Process != nil {
			b.cmd.Process.Kill()
			<-b.exited
		}
		for _, pid := range processesUsing(root) {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	b.start(t)
	return b
}

// signal sends sig to bench.
func (b *interruptBench) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	b.mu.Lock()
	b.sentAt = time.Now()
	b.mu.Unlock()
	if err := b.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
}

// start starts bench run.
func (b *interruptBench) start(t *testing.T) {
	t.Helper()
	sc := filepath.Join(b.root, "interrupt.yaml")
	if err := os.WriteFile(sc, []byte(`
name: interrupt
targets: [kafka, kinesis]
duration: 60s
warmup: 0s
drain: 5s
workload: {rate: 200, message_size: 100}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	b.cmd = exec.Command(b.bin, "run", "--env", "local", "--target", b.target, "--out", filepath.Join(b.root, "out"), sc)
	b.cmd.Env = b.env
	stderr, err := b.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		once := sync.OnceFunc(func() { close(b.loaded) })
		for sc.Scan() {
			b.mu.Lock()
			b.errBuf.WriteString(sc.Text() + "\n")
			b.mu.Unlock()
			if strings.Contains(sc.Text(), "load started") {
				once()
			}
		}
		b.cmd.Wait()
		close(b.exited)
	}()
}

// waitLoad waits for the load to start, then for a second of it, and returns the
// processes bench has recorded by then: the broker.
func (b *interruptBench) waitLoad(t *testing.T) []procRecord {
	t.Helper()
	select {
	case <-b.loaded:
	case <-b.exited:
		t.Fatalf("bench exited before the load started:\n%s", b.stderr())
	case <-time.After(90 * time.Second):
		t.Fatalf("no load after 90 s:\n%s", b.stderr())
	}
	time.Sleep(time.Second)
	recs := b.records(t)
	if len(recs) != 1 || recs[0].Broker != b.target || !strings.Contains(recs[0].What, " broker at ") || !alive(recs[0].PID, recs[0].Start) {
		t.Fatalf("want the running broker recorded, have %+v", recs)
	}
	return recs
}

// wait waits up to d for bench to exit and returns its exit code (-1 for a signal) and
// how long after the last signal it exited.
func (b *interruptBench) wait(t *testing.T, d time.Duration) (code int, took time.Duration) {
	t.Helper()
	select {
	case <-b.exited:
	case <-time.After(d):
		t.Fatalf("bench still running %s after the signal:\n%s", d, b.stderr())
	}
	b.mu.Lock()
	took = time.Since(b.sentAt)
	b.mu.Unlock()
	return b.cmd.ProcessState.ExitCode(), took
}

func (b *interruptBench) stderr() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.errBuf.String()
}

// command runs another bench command with the same directories and returns its output.
func (b *interruptBench) command(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, b.bin, args...)
	cmd.Env = b.env
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("bench %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// procRecord is the part of a process record (brokers/track.go) the test reads.
type procRecord struct {
	Broker     string `json:"broker"`
	What       string `json:"what"`
	PID        int    `json:"pid"`
	PGID       int    `json:"pgid"`
	Start      uint64 `json:"start_ticks"`
	Owner      int    `json:"owner_pid"`
	OwnerStart uint64 `json:"owner_start_ticks"`
}

// records reads the process records in the state directory.
func (b *interruptBench) records(t *testing.T) []procRecord {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(b.state, "procs", "*.json"))
	var recs []procRecord
	for _, f := range files {
		var r procRecord
		data, err := os.ReadFile(f)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err == nil {
			err = json.Unmarshal(data, &r)
		}
		if err != nil {
			t.Fatalf("process record %s: %v", f, err)
		}
		recs = append(recs, r)
	}
	return recs
}

// plantOrphan starts a process in a group of its own and records it as started by the
// bench that own's record names, which is dead.
func (b *interruptBench) plantOrphan(t *testing.T, own procRecord) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sleep", "300")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	start, ok := startTicks(cmd.Process.Pid)
	if !ok {
		t.Fatal("no start time for the orphan")
	}
	rec := map[string]any{
		"broker": b.target, "what": "test orphan", "pid": cmd.Process.Pid, "pgid": cmd.Process.Pid,
		"start_ticks": start, "owner_pid": own.Owner, "owner_start_ticks": own.OwnerStart,
		"bound": true, "command": "sleep 300", "started_at": time.Now().UTC(),
	}
	data, _ := json.Marshal(rec)
	if err := os.WriteFile(filepath.Join(b.state, "procs", strconv.Itoa(cmd.Process.Pid)+".json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// assertNothingLeft checks that the recorded processes and their groups are gone, and
// that no process mentions the test's directories in its command line or environment.
func (b *interruptBench) assertNothingLeft(t *testing.T, recs []procRecord) {
	t.Helper()
	for _, r := range recs {
		if alive(r.PID, r.Start) {
			t.Errorf("%s (pid %d) still running", r.What, r.PID)
		}
		if pids := groupMembers(r.PGID); len(pids) > 0 {
			t.Errorf("process group %d of %s still has members: %s", r.PGID, r.What, describe(pids))
		}
	}
	if pids := processesUsing(b.root); len(pids) > 0 {
		t.Errorf("processes left that mention %s: %v", b.root, describe(pids))
	}
}

// kinesisRecordName is how the records of the processes bench starts name the local
// Kinesis engine a run without one named uses.
func kinesisRecordName(t *testing.T) string {
	if brokertest.Engine(t) == brokers.EngineKinesisMock {
		return "kinesis"
	}
	return brokers.EngineFerrokinesis
}

// alive reports whether pid runs, is no zombie, and started at start.
func alive(pid int, start uint64) bool {
	st, ok := readStat(pid)
	return ok && st.state != "Z" && st.start == start
}

// startTicks reads pid's start time, field 22 of /proc/PID/stat.
func startTicks(pid int) (uint64, bool) {
	st, ok := readStat(pid)
	return st.start, ok
}

// procStat is what the test reads of /proc/PID/stat, itself rather than through the
// brokers package it checks: the state (field 3), the process group (5) and the start
// time in clock ticks since boot (22).
type procStat struct {
	state string
	pgid  int
	start uint64
}

func readStat(pid int) (procStat, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, false
	}
	// The command name, in parentheses, may hold spaces: count fields after it.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 20 {
		return procStat{}, false
	}
	pgid, err1 := strconv.Atoi(f[2])
	start, err2 := strconv.ParseUint(f[19], 10, 64)
	return procStat{state: f[0], pgid: pgid, start: start}, err1 == nil && err2 == nil
}

// processesUsing lists the live processes other than this one whose command line or
// environment mentions s.
func processesUsing(s string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		for _, f := range []string{"cmdline", "environ"} {
			b, err := os.ReadFile(filepath.Join("/proc", e.Name(), f))
			if err == nil && bytes.Contains(b, []byte(s)) {
				if st, ok := startTicks(pid); ok && alive(pid, st) {
					pids = append(pids, pid)
				}
				break
			}
		}
	}
	return pids
}

// groupMembers lists the live processes (zombies aside: an orphan's waits for init to
// reap it) of process group pgid.
func groupMembers(pgid int) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, ok := readStat(pid); ok && st.state != "Z" && st.pgid == pgid {
			pids = append(pids, pid)
		}
	}
	return pids
}

// describe gives each pid's command line, for a failure message.
func describe(pids []int) string {
	var lines []string
	for _, pid := range pids {
		b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
		lines = append(lines, fmt.Sprintf("%d: %.200s", pid, bytes.ReplaceAll(b, []byte{0}, []byte(" "))))
	}
	return strings.Join(lines, "\n")
}

// freePortRun returns the first of n consecutive ports that are free on 127.0.0.1 now.
func freePortRun(t *testing.T, n int) int {
	t.Helper()
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		first := l.Addr().(*net.TCPAddr).Port
		l.Close()
		ok := first+n <= 65535
		for p := first; ok && p < first+n; p++ {
			l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
			if err != nil {
				ok = false
				break
			}
			l.Close()
		}
		if ok {
			return first
		}
	}
	t.Fatal("no run of free ports found")
	return 0
}
