package bench

import (
	"math"
	"runtime"
	"time"
)

// Schedule gives one producer's intended send times in an open-loop run. With n
// producers sharing a total rate, producer j sends its i-th message at (i·n + j)/rate
// seconds after the start, so together they make one evenly spaced stream. Times are
// nanoseconds since the run's start.
type Schedule struct {
	period float64 // ns between two messages of this producer
	offset float64 // ns before this producer's first message
}

// NewSchedule returns producer index's schedule (of producers) for a total rate in
// messages per second.
func NewSchedule(rate float64, producers, index int) Schedule {
	step := 1e9 / rate
	return Schedule{period: step * float64(producers), offset: step * float64(index)}
}

// At is the intended send time of message i.
func (s Schedule) At(i uint64) int64 {
	return int64(s.offset + float64(i)*s.period)
}

// Count is the number of messages intended before t: what the producer owed by then.
func (s Schedule) Count(t int64) uint64 {
	if float64(t) <= s.offset {
		return 0
	}
	return settle(s, uint64(math.Ceil((float64(t)-s.offset)/s.period)), t)
}

// pacer waits for intended send times with as few wake-ups as it can: a ticker whose
// grid follows the schedule costs less than arming a new timer for every message (each
// new timer that is earlier than the runtime's next poll forces a wake-up of the
// poller). Go's timers wake with about a millisecond of granularity here, so the
// ticker never ticks faster than every millisecond; messages due between two ticks go
// out at the next tick, and that lateness is measured as send lag like any other.
type pacer struct {
	now    func() int64
	stop   <-chan struct{}
	period time.Duration
	tick   *time.Ticker
	timer  *time.Timer
}

// spinGap is the gap below which the pacer yields the processor until the message is
// due rather than waiting for the next tick (a tick can come a little early: the
// schedule's period is not a whole number of nanoseconds).
const spinGap = 20 * time.Microsecond

func newPacer(s timetable, now func() int64, stop <-chan struct{}) *pacer {
	t := time.NewTimer(time.Hour)
	t.Stop()
	// A shaped or Poisson timetable has no one period: the ticker follows its shortest
	// mean gap, and a longer gap is slept through by the timer, which lays the grid anew.
	return &pacer{now: now, stop: stop, period: max(time.Duration(s.gap()), time.Millisecond), timer: t}
}

// wait returns once the clock reaches intended, or as soon as stop is closed, with the
// clock's last reading.
func (p *pacer) wait(intended int64) (now int64) {
	for {
		now = p.now()
		gap := time.Duration(intended - now)
		switch {
		case gap <= 0:
			return now
		case gap <= spinGap:
			runtime.Gosched()
			continue
		case p.tick != nil && gap <= p.period:
			select {
			case <-p.tick.C:
				continue
			case <-p.stop:
				return p.now()
			}
		}
		// No ticker yet, or it has drifted off the schedule's grid (or the schedule has a
		// long gap): sleep to the message, then lay the ticker's grid from there.
		p.timer.Reset(gap)
		select {
		case <-p.timer.C:
		case <-p.stop:
			p.timer.Stop()
			return p.now()
		}
		if p.tick == nil {
			p.tick = time.NewTicker(p.period)
		} else {
			p.tick.Reset(p.period)
		}
	}
}

func (p *pacer) close() {
	if p.tick != nil {
		p.tick.Stop()
	}
	p.timer.Stop()
}
