package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"streambench/bench"
)

// progressView shows a run as it goes: a bar on a terminal, a plain line every few
// seconds otherwise.
type progressView struct {
	w      io.Writer
	target string
	bar    *mpb.Bar
	p      *mpb.Progress
	status atomic.Pointer[string]
	last   time.Time
}

// plainEvery is how often a plain progress line is written.
const plainEvery = 5 * time.Second

func newProgressView(w io.Writer, target string) *progressView {
	v := &progressView{w: w, target: target}
	empty := "starting"
	v.status.Store(&empty)
	if sw, ok := w.(*syncWriter); ok && sw.tty {
		// mpb writes to the terminal itself: it needs the file to move the cursor.
		v.p = mpb.New(mpb.WithOutput(sw.w), mpb.WithWidth(24))
		v.bar = v.p.New(0, mpb.BarStyle(),
			mpb.PrependDecorators(decor.Name(target+" ")),
			mpb.AppendDecorators(decor.Any(func(decor.Statistics) string { return *v.status.Load() })),
		)
	}
	return v
}

// syncWriter lets the goroutines of a run (progress, log lines, the interrupt
// handler) share one output. tty says whether that output is a terminal.
type syncWriter struct {
	mu  sync.Mutex
	w   io.Writer
	tty bool
}

func newSyncWriter(w io.Writer) *syncWriter {
	sw := &syncWriter{w: w}
	if f, ok := w.(*os.File); ok {
		fi, err := f.Stat()
		sw.tty = err == nil && fi.Mode()&os.ModeCharDevice != 0
	}
	return sw
}

func (s *syncWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(b)
}

func (v *progressView) Progress(p bench.Progress) {
	remaining := max(0, p.Total-p.Elapsed).Truncate(time.Second)
	p99 := "-"
	if p.P99 > 0 {
		p99 = p.P99.Round(10 * time.Microsecond).String()
	}
	line := fmt.Sprintf("%s %s/%s, %s left, sent %.0f/s, received %.0f/s, end-to-end p99 so far %s",
		p.Phase, p.Elapsed.Truncate(time.Second), p.Total, remaining, p.SentRate, p.ReceivedRate, p99)
	if v.bar != nil {
		v.status.Store(&line)
		v.bar.SetTotal(int64(p.Total/time.Second), false)
		v.bar.SetCurrent(int64(min(p.Elapsed, p.Total) / time.Second))
		return
	}
	if time.Since(v.last) >= plainEvery {
		v.last = time.Now()
		fmt.Fprintf(v.w, "target %s: %s\n", v.target, line)
	}
}

func (v *progressView) Logf(format string, args ...any) {
	line := fmt.Sprintf("target %s: "+format+"\n", append([]any{v.target}, args...)...)
	if v.p != nil {
		v.p.Write([]byte(line))
		return
	}
	io.WriteString(v.w, line)
}

func (v *progressView) Done() {
	if v.bar != nil {
		v.bar.SetTotal(-1, true)
		v.p.Wait()
	}
}
