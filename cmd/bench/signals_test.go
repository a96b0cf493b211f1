package main

import (
	"bytes"
	"context"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestInterruptStages sends this process SIGINT twice, then SIGTERM to a second
// handler: the first ends soft alone, and is announced while a writer is set; the
// second ends hard, with the cause runs report, and is not announced once the writer
// is unset.
func TestInterruptStages(t *testing.T) {
	in, stop := catchInterrupts()
	defer stop()
	var out syncBuffer
	in.announceTo(&out)
	wait := func(ctx context.Context, what string) {
		t.Helper()
		select {
		case <-ctx.Done():
		case <-time.After(5 * time.Second):
			t.Fatalf("%s not ended 5 s after the signal", what)
		}
	}
	syscall.Kill(syscall.Getpid(), syscall.SIGINT)
	wait(in.soft, "soft")
	if in.hard.Err() != nil {
		t.Fatal("the first interrupt ended hard")
	}
	if want := "\nbench: interrupt: stopping the load, draining, writing results (interrupt again to stop at once)\n"; out.String() != want {
		t.Errorf("announced %q, want %q", out.String(), want)
	}
	in.announceTo(nil)
	syscall.Kill(syscall.Getpid(), syscall.SIGINT)
	wait(in.hard, "hard")
	if cause := context.Cause(in.hard); cause == nil || cause.Error() != "interrupted twice" {
		t.Errorf("cause %v", cause)
	}
	if out.String() != "\nbench: interrupt: stopping the load, draining, writing results (interrupt again to stop at once)\n" {
		t.Errorf("the second interrupt was announced with no writer set: %q", out.String())
	}
	stop()

	in, stop = catchInterrupts()
	defer stop()
	syscall.Kill(syscall.Getpid(), syscall.SIGTERM)
	wait(in.soft, "soft, on SIGTERM,")
	stop()
	if in.hard.Err() == nil {
		t.Error("stop did not end hard")
	}
}

// syncBuffer is a bytes.Buffer the handler's goroutine and the test can share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
