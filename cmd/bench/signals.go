package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// interrupts is bench's one handling of Ctrl-C (and SIGTERM), caught for the whole of
// a command, so that none falls between two of its steps with no handler and kills
// bench outright, leaving its brokers behind. The first ends soft: the load stops,
// consumers drain, results are written, what bench started is stopped cleanly. The
// second ends hard: everything stops at once, and a broker bench started is killed
// rather than shut down. hard's end ends soft too.
type interrupts struct {
	soft, hard context.Context

	mu sync.Mutex
	w  io.Writer // where an interrupt is announced; nil: it is not
}

// catchInterrupts catches interrupts until the returned function is called (once or
// more), which also ends hard.
func catchInterrupts() (*interrupts, func()) {
	hard, cancelHard := context.WithCancelCause(context.Background())
	soft, cancelSoft := context.WithCancel(hard)
	in := &interrupts{soft: soft, hard: hard}
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		for _, stage := range []struct {
			say    string
			cancel func()
		}{
			{"\nbench: interrupt: stopping the load, draining, writing results (interrupt again to stop at once)", cancelSoft},
			{"bench: second interrupt: stopping now", func() { cancelHard(errors.New("interrupted twice")) }},
		} {
			select {
			case <-sigs:
			case <-done:
				return
			}
			in.mu.Lock()
			if in.w != nil {
				fmt.Fprintln(in.w, stage.say)
			}
			in.mu.Unlock()
			stage.cancel()
		}
	}()
	return in, sync.OnceFunc(func() {
		signal.Stop(sigs)
		close(done)
		cancelHard(nil)
	})
}

// announceTo has each interrupt said on w from now on, as it is caught: while a run is
// under way, which it stops (nil: not said, as between runs).
func (in *interrupts) announceTo(w io.Writer) {
	in.mu.Lock()
	in.w = w
	in.mu.Unlock()
}
