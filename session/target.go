package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"streambench/bench"
	"streambench/brokers"
	"streambench/drivers"
	"streambench/report"
	"streambench/targets"
)

// runOne makes run pr and writes its result under o.Out. It returns the result
// whenever the load ran, with the path it was written to, and the error that stopped
// the run or the writing, if any: a result kept elsewhere than o.Out comes with an
// error that says where. hard ends to stop at once, soft to stop gently.
func runOne(hard, soft context.Context, pr Run, o *Options) (*report.Result, string, error) {
	name, s := pr.Target, &pr.Point.Scenario
	ko := KinesisOptions(o.KinesisEngine, s)
	to := o.Brokers
	to.Kinesis, to.Proxy, to.Log = ko, s.NetworkFaults(), o.Log
	ep, err := targets.Resolve(soft, name, to)
	if err != nil {
		return nil, "", err
	}
	defer func() {
		// Stop what was started even after hard has ended: then a local broker is
		// killed at once instead of being given its clean shutdown.
		ctx, cancel := context.WithTimeout(hard, 30*time.Second)
		defer cancel()
		if err := ep.Stop(ctx); err != nil {
			fmt.Fprintf(o.Log, "%s: stopping the broker: %v\n", pr, err)
		}
	}()
	fmt.Fprintf(o.Log, "%s: %s at %s, %s (%s)\n", pr, ep.Driver, ep.Address, ep.Security, ep.Why)

	reg, err := targets.Registry().Lookup(ep.Driver)
	if err != nil {
		return nil, "", err
	}
	started := time.Now()
	topic := fmt.Sprintf("bench-%s-%s-%s-%04x", s.Name, name, started.UTC().Format("20060102T150405Z"), rand.IntN(1<<16))
	d, err := reg.Open(soft, drivers.Config{
		Address:    ep.Address,
		Connection: ep.Connection,
		Settings:   s.Drivers[ep.Driver],
		Topology: drivers.Topology{
			Name:        topic,
			Partitions:  s.Topology.Partitions,
			Replication: s.Topology.Replication,
			Retention:   s.Topology.Retention.Duration(),
		},
	})
	if err != nil {
		return nil, "", err
	}
	defer d.Close()
	info := ep.Broker
	if info.Version == "" {
		asked, err := d.Broker(soft)
		if err != nil {
			return nil, "", err
		}
		if info.Product == "" {
			info = asked
		} else {
			// A product the driver cannot name (Redpanda speaks Kafka's protocol).
			info.Version = "unknown (" + asked.Product + " " + asked.Version + ")"
		}
	}

	view := o.view(name)
	m, runErr := bench.Run(hard, s, d, bench.Options{
		Interrupt: soft.Done(),
		Broker:    ep.Control,
		Network:   ep.Network,
		Keep:      o.Keep,
		Progress:  view.Progress,
		Logf:      view.Logf,
	})
	view.Done()
	if m == nil {
		return nil, "", runErr
	}
	r := &report.Result{
		Scenario:  *s,
		Overrides: o.Overrides,
		Target: report.Target{
			Name: name, Driver: ep.Driver, Broker: info, Address: ep.Address, Topic: topic,
			Emulator: ep.Emulator, Env: ep.Env, Security: ep.Security,
			WriteQuotas: ep.WriteQuotas, ReadQuotas: ep.Emulator && !ko.NoQuotas,
		},
		Sweep: pr.Point.Sweep.Map(),
		Host:  report.CurrentHost(),
		Notes: append([]string{"broker: " + ep.Why}, ep.Notes...),
	}
	if runErr != nil {
		r.Notes = append(r.Notes, "the run ended with an error: "+runErr.Error())
	}
	if err := r.FromMeasurements(m); err != nil {
		return nil, "", errors.Join(runErr, err)
	}
	r.SLO = report.Judge(r)
	file := name
	if len(pr.Point.Sweep) > 0 {
		file += "-" + pr.Point.Sweep.Label()
	}
	path, err := writeResult(o.Out, s.Name, file, started, r)
	return r, path, errors.Join(runErr, err)
}

// view returns the View of a run of target: o.View's, or one that writes the run's log
// lines to o.Log.
func (o *Options) view(target string) View {
	if o.View != nil {
		return o.View(target)
	}
	return logView{o.Log, target}
}

// logView is the View of a session without one: log lines, no progress.
type logView struct {
	w      io.Writer
	target string
}

func (logView) Progress(bench.Progress) {}
func (logView) Done()                   {}
func (v logView) Logf(format string, args ...any) {
	fmt.Fprintf(v.w, "target %s: "+format+"\n", append([]any{v.target}, args...)...)
}

// writeResult writes r under out, or when that fails (the directory checked before the
// run went away, the disk filled up) under the state directory's results/, so that the
// run is not lost; the error then says where it went. It returns the path written.
func writeResult(out, scenario, file string, started time.Time, r *report.Result) (string, error) {
	path, err := report.Write(report.Path(out, scenario, file, started), r)
	if err == nil {
		return path, nil
	}
	fallback := filepath.Join(os.TempDir(), "streambench-results")
	if state, serr := brokers.StateDir(""); serr == nil {
		fallback = filepath.Join(state, "results")
	}
	kept, kerr := report.Write(report.Path(fallback, scenario, file, started), r)
	if kerr != nil {
		return "", fmt.Errorf("%w; keeping it under %s failed too: %v", err, fallback, kerr)
	}
	return kept, fmt.Errorf("%w; the result was kept at %s instead", err, kept)
}
