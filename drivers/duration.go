package drivers

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
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

// ParseDuration reads a Go duration, or a whole number of days ("7d").
func ParseDuration(s string) (time.Duration, error) {
	if n := len(s); n > 1 && s[n-1] == 'd' {
		days, err := strconv.ParseInt(s[:n-1], 10, 64)
		if err != nil || days < 0 || days > 365*100 {
			return 0, fmt.Errorf("invalid duration %q: days must be a whole number from 0 to 36500", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil && durationSyntax.MatchString(s) {
		// time.ParseDuration says "invalid" for an overflow too.
		return 0, fmt.Errorf("invalid duration %q: out of range: at most 2562047h, about 292 years", s)
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
