package targets

import (
	"context"
	"fmt"
	"net/url"

	"streambench/bench"
	"streambench/brokers"
	"streambench/brokers/containers"
	"streambench/netfault"
)

// containerFaults is what a container of containers.Start can do for the faults.
type containerFaults interface {
	brokers.Faults
	Kind() string
}

var _ containerFaults = (*containers.Container)(nil)

// containerControl controls the run's container: pause and resume. The container refuses
// kill and restart (containers.ErrRestart); LocalStack's is refused before it is
// asked, for kinesis-mock's reason (brokers.ErrKinesisRestart).
func containerControl(c containerFaults) bench.BrokerControl {
	if c.Kind() == containers.LocalStack {
		return brokers.KinesisFaults(c)
	}
	return c
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
