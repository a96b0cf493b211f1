package brokers

import (
	"fmt"
	"net"
	"strconv"
)

// namedPort is one port a broker listens on, with what it is for ("listener").
type namedPort struct {
	name string
	port int
}

// checkPorts rejects ports out of range and two uses of one port; broker names them in
// the error.
func checkPorts(broker string, ports []namedPort) error {
	for i, p := range ports {
		if p.port < 1 || p.port > 65535 {
			return fmt.Errorf("%s %s port %d out of range 1-65535", broker, p.name, p.port)
		}
		for _, q := range ports[:i] {
			if q.port == p.port {
				return fmt.Errorf("%s %s port and %s port are both %d", broker, q.name, p.name, p.port)
			}
		}
	}
	return nil
}

// choosePorts returns the ports a broker should listen on: fresh ones from the kernel when
// free is set, else the given ones once each has been checked to be bindable on host right
// now. An empty host means all interfaces, for brokers that bind those.
func choosePorts(broker, host string, free bool, want []namedPort) ([]int, error) {
	if free {
		return freePorts(host, len(want))
	}
	ports := make([]int, len(want))
	for i, p := range want {
		if err := portFree(host, p.port); err != nil {
			return nil, fmt.Errorf("%s %s port %d %s is already in use "+
				"(another broker running? try `bench brokers status`, or choose other ports): %w",
				broker, p.name, p.port, onHost(host), err)
		}
		ports[i] = p.port
	}
	return ports, nil
}

// onHost says where a port is bound, for messages.
func onHost(host string) string {
	if host == "" {
		return "on all interfaces"
	}
	return "on " + host
}

// portFree reports whether port can be bound on host.
func portFree(host string, port int) error {
	l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return err
	}
	return l.Close()
}

// freePorts asks the kernel for n distinct unused ports on host. The listeners are held
// open until all n are chosen so that the kernel cannot hand out the same port twice;
// another process could still take one before the broker binds it, which the broker then
// reports as a bind error in its log.
func freePorts(host string, n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			return nil, fmt.Errorf("pick a free port %s: %w", onHost(host), err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
