package bench

import "math"

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
	n := uint64(math.Ceil((float64(t) - s.offset) / s.period))
	// float rounding may put At(n-1) at or past t; count only those before it
	for n > 0 && s.At(n-1) >= t {
		n--
	}
	for s.At(n) < t {
		n++
	}
	return n
}
