package drivers

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// durationSyntax is what time.ParseDuration reads, so that a value it refuses although
// written right can be called out of range rather than misspelt.
var durationSyntax = regexp.MustCompile(`^[-+]?(([0-9]+\.?[0-9]*|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+$`)

// Duration is a time.Duration written as in Go ("1m30s", "250ms"), plus days ("7d").
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

func (d Duration) String() string { return FormatDuration(time.Duration(d)) }

// MarshalJSON writes the duration as its string form.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads what MarshalJSON wrote.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := ParseDuration(s)
	*d = Duration(v)
	return err
}

// maxDays is the most days ParseDuration reads.
const maxDays = 36500

// MaxDuration is the longest duration ParseDuration reads: 36500d, about 100 years.
// Every setting has a lower limit of its own.
const MaxDuration = maxDays * 24 * time.Hour

// ErrDurationTooLong is wrapped by ParseDuration's error for a duration over MaxDuration,
// which it returns with the error (its negative for a negative one). A caller that checks
// the setting's own, lower, limit can take that value and report the setting's limit
// instead, the rule that matters (see bench.ParseFieldDuration).
var ErrDurationTooLong = errors.New("over 36500d, the longest duration bench reads")

// ParseDuration reads a Go duration, or a whole number of days ("7d").
func ParseDuration(s string) (time.Duration, error) {
	if n := len(s); n > 1 && s[n-1] == 'd' {
		days, err := strconv.ParseInt(s[:n-1], 10, 64)
		if err == nil && days > maxDays {
			return MaxDuration, fmt.Errorf("invalid duration %q: %w", s, ErrDurationTooLong)
		}
		if err != nil || days < 0 {
			return 0, fmt.Errorf("invalid duration %q: days must be a whole number", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil && durationSyntax.MatchString(s) {
		// time.ParseDuration says "invalid" for an overflow too.
		d := MaxDuration
		if strings.HasPrefix(s, "-") {
			d = -d
		}
		return d, fmt.Errorf("invalid duration %q: %w", s, ErrDurationTooLong)
	}
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q: want a number with a unit, e.g. 30s, 500ms, 2h or 7d", s)
	}
	return d, nil
}

// FormatDuration writes d in whole days when it is one, else as Go does.
func FormatDuration(d time.Duration) string {
	const day = 24 * time.Hour
	if d >= day && d%day == 0 {
		return strconv.FormatInt(int64(d/day), 10) + "d"
	}
	return d.String()
}
