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

// The faults a timeline may inject, beside the actions of timeline.go: the names of
// their kinds in `do`, each kind a type below.
const (
	ActionPauseBroker   = "pause_broker"
	ActionKillBroker    = "kill_broker"
	ActionSlowNetwork   = "slow_network"
	ActionCutNetwork    = "cut_network"
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

// NetworkFaults says whether the scenario's timeline has network faults, which need a
// fault proxy between bench and the broker.
func (s *Scenario) NetworkFaults() bool {
	for _, a := range s.Actions {
		if _, ok := a.Do.(networkFault); ok {
			return true
		}
	}
	return false
}

// networkFault is a fault done through the fault proxy.
type networkFault interface {
	Step
	network(ctx context.Context, n Network) error
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

// PauseBroker freezes every process of the broker (SIGSTOP) for For.
type PauseBroker struct {
	For Duration `yaml:"for" json:"for,omitempty"`
}

func (*PauseBroker) Name() string         { return ActionPauseBroker }
func (k *PauseBroker) lasting() *Duration { return &k.For }
func (*PauseBroker) fault() bool          { return true }
func (k *PauseBroker) detail() string     { return "for " + k.For.String() }
func (k *PauseBroker) check(c *timelineCheck) {
	c.checkFor(k.Name(), k.For, true)
}

func (k *PauseBroker) run(ctx context.Context, tl *timeline) error {
	b, err := tl.broker()
	if err != nil {
		return err
	}
	if err := b.Pause(ctx); err != nil {
		return err
	}
	tl.hold(ctx, k.For.D())
	return undo(ctx, b.Resume)
}

// KillBroker kills the broker at once (SIGKILL), leaves it down for For (default 0),
// and starts it again on its data.
type KillBroker struct {
	For Duration `yaml:"for" json:"for,omitempty"`
}

func (*KillBroker) Name() string         { return ActionKillBroker }
func (k *KillBroker) lasting() *Duration { return &k.For }
func (*KillBroker) fault() bool          { return true }
func (k *KillBroker) detail() string     { return "down for " + k.For.String() }
func (k *KillBroker) check(c *timelineCheck) {
	c.checkFor(k.Name(), k.For, false)
}

func (k *KillBroker) run(ctx context.Context, tl *timeline) error {
	b, err := tl.broker()
	if err != nil {
		return err
	}
	return b.Restart(ctx, true, k.For.D())
}

// SlowNetwork, through the fault proxy, adds Latency ± Jitter to the broker's answers,
// limits each direction to Bandwidth, or both, for For.
type SlowNetwork struct {
	For       Duration `yaml:"for" json:"for,omitempty"`
	Latency   Duration `yaml:"latency" json:"latency,omitempty"`
	Jitter    Duration `yaml:"jitter" json:"jitter,omitempty"`
	Bandwidth ByteRate `yaml:"bandwidth" json:"bandwidth,omitempty"`
}

func (*SlowNetwork) Name() string         { return ActionSlowNetwork }
func (k *SlowNetwork) lasting() *Duration { return &k.For }
func (*SlowNetwork) fault() bool          { return true }

func (k *SlowNetwork) detail() string {
	var what []string
	if k.Latency > 0 {
		what = append(what, fmt.Sprintf("latency %s ± %s", k.Latency, k.Jitter))
	}
	if k.Bandwidth > 0 {
		what = append(what, "bandwidth "+k.Bandwidth.String())
	}
	return strings.Join(what, ", ") + " for " + k.For.String()
}

func (k *SlowNetwork) check(c *timelineCheck) {
	c.checkFor(k.Name(), k.For, true)
	switch {
	case k.Latency < 0:
		c.problem(".latency", "must not be negative")
	case k.Latency.D() > time.Minute:
		c.problem(".latency", "at most 1m")
	case k.Latency == 0 && k.Bandwidth == 0:
		c.problem("", "slow_network needs a latency, a bandwidth, or both")
	}
	if k.Jitter < 0 || k.Jitter > k.Latency {
		c.problem(".jitter", fmt.Sprintf("must be from 0s to the latency (%s)", k.Latency))
	}
}

func (k *SlowNetwork) run(ctx context.Context, tl *timeline) error {
	return tl.networkFault(ctx, k, k.For)
}

func (k *SlowNetwork) network(ctx context.Context, n Network) error {
	return n.Degrade(ctx, k.Latency.D(), k.Jitter.D(), int64(k.Bandwidth))
}

// CutNetwork lets no byte through between bench and the broker for For.
type CutNetwork struct {
	For Duration `yaml:"for" json:"for,omitempty"`
}

func (*CutNetwork) Name() string         { return ActionCutNetwork }
func (k *CutNetwork) lasting() *Duration { return &k.For }
func (*CutNetwork) fault() bool          { return true }
func (k *CutNetwork) detail() string     { return "for " + k.For.String() }
func (k *CutNetwork) check(c *timelineCheck) {
	c.checkFor(k.Name(), k.For, true)
}

func (k *CutNetwork) run(ctx context.Context, tl *timeline) error {
	return tl.networkFault(ctx, k, k.For)
}

func (*CutNetwork) network(ctx context.Context, n Network) error { return n.Cut(ctx) }

// networkFault applies the fault f through the run's fault proxy, holds it for d, and
// heals the network.
func (tl *timeline) networkFault(ctx context.Context, f networkFault, d Duration) error {
	n, err := tl.network()
	if err != nil {
		return err
	}
	if err := f.network(ctx, n); err != nil {
		return err
	}
	tl.hold(ctx, d.D())
	return undo(ctx, n.Heal)
}

// KillConsumers stops every consumer at once, as a crashed process would (no commit,
// no goodbye to the group), and starts new ones For later (default 0).
type KillConsumers struct {
	For Duration `yaml:"for" json:"for,omitempty"`
}

func (*KillConsumers) Name() string         { return ActionKillConsumers }
func (k *KillConsumers) lasting() *Duration { return &k.For }
func (*KillConsumers) fault() bool          { return true }
func (k *KillConsumers) detail() string     { return "new ones after " + k.For.String() }

func (k *KillConsumers) check(c *timelineCheck) {
	c.checkFor(k.Name(), k.For, false)
	if !c.consumersDuringLoad() {
		return
	}
	if c.stopped {
		c.problem(".do", "the consumers are stopped: there are none to kill")
	}
}

func (k *KillConsumers) run(ctx context.Context, tl *timeline) error {
	for _, c := range tl.consumers {
		c.halt()
		if !c.kill() {
			tl.note = "closed, not killed: this driver cannot kill its consumers"
		}
	}
	tl.hold(ctx, k.For.D())
	return tl.startConsumers(ctx)
}
