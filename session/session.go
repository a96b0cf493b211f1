// Package session runs a scenario as 'bench run' does: each of its targets, at each
// point of its matrix, as many times as asked, one after another. For each run it gets
// the target's broker, opens the driver, makes the topic, runs the load (consumers,
// producers, timeline, drain), writes the result, and stops what it started, whether the
// run ends, fails or is interrupted.
//
// It is the layer above package bench: bench.Run measures one load against a driver
// already open; a session is everything around it, from a scenario file to result files
// and a summary. It parses no flags and catches no signals: its caller (the bench
// command) does both, and says how to stop it by a context (stop at once) and a channel
// (stop gently: the load stops, consumers drain, results are written).
package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"streambench/bench"
	"streambench/brokers"
	"streambench/drivers/kinesis"
	"streambench/report"
	"streambench/targets"
)

// ErrInterrupted reports that a session was stopped before it ended, after writing the
// results of what ran.
var ErrInterrupted = errors.New("interrupted")

// Options say what a session runs, where, and where it tells what it does.
type Options struct {
	// Targets are the scenario's targets to run, in this order; empty means all of them,
	// in the scenario's order.
	Targets []string
	// Repeat is how many times each target runs at each point (0 means once); the
	// repetitions alternate the targets (A B A B …).
	Repeat int
	// TimeScale multiplies the scenario's duration, warm-up and action times (0 means 1).
	TimeScale float64

	// Brokers says where the brokers come from; its Kinesis, Proxy and Log are set for
	// each run (from KinesisEngine and the scenario, and from Log).
	Brokers targets.Options
	// KinesisEngine is the local Kinesis engine; empty means the scenario's
	// kinesis.engine, else the default (see KinesisOptions).
	KinesisEngine string

	// Out is where result files go: Out/<scenario>/<UTC time>-<target>.json, with a
	// report of them all beside them.
	Out string
	// Keep keeps each run's topic instead of deleting it.
	Keep bool
	// Overrides are recorded in each result as what changed the scenario (the flags
	// given on the command line).
	Overrides map[string]string

	// Log receives what the session does, one line at a time (standard error).
	Log io.Writer
	// Summary receives the results side by side at the end (standard output); nil means
	// Log.
	Summary io.Writer
	// View, if set, makes what shows a run as it goes; nil means the run's log lines go
	// to Log and its progress is not shown.
	View func(target string) View
}

// A View shows one run as it goes.
type View interface {
	// Progress is called every so often during the load.
	Progress(bench.Progress)
	// Logf writes a line about the run (without the newline).
	Logf(format string, args ...any)
	// Done is called once the load has ended.
	Done()
}

