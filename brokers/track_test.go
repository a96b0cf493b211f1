package brokers

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// TestProcessRecords follows a recorded process from its start to its reaping, and
// checks what CleanProcesses does with each kind of record: a live process whose bench
// is gone is killed, a gone one's record is removed, a live bench's process is left.
func TestProcessRecords(t *testing.T) {
	if !parentDeathSignal {
		t.Skip("process records are only told apart by start time with /proc")
	}
	state := t.TempDir()
	c := baseConfig{name: "fake", stateDir: state}
	recPath := func(pid int) string { return filepath.Join(state, procsDirName, strconv.Itoa(pid)+".json") }

	// Ours, running: recorded while it runs, left alone, removed once reaped.
	ours, err := startRecorded(exec.Command("sleep", "60"), true, c.note("fake broker at nowhere"))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := readProcRecord(recPath(ours.pid))
	if err != nil {
		t.Fatal(err)
	}
	if rec.PID != ours.pid || rec.PGID != ours.pid || rec.Owner != os.Getpid() || rec.Start == 0 || !rec.Bound || rec.Broker != "fake" {
		t.Errorf("record %+v", rec)
	}

	// Left behind: a live process recorded as started by a bench that is gone.
	orphan, err := startRecorded(exec.Command("sleep", "60"), true, c.note("fake orphan"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { orphan.stop(context.Background(), 0) })
	rec, err = readProcRecord(recPath(orphan.pid))
	if err != nil {
		t.Fatal(err)
	}
	rec.Owner = deadPID(t)
	if err := writeState(recPath(orphan.pid), "process record", rec); err != nil {
		t.Fatal(err)
	}

	// Gone: a record naming a live pid with another start time (a recycled pid), and
	// one naming a pid that is free.
	recycled := rec
	recycled.PID, recycled.PGID, recycled.Start = os.Getpid(), os.Getpid(), 1
	if err := writeState(recPath(os.Getpid()), "process record", recycled); err != nil {
		t.Fatal(err)
	}
	gone := rec
	gone.PID = deadPID(t)
	gone.PGID = gone.PID
	if err := writeState(recPath(gone.PID), "process record", gone); err != nil {
		t.Fatal(err)
	}

	listed, err := Processes(state)
	if err != nil || len(listed) != 4 {
		t.Fatalf("Processes: %v, %+v", err, listed)
	}
	procs, err := CleanProcesses(t.Context(), state, "fake")
	if err != nil {
		t.Fatal(err)
	}
	byPID := map[int]Process{}
	for _, p := range procs {
		byPID[p.PID] = p
	}
	if p := byPID[ours.pid]; !p.Alive || !p.OwnerAlive || p.Killed {
		t.Errorf("our live process: %+v", p)
	}
	if p := byPID[orphan.pid]; !p.Alive || p.OwnerAlive || !p.Killed {
		t.Errorf("the orphan: %+v", p)
	}
	for _, pid := range []int{os.Getpid(), gone.PID} {
		if p := byPID[pid]; p.Alive || p.Killed {
			t.Errorf("a record of a process gone: %+v", p)
		}
	}
	select {
	case <-orphan.exited:
	case <-time.After(5 * time.Second):
		t.Fatal("the orphan was not killed")
	}
	for _, pid := range []int{orphan.pid, os.Getpid(), gone.PID} {
		if _, err := os.Stat(recPath(pid)); !os.IsNotExist(err) {
			t.Errorf("record of pid %d not removed (%v)", pid, err)
		}
	}
	if _, err := os.Stat(recPath(ours.pid)); err != nil {
		t.Errorf("record of a live bench's process removed: %v", err)
	}
	if procs, _ := CleanProcesses(t.Context(), state, "other"); len(procs) != 0 {
		t.Errorf("another broker's name found %+v", procs)
	}

	if _, err := ours.stop(t.Context(), time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(recPath(ours.pid)); !os.IsNotExist(err) {
		t.Errorf("record still there after the process was stopped (%v)", err)
	}
}

// TestRunToolCancelled checks that a tool is recorded while it runs and that cancelling
// it kills its whole group, grandchildren too, and removes its record.
func TestRunToolCancelled(t *testing.T) {
	if !parentDeathSignal {
		t.Skip("needs /proc")
	}
	state := t.TempDir()
	c := baseConfig{name: "fake", stateDir: state}
	ctx, cancel := context.WithCancel(t.Context())
	marker := "fake-tool-" + strconv.Itoa(os.Getpid())
	done := make(chan error, 1)
	go func() {
		_, err := runTool(ctx, c.note("fake tool"), "", "sh", "-c", "sh -c 'sleep 60; : "+marker+"' & sleep 61; : "+marker)
		done <- err
	}()
	// The tool's record is written once it has started, which can be just after its
	// child is already running: wait for both.
	var procs []Process
	waitFor(t, "the tool and its child to start, and its record", func() bool {
		procs, _ = Processes(state)
		return len(processesMentioning(marker)) == 2 && len(procs) > 0
	})
	if len(procs) != 1 || procs[0].What != "fake tool" || !procs[0].Alive {
		t.Errorf("records while the tool runs: %+v", procs)
	}
	start := time.Now()
	cancel()
	if err := <-done; err != context.Canceled {
		t.Errorf("err %v, want context.Canceled", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("runTool took %s after its context ended", took)
	}
	waitFor(t, "the tool's group to die", func() bool { return len(processesMentioning(marker)) == 0 })
	if procs, _ := Processes(state); len(procs) != 0 {
		t.Errorf("records left: %+v", procs)
	}
}

// TestUpBound starts a detached kinesis-mock bound to the test process, as bench verify
// does: it stays recorded as this process's (a detached one's record is handed over to
// its state file) and leaves no record once down has stopped it.
func TestUpBound(t *testing.T) {
	integration(t, "node", "npm")
	o := KinesisOptions{StateDir: t.TempDir(), FreePorts: true, Bound: true, Log: t.Output()}
	st, started, err := UpKinesis(t.Context(), o)
	if err != nil || !started {
		t.Fatalf("up: started %v, %v", started, err)
	}
	t.Cleanup(func() { DownKinesis(context.Background(), o) })
	procs, err := Processes(o.StateDir)
	if err != nil || len(procs) != 1 || procs[0].PID != st.PID || !procs[0].OwnerAlive {
		t.Fatalf("records of a bound detached engine: %+v, %v", procs, err)
	}
	if pgid, _ := syscall.Getpgid(st.PID); pgid != st.PID {
		t.Errorf("engine's process group %d, want its own (%d)", pgid, st.PID)
	}
	if err := DownKinesis(t.Context(), o); err != nil {
		t.Fatal(err)
	}
	if procs, _ := Processes(o.StateDir); len(procs) != 0 {
		t.Errorf("records after down: %+v", procs)
	}

	o.Bound = false
	if _, _, err := UpKinesis(t.Context(), o); err != nil {
		t.Fatal(err)
	}
	if procs, _ := Processes(o.StateDir); len(procs) != 0 {
		t.Errorf("a detached engine is still recorded as ours: %+v", procs)
	}
}
