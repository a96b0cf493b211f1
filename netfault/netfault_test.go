package netfault_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"streambench/netfault"
)

// echo starts a TCP server on loopback that writes back every line it reads.
func echo(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); io.Copy(c, c) }()
		}
	}()
	return l.Addr().String()
}

// roundTrip writes a line through conn and reads it back, within limit.
func roundTrip(conn net.Conn, r *bufio.Reader, limit time.Duration) (time.Duration, error) {
	start := time.Now()
	conn.SetDeadline(start.Add(limit))
	if _, err := conn.Write([]byte("ping\n")); err != nil {
		return 0, err
	}
	line, err := r.ReadString('\n')
	if err == nil && line != "ping\n" {
		err = io.ErrUnexpectedEOF
	}
	return time.Since(start), err
}

// TestProxy checks the proxy's faults on a plain TCP echo server: this tests our use of
// toxiproxy, not any broker.
func TestProxy(t *testing.T) {
	ctx := context.Background()
	p, err := netfault.Start("127.0.0.1:0", echo(t))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	conn, err := net.Dial("tcp", p.Address())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	if _, err := roundTrip(conn, r, 5*time.Second); err != nil {
		t.Fatalf("healthy: %v", err)
	}

	// Latency: each answer comes back at least that much later (no upper bound: the
	// machine may be slow).
	if err := p.Degrade(ctx, 150*time.Millisecond, 0, 0); err != nil {
		t.Fatal(err)
	}
	if took, err := roundTrip(conn, r, 5*time.Second); err != nil || took < 150*time.Millisecond {
		t.Errorf("with 150ms latency: round trip %s, %v", took, err)
	}
	if err := p.Heal(ctx); err != nil {
		t.Fatal(err)
	}

	// Cut: nothing comes back while it lasts; the connection is closed when it ends,
	// and a new one works.
	if err := p.Cut(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := roundTrip(conn, r, 300*time.Millisecond); err == nil {
		t.Error("an answer came through the cut")
	}
	if err := p.Heal(ctx); err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := r.ReadString('\n'); err == nil {
		t.Error("the connection cut through survived the heal")
	}
	conn2, err := net.Dial("tcp", p.Address())
	if err != nil {
		t.Fatalf("after the cut: %v", err)
	}
	defer conn2.Close()
	if _, err := roundTrip(conn2, bufio.NewReader(conn2), 5*time.Second); err != nil {
		t.Errorf("new connection after the cut: %v", err)
	}

	if err := p.Degrade(ctx, 10*time.Millisecond, 20*time.Millisecond, 0); err == nil || !strings.Contains(err.Error(), "jitter") {
		t.Errorf("jitter above latency: %v", err)
	}
}
