package bench

import (
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
)

// ErrTooMuchMemory is wrapped by the error of a run refused before it starts because the
// buffers its messages need would not fit in the machine's memory.
var ErrTooMuchMemory = errors.New("the run's messages would not fit in memory")

// messageMemory is how much memory the messages of a run hold at once, and how that
// follows from the scenario's fields. It follows from the rate and in-flight limits, as
// the engine allocates: a closed loop (rate max) keeps max_in_flight messages per
// producer ready from the start; an open loop allocates messages as it sends and keeps
// about one second of them until they are acknowledged (newProducer). Consumers hold a
// copy of what they receive (the drivers' fetch buffers, the loopback's batches).
func (s *Scenario) messageMemory() (bytes float64, how string) {
	w := s.Workload
	var inFlight float64
	if w.Rate.Max {
		inFlight = float64(w.Producers) * float64(w.MaxInFlight)
		how = fmt.Sprintf("workload.rate max keeps workload.producers %d × workload.max_in_flight %d messages", w.Producers, w.MaxInFlight)
	} else {
		inFlight = math.Max(math.Ceil(w.Rate.Peak()), float64(w.Producers))
		how = fmt.Sprintf("workload.rate %s keeps about a second's %.0f messages in flight", w.Rate, inFlight)
	}
	how += fmt.Sprintf(" of workload.message_size %d bytes", w.MessageSize)
	copies := 1.0
	if w.Consumers > 0 {
		copies = 2
		how += ", once for the producers and once for the consumers"
	}
	return inFlight * float64(w.MessageSize) * copies, how
}

// CheckMemory refuses a scenario whose messages would not fit in this machine's memory
// (the smaller of its RAM and the memory limit of bench's cgroup), naming the fields
// that make the figure. Where the memory cannot be read, nothing is refused.
func CheckMemory(s *Scenario) error {
	return checkMemory(s, machineMemory())
}

func checkMemory(s *Scenario, memory int64) error {
	need, how := s.messageMemory()
	if memory <= 0 || need <= float64(memory) {
		return nil
	}
	return fmt.Errorf("%w: %s: about %s, more than this machine's %s; lower workload.message_size, or workload.max_in_flight (rate max) or workload.rate",
		ErrTooMuchMemory, how, formatBytes(need), formatBytes(float64(memory)))
}

// formatBytes writes n in GiB or MiB, as a person reads memory sizes.
func formatBytes(n float64) string {
	if n >= 1<<30 {
		return strconv.FormatFloat(n/(1<<30), 'f', 1, 64) + " GiB"
	}
	return strconv.FormatFloat(n/(1<<20), 'f', 1, 64) + " MiB"
}

// machineMemory is the memory bench may use: the machine's RAM (MemTotal), or its
// cgroup's limit when lower (a container). 0 when unknown.
func machineMemory() int64 {
	total := procKB("/proc/meminfo", "MemTotal:")
	// cgroup v2, then v1; "max" or a huge number means no limit.
	for _, path := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		b, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		if limit, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && limit > 0 && (total == 0 || limit < total) {
			total = limit
		}
	}
	return total
}
