package brokers

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
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

// freePorts picks n distinct unused ports on host. The listeners are held open until
// all n are chosen, so that no port is handed out twice; another process could still
// take one before the broker binds it, which the broker then reports as a bind error in
// its log. To make that unlikely, the ports come from above the kernel's ephemeral range
// where there is room (Linux: net.ipv4.ip_local_port_range), which outgoing connections
// and ports the kernel or Docker hand out never use; on a busy machine a port the kernel
// picks for us can be taken by one of those within the seconds a JVM needs to bind it.
// Elsewhere the kernel picks.
func freePorts(host string, n int) ([]int, error) {
	if _, hi, ok := ephemeralRange(); ok && maxPort-hi >= minRoom {
		if ports, ok := portsAbove(host, hi, n); ok {
			return ports, nil
		}
	}
	return kernelPorts(host, n)
}

// Above the ephemeral range, the ports freePorts tries: at least minRoom of them, and
// up to maxPort.
const (
	maxPort = 65535
	minRoom = 1000
)

// ephemeralRange is the kernel's range of ephemeral ports, if it can be read.
func ephemeralRange() (lo, hi int, ok bool) {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 0, 0, false
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		return 0, 0, false
	}
	lo, err1 := strconv.Atoi(f[0])
	hi, err2 := strconv.Atoi(f[1])
	return lo, hi, err1 == nil && err2 == nil && lo <= hi && hi <= maxPort
}

// portsAbove binds n distinct random ports above floor on host, holding each until all
// are chosen; false if it found fewer within its tries.
func portsAbove(host string, floor, n int) ([]int, bool) {
	ports := make([]int, 0, n)
	for try := 0; try < 50*n && len(ports) < n; try++ {
		port := floor + 1 + rand.IntN(maxPort-floor)
		if slices.Contains(ports, port) {
			continue
		}
		l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
		if err != nil {
			continue
		}
		defer l.Close()
		ports = append(ports, port)
	}
	return ports, len(ports) == n
}

// kernelPorts asks the kernel for n distinct unused ports on host, holding each until
// all are chosen.
func kernelPorts(host string, n int) ([]int, error) {
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
