package targets

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"streambench/bench"
	"streambench/brokers"
	"streambench/netfault"
)

// control is what bench can do to a local broker process, for a timeline's broker faults
// (bench.BrokerControl).
type control struct {
	restart       func(ctx context.Context, kill bool, down time.Duration) error
	pause, resume func(ctx context.Context) error
}

func (c control) Restart(ctx context.Context, kill bool, down time.Duration) error {
	return c.restart(ctx, kill, down)
}
func (c control) Pause(ctx context.Context) error  { return c.pause(ctx) }
func (c control) Resume(ctx context.Context) error { return c.resume(ctx) }

// restartClean adapts a clean restart, which has no down time.
func restartClean(kill func(ctx context.Context, down time.Duration) error, restart func(ctx context.Context) error) func(context.Context, bool, time.Duration) error {
	return func(ctx context.Context, hard bool, down time.Duration) error {
		if hard {
			return kill(ctx, down)
		}
		if down > 0 {
			return errors.New("a clean restart has no down time")
		}
		return restart(ctx)
	}
}

// kafkaControl controls the run-scoped broker k.
func kafkaControl(k *brokers.Kafka) bench.BrokerControl {
	return control{
		restart: restartClean(k.Kill, k.Restart),
		pause:   func(context.Context) error { return k.Pause() },
		resume:  func(context.Context) error { return k.Resume() },
	}
}

// detachedKafkaControl controls the broker of 'bench brokers up'.
func detachedKafkaControl(o brokers.KafkaOptions) bench.BrokerControl {
	return control{
		restart: restartClean(
			func(ctx context.Context, down time.Duration) error {
				_, err := brokers.KillKafka(ctx, o, down)
				return err
			},
			func(ctx context.Context) error { _, err := brokers.RestartKafka(ctx, o); return err }),
		pause:  func(ctx context.Context) error { return brokers.PauseKafka(ctx, o) },
		resume: func(ctx context.Context) error { return brokers.ResumeKafka(ctx, o) },
	}
}

// errKinesisRestart is why kinesis-mock is never restarted.
var errKinesisRestart = errors.New("kinesis-mock keeps its streams in memory: restarted, it would come back " +
	"without the run's stream (pause_broker works on it)")

// kinesisControl controls a local kinesis-mock: pause and resume only.
func kinesisControl(pause, resume func(ctx context.Context) error) bench.BrokerControl {
	return control{
		restart: func(context.Context, bool, time.Duration) error { return errKinesisRestart },
		pause:   pause,
		resume:  resume,
	}
}

// containerFaults is what a container of brokers.StartContainer can do for the faults.
type containerFaults interface {
	Kind() string
	Restart(ctx context.Context, kill bool, down time.Duration) error
	Pause(ctx context.Context) error
	Resume(ctx context.Context) error
}

var _ containerFaults = (*brokers.Container)(nil)

// containerControl controls the run's container: pause and resume. The container refuses
// kill and restart (brokers.ErrContainerRestart); LocalStack's for kinesis-mock's reason.
func containerControl(c containerFaults) bench.BrokerControl {
	if c.Kind() == brokers.ContainerLocalStack {
		return kinesisControl(c.Pause, c.Resume)
	}
	return control{restart: c.Restart, pause: c.Pause, resume: c.Resume}
}

// composeControl controls a service of the compose file. Kafka and Redpanda are published
// on fixed host ports, so they can be killed and restarted: they come back where their
// clients left them. LocalStack runs kinesis-mock: pause and resume only.
func composeControl(file, service string) bench.BrokerControl {
	pause := func(ctx context.Context) error { return brokers.ComposePause(ctx, file, service) }
	resume := func(ctx context.Context) error { return brokers.ComposeResume(ctx, file, service) }
	if service == brokers.ContainerLocalStack {
		return kinesisControl(pause, resume)
	}
	return control{
		restart: restartClean(
			func(ctx context.Context, down time.Duration) error {
				return brokers.ComposeKill(ctx, file, service, down)
			},
			func(ctx context.Context) error { return brokers.ComposeRestart(ctx, file, service) }),
		pause:  pause,
		resume: resume,
	}
}

// proxyKafka puts a fault proxy in front of the local broker st describes: on its
// advertised fault proxy address, forwarding to its fault listener, so that every
// connection the clients learn of from the metadata goes through the proxy too.
func proxyKafka(st brokers.KafkaState, ep *Endpoint) error {
	if st.FaultListener == "" || st.ProxyAddress == "" {
		return fmt.Errorf("the local broker at %s has no fault listener: it was started by an older bench; "+
			"restart it with 'bench brokers down && bench brokers up'", st.Address)
	}
	return addProxy(ep, st.ProxyAddress, st.FaultListener)
}

// proxyKinesis puts a fault proxy, on any free port, in front of the local kinesis-mock.
func proxyKinesis(ep *Endpoint) error {
	u, err := url.Parse(ep.Address)
	if err != nil || u.Scheme != "http" {
		return fmt.Errorf("kinesis endpoint %s: network faults need the emulator's plain HTTP endpoint", ep.Address)
	}
	if err := addProxy(ep, "127.0.0.1:0", u.Host); err != nil {
		return err
	}
	u.Host = ep.Address
	ep.Address = u.String()
	return nil
}

// addProxy starts a fault proxy on listen forwarding to upstream, makes it the
// endpoint's address and network, and closes it before whatever else Stop does.
func addProxy(ep *Endpoint, listen, upstream string) error {
	p, err := netfault.Start(listen, upstream)
	if err != nil {
		return err
	}
	ep.Address, ep.Network = p.Address(), p
	ep.Why += fmt.Sprintf("; through a fault proxy on %s for the network faults", p.Address())
	stop := ep.Stop
	ep.Stop = func(ctx context.Context) error {
		p.Close()
		return stop(ctx)
	}
	return nil
}
