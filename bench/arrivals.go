package bench

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"sync"
	"time"
)

// Arrivals is how an open loop spreads its messages in time.
type Arrivals string

// The arrival laws.
const (
	// ArrivalsUniform sends the messages evenly spaced: the i-th when the rate's
	// integral reaches i.
	ArrivalsUniform Arrivals = "uniform"
	// ArrivalsPoisson sends them as a Poisson process with the same mean rate (for a
	// shaped rate, a non-homogeneous one): independent, exponentially distributed gaps,
	// drawn from workload.seed so that a run repeats its schedule.
	ArrivalsPoisson Arrivals = "poisson"
)

// DefaultSeed seeds the Poisson arrivals of a scenario that names no seed.
const DefaultSeed = 1

// timetable is one producer's intended send times in an open loop, whatever the rate's
// shape and the arrivals' law: the producer's loop asks it for each message's time and
// never which kind it is. Times are nanoseconds since the run's first send.
type timetable interface {
	// At is the intended send time of message i; it does not decrease with i. The
	// producer asks for i = 0, 1, 2, …; other orders are answered too, more slowly.
	At(i uint64) int64
	// Count is the number of messages intended before t, exactly: At(Count(t)-1) < t
	// ≤ At(Count(t)). It is not asked from two goroutines at once, but may be while At
	// is.
	Count(t int64) uint64
	// gap is the shortest mean time between two of its messages, in ns: the pacer's
	// tick.
	gap() float64
	// about is about how many messages are intended before t, without counting them:
	// what to size a buffer for.
	about(t int64) uint64
}

// newTimetable is producer index's timetable for workload w, whose warm-up lasts warmup.
// A constant rate with uniform arrivals keeps the evenly spaced Schedule it always had,
// to the nanosecond.
func newTimetable(w Workload, warmup time.Duration, index int) timetable {
	if len(w.Rate.Stages) == 0 && w.Arrivals != ArrivalsPoisson {
		return NewSchedule(w.Rate.PerSecond, w.Producers, index)
	}
	p := newProfile(w.Rate, warmup)
	gap := 1e9 * float64(w.Producers) / w.Rate.Peak()
	if w.Arrivals == ArrivalsPoisson {
		return newPoissonTimes(p, gap, w.Producers, index, w.Seed)
	}
	return &shapedTimes{p: p, n: float64(w.Producers), j: float64(index), minGap: gap}
}

func (s Schedule) gap() float64             { return s.period }
func (s Schedule) about(t int64) uint64     { return s.Count(t) }
func (s *shapedTimes) gap() float64         { return s.minGap }
func (s *poissonTimes) gap() float64        { return s.minGap }
func (s *shapedTimes) about(t int64) uint64 { return s.Count(t) }

// shapedTimes are evenly spaced arrivals along a shaped rate: with n producers sharing
// it, producer j's i-th message is the run's (i·n + j)-th, sent when the rate's
// integral reaches i·n + j. Together the producers make the one stream a single
// producer would, as with a constant rate.
type shapedTimes struct {
	p      *profile
	n, j   float64
	minGap float64
}

func (s *shapedTimes) At(i uint64) int64 {
	return int64(s.p.at(float64(i)*s.n+s.j) * 1e9)
}

func (s *shapedTimes) Count(t int64) uint64 {
	if t <= 0 {
		return 0
	}
	est := math.Ceil((s.p.count(float64(t)/1e9) - s.j) / s.n)
	return settle(s, uint64(max(0, min(est, 1<<62))), t)
}

// settle corrects an estimate n of the messages of s before t, which float rounding
// may put one off either way, into the exact count.
func settle[S interface{ At(uint64) int64 }](s S, n uint64, t int64) uint64 {
	for n > 0 && s.At(n-1) >= t {
		n--
	}
	for s.At(n) < t {
		n++
	}
	return n
}

// poissonTimes are Poisson arrivals along a shaped rate, by time rescaling: a unit-rate
// Poisson process (gaps drawn from the exponential law of mean 1) whose k-th arrival
// S_k is sent when the rate's integral, shared by the producers, reaches n·S_k.
//
// Each producer is an independent Poisson process at rate/n, its own generator keyed by
// the seed and its index; the superposition of independent Poisson processes is a
// Poisson process at the sum of their rates, so the run's stream as a whole has the
// intended law, whatever the number of producers, and no producer waits on another (a
// striped global sequence would make each producer's times depend on the others').
type poissonTimes struct {
	p      *profile
	n      float64
	minGap float64
	// at walks the arrivals for At, on the producer's goroutine; count walks the same
	// arrivals again for Count, on whatever goroutine asks (the ticker, then the
	// collector), so that neither disturbs the other.
	at    *unitArrivals
	mu    sync.Mutex
	count *unitArrivals
	lastT int64
}

func newPoissonTimes(p *profile, gap float64, producers, index int, seed uint64) *poissonTimes {
	return &poissonTimes{
		p: p, n: float64(producers), minGap: gap,
		at:    newUnitArrivals(seed, uint64(index)),
		count: newUnitArrivals(seed, uint64(index)),
	}
}

func (s *poissonTimes) time(sum float64) int64 { return int64(s.p.at(s.n*sum) * 1e9) }

func (s *poissonTimes) At(i uint64) int64 { return s.time(s.at.seek(i)) }

func (s *poissonTimes) Count(t int64) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.count
	if t < s.lastT {
		c.reset()
	}
	s.lastT = t
	// c stands at the first arrival not yet known to be before the last t asked.
	for s.time(c.sum) < t {
		c.next()
	}
	return c.i
}

// about is the expected count, with room for six standard deviations.
func (s *poissonTimes) about(t int64) uint64 {
	mean := s.p.count(float64(t)/1e9) / s.n
	return uint64(min(mean+6*math.Sqrt(mean)+64, 1<<62))
}

// unitArrivals walks a unit-rate Poisson process: arrival i at sum, the sum of i+1
// exponential gaps of mean 1.
type unitArrivals struct {
	src rand.ChaCha8
	rng *rand.Rand
	key [32]byte
	i   uint64
	sum float64
}

// newUnitArrivals is the process of producer index under seed. ChaCha8 keyed by both
// gives each producer a stream of its own, independent of the others' (nearby seeds of
// a linear generator could overlap).
func newUnitArrivals(seed, index uint64) *unitArrivals {
	u := &unitArrivals{}
	copy(u.key[:16], "streambench arrivals")
	binary.LittleEndian.PutUint64(u.key[16:], seed)
	binary.LittleEndian.PutUint64(u.key[24:], index)
	u.rng = rand.New(&u.src)
	u.reset()
	return u
}

func (u *unitArrivals) reset() {
	u.src.Seed(u.key)
	u.i, u.sum = 0, u.rng.ExpFloat64()
}

func (u *unitArrivals) next() {
	u.sum += u.rng.ExpFloat64()
	u.i++
}

// seek moves to arrival i and returns its time.
func (u *unitArrivals) seek(i uint64) float64 {
	if i < u.i {
		u.reset()
	}
	for u.i < i {
		u.next()
	}
	return u.sum
}
