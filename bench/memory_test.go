package bench

import (
	"errors"
	"strings"
	"testing"

	"streambench/drivers"
)

// TestCheckMemory: a run is refused when the messages its rate and in-flight limits
// keep would not fit in memory, with the fields and the figure; a large message at a
// low rate fits (issue 17: 100 MiB at 1 msg/s passed validate, then ran out of memory).
func TestCheckMemory(t *testing.T) {
	const machine = 8 << 30
	for _, tc := range []struct {
		name string
		edit func(*Workload)
		want string // "" for a run that fits
	}{
		{"100 MiB at 1 msg/s", func(w *Workload) { w.MessageSize, w.Rate = 100<<20, Rate{PerSecond: 1} }, ""},
		{"default", func(*Workload) {}, ""},
		{"100 MiB at rate max", func(w *Workload) { w.MessageSize, w.Rate = 100<<20, Rate{Max: true} },
			"workload.rate max keeps workload.producers 1 × workload.max_in_flight 1000 messages of workload.message_size 104857600 bytes, " +
				"once for the producers and once for the consumers: about 195.3 GiB, more than this machine's 8.0 GiB"},
		{"1 MiB at 10000 msg/s, no consumers", func(w *Workload) { w.MessageSize, w.Rate, w.Consumers = 1<<20, Rate{PerSecond: 10000}, 0 },
			"workload.rate 10000 keeps about a second's 10000 messages in flight of workload.message_size 1048576 bytes: about 9.8 GiB, more than this machine's 8.0 GiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := NewScenario(drivers.NewRegistry())
			tc.edit(&s.Workload)
			err := checkMemory(&s, machine)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && (!errors.Is(err, ErrTooMuchMemory) || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error %v, want ErrTooMuchMemory saying %q", err, tc.want)
			}
		})
	}
	if machineMemory() <= 0 {
		t.Log("this machine's memory cannot be read: CheckMemory refuses nothing here")
	}
}
