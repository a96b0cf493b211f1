// Package netfault puts a TCP proxy between bench and a broker, through which a run's
// network faults pass: added latency and jitter, a bandwidth limit, or a cut. It uses
// toxiproxy as a library, in the bench process: nothing else to install or start.
package netfault

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/rs/zerolog"
)

// Proxy forwards every connection made to its address to an upstream address, and
// degrades or cuts that traffic on demand. Its methods may be called from any goroutine.
type Proxy struct {
	mu    sync.Mutex
	p     *toxiproxy.Proxy
	cut   bool   // the traffic is cut: connections must be reset when it is healed
	fault string // what is applied now, for messages; empty when healthy
}

// quietOnce silences toxiproxy's own logging, which would otherwise write a line per
// connection (and per toxic) to stderr in the middle of bench's output.
var quietOnce sync.Once

// Start listens on listen ("127.0.0.1:9097", or port 0 for any free port) and forwards
// to upstream.
func Start(listen, upstream string) (*Proxy, error) {
	quietOnce.Do(func() { zerolog.SetGlobalLevel(zerolog.ErrorLevel) })
	server := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(nil), zerolog.Nop())
	p := toxiproxy.NewProxy(server, "bench", listen, upstream)
	if err := p.Start(); err != nil {
		return nil, fmt.Errorf("fault proxy on %s (to %s): %w", listen, upstream, err)
	}
	return &Proxy{p: p}, nil
}

// Address is where the proxy listens, host:port.
func (p *Proxy) Address() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.p.Listen
}

// Upstream is the address the proxy forwards to.
func (p *Proxy) Upstream() string { return p.p.Upstream }

// Degrade delays every chunk of data coming back from the upstream by latency ± jitter
// (so a request's round trip gains latency on average), and, when bytesPerSecond is
// above zero, limits each direction of each connection to about that rate (toxiproxy
// counts in whole kilobytes per second, 1 KB = 1,000 bytes). It replaces whatever fault
// was applied before.
func (p *Proxy) Degrade(ctx context.Context, latency, jitter time.Duration, bytesPerSecond int64) error {
	if latency < 0 || jitter < 0 || jitter > latency || bytesPerSecond < 0 {
		return fmt.Errorf("fault proxy: latency %s with jitter %s and %d B/s: want jitter at most latency, nothing negative", latency, jitter, bytesPerSecond)
	}
	var toxics []toxic
	var what []string
	if latency > 0 {
		toxics = append(toxics, toxic{Name: "latency", Type: "latency", Stream: "downstream",
			Attributes: map[string]int64{"latency": latency.Milliseconds(), "jitter": jitter.Milliseconds()}})
		what = append(what, fmt.Sprintf("latency %s ± %s", latency, jitter))
	}
	if bytesPerSecond > 0 {
		kb := max(1, bytesPerSecond/1000)
		for _, s := range []string{"upstream", "downstream"} {
			toxics = append(toxics, toxic{Name: "bandwidth_" + s, Type: "bandwidth", Stream: s,
				Attributes: map[string]int64{"rate": kb}})
		}
		what = append(what, fmt.Sprintf("bandwidth %d KB/s each way", kb))
	}
	if len(toxics) == 0 {
		return errors.New("fault proxy: a degradation needs a latency or a bandwidth")
	}
	return p.apply(ctx, strings.Join(what, ", "), false, toxics)
}

// Cut stops all traffic through the proxy, as a network partition would: connections
// stay open, new ones are accepted, but no byte gets through either way, so clients
// find out only by their own timeouts. Heal ends it.
func (p *Proxy) Cut(ctx context.Context) error {
	return p.apply(ctx, "cut", true, []toxic{
		{Name: "cut_upstream", Type: "timeout", Stream: "upstream", Attributes: map[string]int64{"timeout": 0}},
		{Name: "cut_downstream", Type: "timeout", Stream: "downstream", Attributes: map[string]int64{"timeout": 0}},
	})
}

// Heal removes every fault. After a cut it also closes every connection through the
// proxy: the bytes dropped during the cut leave their protocol streams broken, as a real
// partition leaves TCP connections that time out, so clients connect again.
func (p *Proxy) Heal(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.heal(ctx)
}

func (p *Proxy) heal(ctx context.Context) error {
	p.p.Toxics.ResetToxics(ctx)
	p.fault = ""
	if !p.cut {
		return nil
	}
	p.cut = false
	p.p.Stop()
	if err := p.p.Start(); err != nil {
		return fmt.Errorf("fault proxy on %s: listening again after the cut: %w", p.p.Listen, err)
	}
	return nil
}

// Close stops the proxy and closes every connection through it.
func (p *Proxy) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.p.Stop()
}

// toxic is a toxiproxy toxic as its JSON API describes it.
type toxic struct {
	Name       string           `json:"name"`
	Type       string           `json:"type"`
	Stream     string           `json:"stream"`
	Toxicity   float64          `json:"toxicity"`
	Attributes map[string]int64 `json:"attributes"`
}

func (p *Proxy) apply(ctx context.Context, what string, cut bool, toxics []toxic) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fault != "" {
		if err := p.heal(ctx); err != nil {
			return err
		}
	}
	for _, t := range toxics {
		t.Toxicity = 1
		b, err := json.Marshal(t)
		if err != nil {
			return err
		}
		if _, err := p.p.Toxics.AddToxicJson(strings.NewReader(string(b))); err != nil {
			p.p.Toxics.ResetToxics(ctx)
			return fmt.Errorf("fault proxy on %s: %s: %w", p.p.Listen, what, err)
		}
	}
	p.fault, p.cut = what, cut
	return nil
}
