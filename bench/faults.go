package bench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// The faults a timeline may inject, beside the actions of timeline.go.
const (
	// ActionPauseBroker freezes every process of the broker (SIGSTOP) for `for`.
	ActionPauseBroker = "pause_broker"
	// ActionKillBroker kills the broker at once (SIGKILL), leaves it down for `for`
	// (default 0), and starts it again on its data.
	ActionKillBroker = "kill_broker"
	// ActionSlowNetwork adds latency, jitter or a bandwidth limit between bench and the
	// broker, through a fault proxy, for `for`.
	ActionSlowNetwork = "slow_network"
	// ActionCutNetwork lets no byte through between bench and the broker for `for`.
	ActionCutNetwork = "cut_network"
	// ActionKillConsumers stops every consumer at once, as a crashed process would (no
	// commit, no goodbye to the group), and starts new ones `for` later (default 0).
	ActionKillConsumers = "kill_consumers"
)

// BrokerControl is what bench can do to a broker it runs itself, for a timeline's
// broker faults. A method returns an error saying why for what cannot be done to this
// broker.
type BrokerControl interface {
	// Restart takes the broker down — cleanly, or killed at once when kill is set —,
	// leaves it down for down, and starts it again on its data. It returns once the
	// broker answers again.
	Restart(ctx context.Context, kill bool, down time.Duration) error
	// Pause freezes every process of the broker where it stands; Resume lets it go on.
	Pause(ctx context.Context) error
	Resume(ctx context.Context) error
}

// Network is a fault proxy between bench and the broker, which every connection of the
// run goes through.
type Network interface {
	// Degrade delays the broker's answers by latency ± jitter and, when bytesPerSecond
	// is above zero, limits each direction to that rate.
	Degrade(ctx context.Context, latency, jitter time.Duration, bytesPerSecond int64) error
	// Cut lets no byte through; Heal ends whatever fault is applied.
	Cut(ctx context.Context) error
	Heal(ctx context.Context) error
}

// isFault says whether an action is a fault whose effect on latency is measured: its
// window, the highest latency from its start, and the time to recover.
func isFault(do string) bool {
	switch do {
	case ActionPauseBroker, ActionKillBroker, ActionRestartBroker, ActionSlowNetwork, ActionCutNetwork, ActionKillConsumers:
		return true
	}
	return false
}

// usesFor says whether an action takes a duration (`for`), and whether it needs one.
func usesFor(do string) (takes, needs bool) {
	switch do {
	case ActionPauseBroker, ActionSlowNetwork, ActionCutNetwork:
		return true, true
	case ActionKillBroker, ActionKillConsumers:
		return true, false
	}
	return false, false
}

// FaultEffect is what a fault did to the run's latency.
type FaultEffect struct {
	// BaselineP99Ms is the end-to-end p99 of what was received before the fault began
	// (of the measured part, or of the warm-up for a fault within it).
	BaselineP99Ms float64 `json:"baseline_p99_ms"`
	// MaxPublishMs and MaxEndToEndMs are the highest latencies of the messages
	// acknowledged or received from the fault's start until the run recovered (or
	// ended), by whole seconds of the run.
	MaxPublishMs  float64 `json:"max_publish_ms"`
	MaxEndToEndMs float64 `json:"max_end_to_end_ms"`
	// RecoveredAfterS is the time from the end of the fault's window to the start of the
	// first second that received messages with an end-to-end p99 within twice the
	// baseline; nil when that never happened before the run ended. Its resolution is
	// the run's one-second interval.
	RecoveredAfterS *float64 `json:"recovered_after_s"`
}

// recoveryFactor is how far above the pre-fault p99 a second may be and still count as
// recovered.
const recoveryFactor = 2

// analyseFaults fills in each fault's effect from the run's intervals: its baseline was
// taken when the fault began.
func analyseFaults(records []ActionRecord, intervals []Interval) {
	for i := range records {
		a := &records[i]
		if a.Effect == nil || a.Error != "" {
			continue
		}
		end := a.AtS + a.TookS
		e := a.Effect
		for _, iv := range intervals {
			if iv.Start+iv.Seconds <= a.AtS {
				continue // wholly before the fault
			}
			e.MaxPublishMs = max(e.MaxPublishMs, iv.PublishMax/1e3)
			e.MaxEndToEndMs = max(e.MaxEndToEndMs, iv.E2EMax/1e3)
			if iv.Start >= end && iv.Received > 0 && e.BaselineP99Ms > 0 &&
				iv.E2EP99/1e3 <= recoveryFactor*e.BaselineP99Ms {
				after := math.Round((iv.Start-end)*1e3) / 1e3
				e.RecoveredAfterS = &after
				break
			}
		}
	}
}

// ByteRate is a rate in bytes per second, written "500KB/s", "10MiB/s" or "2000B/s"
// (KB and MB are powers of 1000, KiB and MiB of 1024).
type ByteRate int64

var byteUnits = []struct {
	suffix string
	size   int64
}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}

