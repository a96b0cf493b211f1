package bench

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"streambench/drivers"
)

// ErrTooLarge is wrapped by the error of a run refused before its load because its
// messages are larger than the target accepts.
var ErrTooLarge = errors.New("messages larger than the target accepts")

// messageShape describes the run's messages as a driver needs to know them to say how
// large one may be: the longest key the producers make (see producer.loop).
func (s *Scenario) messageShape() drivers.MessageShape {
	k := s.Workload.Keys
	switch k.Mode {
	case KeysRoundRobin:
		return drivers.MessageShape{Partitioned: true}
	case KeysRandom:
		return drivers.MessageShape{KeyLen: len(strconv.FormatUint(math.MaxUint64, 36))}
	case KeysFixed:
		return drivers.MessageShape{KeyLen: len("key-") + len(strconv.Itoa(max(k.Count-1, 0)))}
	}
	return drivers.MessageShape{}
}

// checkSize asks a driver that knows its limits whether the scenario's messages fit, and
// refuses the run when they do not, unless the scenario asks to measure the refusals
// (workload.oversize: measure). A limit the driver could not read does not stop the
// run: what the broker refuses is still counted, as send errors.
func checkSize(ctx context.Context, s *Scenario, d drivers.Driver, logf func(string, ...any)) error {
	sl, ok := d.(drivers.SizeLimiter)
	if !ok {
		return nil
	}
	limits, err := sl.SizeLimits(ctx, s.messageShape())
	if err != nil {
		logf("message size limit not checked: %v", err)
	}
	over, unsure := overLimits(s.Workload, limits)
	for _, l := range unsure {
		logf("workload.message_size %d is over %s (at most %d bytes uncompressed) but may fit once compressed; the run will tell",
			s.Workload.MessageSize, l.By, l.MaxValue)
	}
	if len(over) == 0 {
		return nil
	}
	if s.Workload.Oversize == OversizeMeasure {
		logf("workload.message_size %d is over the target's limit of %d bytes (%s); sending anyway, as workload.oversize: measure asks: the refusals count as send errors",
			s.Workload.MessageSize, over[0].MaxValue, over[0].By)
		return nil
	}
	return tooLarge(s.Workload.MessageSize, over)
}

// overLimits returns the limits that the workload's messages are over, tightest first;
// unsure are those it is over before compression, with a payload that compresses.
func overLimits(w Workload, limits []drivers.SizeLimit) (over, unsure []drivers.SizeLimit) {
	for _, l := range limits {
		switch {
		case w.MessageSize <= l.MaxValue:
		case l.Compressed && w.Payload != PayloadRandom:
			unsure = append(unsure, l)
		default:
			over = append(over, l)
		}
	}
	slices.SortStableFunc(over, func(a, b drivers.SizeLimit) int { return cmp.Compare(a.MaxValue, b.MaxValue) })
	return over, unsure
}

// tooLarge says which limits refuse messages of size bytes, and what to do.
func tooLarge(size int, over []drivers.SizeLimit) error {
	var b strings.Builder
	fmt.Fprintf(&b, "workload.message_size %d is over what the target accepts, so messages would be refused:", size)
	for _, l := range over {
		fmt.Fprintf(&b, "\n  - at most %d bytes: %s", l.MaxValue, l.By)
		if l.Remedy != "" {
			fmt.Fprintf(&b, "; to allow more, %s", l.Remedy)
		}
	}
	fmt.Fprintf(&b, "\nLower workload.message_size to %d or less, or set workload.oversize: measure to send the messages anyway and count the refusals as send errors", over[0].MaxValue)
	return tooLargeError(b.String())
}

// tooLargeError is the refusal of tooLarge; it is ErrTooLarge to errors.Is.
type tooLargeError string

func (e tooLargeError) Error() string { return string(e) }

func (e tooLargeError) Is(target error) bool { return target == ErrTooLarge }