func (o *Options) defaults() {
	if o.Repeat < 1 {
		o.Repeat = 1
	}
	if o.TimeScale == 0 {
		o.TimeScale = 1
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Summary == nil {
		o.Summary = o.Log
	}
}

// Load reads a scenario file, knowing every target and driver of bench, and the
// figures its SLOs may name.
func Load(path string) (bench.Scenario, error) {
	return bench.LoadWith(path, bench.Known{Registry: targets.Registry(), Targets: targets.Names(), Metrics: report.SLOMetrics()})
}

// An SLOError says that the runs did not hold the scenario's SLOs, judged for each
// target at each point of the matrix on the median of its repetitions (the run itself
// when there is one). Outcome says whether an SLO on integrity (lost or duplicated
// messages) failed, or only others.
type SLOError struct {
	Outcome report.Outcome
}

func (e *SLOError) Error() string {
	if e.Outcome == report.IntegrityFailed {
		return "integrity failed: an SLO on lost or duplicated messages did not hold"
	}
	return "an SLO did not hold"
}

// A TargetError is a target asked for (Options.Targets) that the scenario does not have.
type TargetError struct {
	Target string
	Have   []string // the scenario's targets
}

func (e *TargetError) Error() string {
	return fmt.Sprintf("target %s: the scenario's targets are %v", e.Target, e.Have)
}

// An OutError says that results cannot be written under Options.Out, so nothing was run.
type OutError struct {
	Out string
	Err error
}

func (e *OutError) Error() string {
	return fmt.Sprintf("%s: results cannot be written there, so nothing was run: %v", e.Out, e.Err)
}

func (e *OutError) Unwrap() error { return e.Err }

// Session is the runs of one scenario, checked and planned, ready to run.
type Session struct {
	// Scenario is the scenario as given, its times scaled.
	Scenario bench.Scenario
	// Points are the points of its matrix: one, the scenario itself, without a matrix.
	Points []bench.Point
	// Runs are the runs in the order they are made.
	Runs []Run
	o    Options
}

// New checks scenario s, read from path (which messages name) and maybe changed since
// (overrides), and plans its runs. Before any broker work, it refuses a run that cannot
// fit in memory, or whose results cannot be written (an *OutError). A target of
// o.Targets the scenario lacks is a *TargetError.
func New(path string, s bench.Scenario, o Options) (*Session, error) {
	o.defaults()
	points, err := s.Expand()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if o.TimeScale != 1 {
		for i := range points {
			points[i].Scenario.ScaleTime(o.TimeScale)
		}
		s.ScaleTime(o.TimeScale) // for the scenario's line
	}
	names := s.Targets
	if len(o.Targets) > 0 {
		for _, t := range o.Targets {
			if !slices.Contains(s.Targets, t) {
				return nil, &TargetError{Target: t, Have: s.Targets}
			}
		}
		names = o.Targets
	}
	for i := range points {
		if err := bench.CheckMemory(&points[i].Scenario); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	if err := report.CheckDir(filepath.Join(o.Out, s.Name)); err != nil {
		return nil, &OutError{Out: o.Out, Err: err}
	}
	return &Session{Scenario: s, Points: points, Runs: Plan(points, names, o.Repeat), o: o}, nil
}

// Plan lists the runs of targets at points, repeat times. Repetitions alternate the
// targets (A B A B …), and go round the whole matrix each time, so that whatever drifts
// on the machine during the runs affects every target and every point alike.
func Plan(points []bench.Point, targets []string, repeat int) []Run {
	var plan []Run
	for rep := 1; rep <= repeat; rep++ {
		for i := range points {
			for _, name := range targets {
				plan = append(plan, Run{Target: name, Point: &points[i], Rep: rep, Of: repeat})
			}
		}
	}
	return plan
}

// Run makes the session's runs, one after another, writes a result for each run whose
// load ran, and then prints them side by side (to Options.Summary) and writes a report
// with charts beside them. When ctx ends, everything stops at once (a broker the
// session started is killed); when interrupt is closed, the run under way stops its
// load, drains and writes its result, and the runs after it are skipped: the error is
// then ErrInterrupted. A run that fails does not stop those after it.
func (ses *Session) Run(ctx context.Context, interrupt <-chan struct{}) error {
	o, s := &ses.o, &ses.Scenario
	soft, stop := softContext(ctx, interrupt)
	defer stop()
	fmt.Fprintf(o.Log, "scenario %s: %s warm-up + %s measured, %s of %d bytes, %d partitions, %d producers, %d consumers\n",
		s.Name, s.Warmup, s.Duration, s.Workload.Rate.Phrase(), s.Workload.MessageSize, s.Topology.Partitions, s.Workload.Producers, s.Workload.Consumers)
	if s.Workload.Arrivals == bench.ArrivalsPoisson {
		fmt.Fprintf(o.Log, "arrivals: poisson, seed %d (workload.seed; the same seed repeats the schedule)\n", s.Workload.Seed)
	}
	if len(ses.Points) > 1 {
		fmt.Fprintf(o.Log, "matrix: %d runs per target (%s)\n", len(ses.Points), s.Matrix)
	}
	var results []*report.Result
	resultDir := "" // where the results went: Out's, or the fallback if writing there failed
	failed := 0
	for _, r := range ses.Runs {
		if soft.Err() != nil {
			fmt.Fprintf(o.Log, "%s: skipped (interrupted)\n", r)
			continue
		}
		res, path, err := runOne(ctx, soft, r, o)
		if res != nil {
			results = append(results, res)
		}
		if path != "" {
			fmt.Fprintf(o.Log, "%s: result written to %s\n", r, path)
			resultDir = filepath.Dir(path)
		}
		if err != nil {
			fmt.Fprintf(o.Log, "%s: %v\n", r, err)
			failed++
		}
	}
	if len(results) > 0 {
		fmt.Fprintln(o.Summary)
		if err := report.Summary(o.Summary, results); err != nil {
			return err
		}
		html := report.Path(o.Out, s.Name, "report", results[0].StartedAt)
		html = strings.TrimSuffix(html, ".json") + ".html"
		if resultDir != "" {
			html = filepath.Join(resultDir, filepath.Base(html)) // beside the results
		}
		if err := report.WriteHTML(html, results); err != nil {
			return err
		}
		fmt.Fprintf(o.Log, "report with charts: %s\n", html)
	}
	outcome := judgeSLOs(o.Summary, results)
	switch {
	case soft.Err() != nil:
		return ErrInterrupted
	case failed > 0:
		// each failure was written to the log with its run above
		return fmt.Errorf("%d of %d runs failed", failed, len(ses.Runs))
	case outcome != report.Held:
		return &SLOError{Outcome: outcome}
	}
	return nil
}

// judgeSLOs writes how the runs fared against their SLOs to w and returns the worst
// outcome of each group's median (the run itself for a group of one).
func judgeSLOs(w io.Writer, results []*report.Result) report.Outcome {
	groups := report.Groups(results)
	lines := report.SLOLines(groups)
	if len(lines) == 0 {
		return report.Held
	}
	head := "SLOs:"
	if slices.ContainsFunc(groups, func(g report.Group) bool { return len(g.Runs) > 1 }) {
		head = "SLOs (each run, then the median of its repetitions, which the exit code follows):"
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, head)
	for _, l := range lines {
		fmt.Fprintln(w, "  "+l)
	}
	var verdicts []report.Verdict
	for _, g := range groups {
		verdicts = append(verdicts, report.JudgeMedian(g.Runs)...)
	}
	return report.OutcomeOf(verdicts)
}

// softContext returns a context that ends with ctx, or when interrupt is closed, and
// the function that releases it.
func softContext(ctx context.Context, interrupt <-chan struct{}) (context.Context, func()) {
	soft, cancel := context.WithCancel(ctx)
	if interrupt == nil {
		return soft, cancel
	}
	select {
	case <-interrupt: // already: seen at once, not when the goroutine gets to it
		cancel()
		return soft, cancel
	default:
	}
	go func() {
		select {
		case <-interrupt:
			cancel()
		case <-soft.Done():
		}
	}()
	return soft, cancel
}

// A Run is one run of a session: a target, at a point of the scenario's matrix (the
// scenario itself when it has none), in one repetition of Of.
type Run struct {
	Target  string
	Point   *bench.Point
	Rep, Of int
}

// String names the run in messages: "target kafka", "target kafka [kafka.linger=5ms]
// (run 2 of 3)".
func (r Run) String() string {
	s := "target " + r.Target
	if len(r.Point.Sweep) > 0 {
		s += " [" + r.Point.Sweep.String() + "]"
	}
	if r.Of > 1 {
		s += fmt.Sprintf(" (run %d of %d)", r.Rep, r.Of)
	}
	return s
}

// KinesisOptions are the local Kinesis engine's options for scenario s: engine if not
// empty, else the scenario's kinesis.engine, else empty (the default, for package
// brokers to choose); AWS's quotas as the scenario says.
func KinesisOptions(engine string, s *bench.Scenario) brokers.KinesisOptions {
	o := brokers.KinesisOptions{Engine: engine}
	if set, ok := s.Drivers["kinesis"].(*kinesis.Settings); ok {
		if o.Engine == "" && set.Engine != kinesis.EngineAuto {
			o.Engine = set.Engine
		}
		o.NoQuotas = !set.AWSQuotas
	}
	return o
}