// UnmarshalText reads a rate such as "500KB/s".
func (r *ByteRate) UnmarshalText(b []byte) error {
	s := string(b)
	num, ok := strings.CutSuffix(strings.TrimSpace(s), "/s")
	if ok {
		for _, u := range byteUnits {
			if n, ok := strings.CutSuffix(num, u.suffix); ok {
				v, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
				if err == nil && v > 0 && v*float64(u.size) < 1<<50 {
					*r = ByteRate(max(1, int64(v*float64(u.size))))
					return nil
				}
				break
			}
		}
	}
	return fmt.Errorf("want a positive rate in bytes per second such as 500KB/s or 10MiB/s, not %q", s)
}

// MarshalText writes the rate in bytes per second.
func (r ByteRate) MarshalText() ([]byte, error) {
	return []byte(strconv.FormatInt(int64(r), 10) + "B/s"), nil
}

func (r ByteRate) String() string {
	switch {
	case r >= 1e6 && r%1e3 == 0:
		return strconv.FormatFloat(float64(r)/1e6, 'f', -1, 64) + "MB/s"
	case r >= 1e3 && r%1e3 == 0:
		return strconv.FormatInt(int64(r)/1e3, 10) + "KB/s"
	}
	return strconv.FormatInt(int64(r), 10) + "B/s"
}

// checkFault reports the fields of a that its kind of action does not take or needs.
func checkFault(path string, a Action, report func(path, msg string)) {
	takes, needs := usesFor(a.Do)
	switch {
	case a.For < 0:
		report(path+".for", "must not be negative")
	case a.For != 0 && !takes:
		report(path+".for", fmt.Sprintf("only %s, %s, %s, %s and %s last for a time",
			ActionPauseBroker, ActionKillBroker, ActionSlowNetwork, ActionCutNetwork, ActionKillConsumers))
	case a.For == 0 && needs:
		report(path+".for", fmt.Sprintf("%s needs `for`: how long the fault lasts", a.Do))
	}
	if a.Do != ActionSlowNetwork {
		for _, f := range []struct {
			name string
			set  bool
		}{{"latency", a.Latency != 0}, {"jitter", a.Jitter != 0}, {"bandwidth", a.Bandwidth != 0}} {
			if f.set {
				report(path+"."+f.name, "only slow_network takes "+f.name)
			}
		}
		return
	}
	switch {
	case a.Latency < 0:
		report(path+".latency", "must not be negative")
	case a.Latency.D() > time.Minute:
		report(path+".latency", "at most 1m")
	case a.Latency == 0 && a.Bandwidth == 0:
		report(path, "slow_network needs a latency, a bandwidth, or both")
	}
	if a.Jitter < 0 || a.Jitter > a.Latency {
		report(path+".jitter", fmt.Sprintf("must be from 0s to the latency (%s)", a.Latency))
	}
}

// NetworkFaults says whether the scenario's timeline has network faults, which need a
// fault proxy between bench and the broker.
func (s *Scenario) NetworkFaults() bool {
	for _, a := range s.Actions {
		if a.Do == ActionSlowNetwork || a.Do == ActionCutNetwork {
			return true
		}
	}
	return false
}

// hold waits for d, the length of a fault, or less if the load is stopped early or ctx
// ends: a fault is never left in place after the load.
func (tl *timeline) hold(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-tl.r.stop:
	case <-ctx.Done():
	}
}

// undo runs the end of a fault even when ctx has ended (a second Ctrl-C): a paused
// broker or a cut network must not outlive the run.
func undo(ctx context.Context, f func(context.Context) error) error {
	uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	return f(uctx)
}

// broker is the run's BrokerControl, or an error saying there is none.
func (tl *timeline) broker() (BrokerControl, error) {
	if tl.opts.Broker == nil {
		return nil, errors.New("bench can do this only to a broker it runs or manages (--env local, compose or docker), " +
			"not to a cluster it was pointed at")
	}
	return tl.opts.Broker, nil
}

// network is the run's fault proxy, or an error saying there is none.
func (tl *timeline) network() (Network, error) {
	if tl.opts.Network == nil {
		return nil, errors.New("this run has no fault proxy between bench and the broker (network faults need --env local)")
	}
	return tl.opts.Network, nil
}

// fault carries out one of the faults above.
func (tl *timeline) fault(ctx context.Context, a Action) error {
	switch a.Do {
	case ActionPauseBroker:
		b, err := tl.broker()
		if err != nil {
			return err
		}
		if err := b.Pause(ctx); err != nil {
			return err
		}
		tl.hold(ctx, a.For.D())
		return undo(ctx, b.Resume)
	case ActionKillBroker:
		b, err := tl.broker()
		if err != nil {
			return err
		}
		return b.Restart(ctx, true, a.For.D())
	case ActionSlowNetwork, ActionCutNetwork:
		n, err := tl.network()
		if err != nil {
			return err
		}
		if a.Do == ActionCutNetwork {
			err = n.Cut(ctx)
		} else {
			err = n.Degrade(ctx, a.Latency.D(), a.Jitter.D(), int64(a.Bandwidth))
		}
		if err != nil {
			return err
		}
		tl.hold(ctx, a.For.D())
		return undo(ctx, n.Heal)
	case ActionKillConsumers:
		for _, c := range tl.consumers {
			c.halt()
			if !c.kill() {
				tl.note = "closed, not killed: this driver cannot kill its consumers"
			}
		}
		tl.hold(ctx, a.For.D())
		return tl.startConsumers(ctx)
	}
	return fmt.Errorf("unknown action %q", a.Do)
}
