package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"streambench/brokers"
	"streambench/brokers/containers"
	"streambench/report"
	"streambench/session"
	"streambench/targets"
	"streambench/verify"
)

// defaultClaims is the claims file bench verify checks when none is named.
const defaultClaims = "scenarios/claims/tutorial.yaml"

// verifyHelp is the help of 'bench verify': verifyHelpHead, the flags, each with its
// usage, and verifyHelpTail.
func verifyHelp() string {
	return verifyHelpHead + flagHelp(newVerifyFlagSet(new(verifyFlags)), verifyFlagSections) + verifyHelpTail
}

// verifyHelpHead is the help of 'bench verify' before its flags.
const verifyHelpHead = `Usage: bench verify [flags] [CLAIMS_FILE]

Turns measurements into a verdict on each claim of the claims file (default
` + defaultClaims + `, the tutorial's claims C1-C14): supported, refuted, mixed, not
measured, or not measurable (with the reason). Each verdict shows the numbers behind
it, the targets and brokers that produced them, and the rule applied. A check that rests
on an emulator's latency or throughput is not judged: "not measured here (emulator)",
since an emulator's speed says nothing about Amazon Kinesis; the exception is a received
rate bounded by an AWS write quota the local engine enforced, which the report says is
the quota's. A verdict reached without some checks says so ("supported in part").
Published figures from elsewhere are quoted beside ours, marked EXTERNAL, never judged.

Without --from, bench verify first runs every scenario the claims name, one after
another (as 'bench run' would, with the same flags), into DIR/verify/<UTC time>/; with
the defaults that takes about 15 minutes on a 2-core machine. With --from it reads the
results already in a directory instead, and runs nothing.

The report is written next to the results, as verdicts.md and verdicts.html (self-
contained), and the verdicts are listed on standard output.

`

// verifyHelpTail is the help of 'bench verify' after its flags.
const verifyHelpTail = `
Exit status: 0 when the report was written, 1 when a run failed (the report is still
written from what was measured), 2 for a bad claims file or flag, 130 if interrupted.

Examples:
  bench verify
  bench verify --claim C8 --claim C3
  bench verify --time-scale 0.1
  bench verify --from results/verify/20261124T180000Z
  bench verify --kinesis-region eu-west-1 --claim C6 --claim C14
`

var verifyFlagSections = []flagSection{
	{"Flags:", []string{"from", "out", "claim", "repeat", "time-scale"}},
	{"Where the brokers are, as for 'bench run' (e.g. Amazon Kinesis for the verdicts an emulator cannot " +
		"give). Without them, the local Kinesis engines the scenarios ask for are started once for all the " +
		"runs (ferrokinesis by default; kinesis-mock for C4 and C8, whose semantics only it reproduces):", []string{
		"env", "kafka-brokers", "kinesis-endpoint", "kinesis-region", "aws-profile", "kinesis-engine",
	}},
}

// verifyFlags are the flags of 'bench verify': its own, and those of its runs.
type verifyFlags struct {
	runFlags
	from   string
	claims stringList
}

// newVerifyFlagSet registers the flags of 'bench verify', with their usage, into f.
func newVerifyFlagSet(f *verifyFlags) *flag.FlagSet {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.StringVar(&f.from, "from", "", "judge the results under `DIR` (searched recursively); run nothing")
	fs.Var(&f.claims, "claim", "judge only the claim `ID` (and run only its scenarios); repeatable")
	// The flags of the runs are those of 'bench run', set into f.runFlags, with its
	// defaults, and its usage where verify has nothing else to say.
	run := newRunFlagSet(&f.runFlags)
	for _, r := range []struct{ name, usage string }{
		{"out", "the directory `DIR` runs and the report go to (default results)"},
		{"repeat", "run each scenario `N` times, alternating targets: each verdict then carries the spread " +
			"(median [min-max]); borderline when the spread straddles the threshold"},
		{"time-scale", "run every scenario at `X` times its length (0.1 for a quick check: the numbers are then " +
			"rougher than the claims deserve)"},
		{"env", "the environment `E` of the brokers: auto, local, docker, compose or external (see 'bench help run')"},
		{"aws-profile", "the `PROFILE` of ~/.aws/config to use for Kinesis (default $AWS_PROFILE)"},
		{"kafka-brokers", ""}, {"kinesis-endpoint", ""}, {"kinesis-region", ""}, {"kinesis-engine", ""},
	} {
		rf := run.Lookup(r.name)
		if r.usage == "" {
			r.usage = rf.Usage
		}
		fs.Var(rf.Value, r.name, r.usage)
	}
	return fs
}

func verifyCmd(args []string, stdout, stderr io.Writer) error {
	var f verifyFlags
	fs := newVerifyFlagSet(&f)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usagef("want at most one claims file, got %d arguments", len(pos))
	}
	path := defaultClaims
	if len(pos) == 1 {
		path = pos[0]
	}
	claims, err := verify.LoadClaims(path)
	if err != nil {
		return invalidInput{err}
	}
	if err := keepClaims(claims, f.claims); err != nil {
		return err
	}

	dir, runErr := f.from, error(nil)
	if dir == "" {
		dir = filepath.Join(f.out, "verify", time.Now().UTC().Format("20060102T150405Z"))
		set := setFlags(fs)
		f.out = dir
		// Each run's own summary goes to stderr: stdout is for the verdicts.
		o, err := f.options(verifyOverrides(set, dir, f.repeat, f.timeScale), stderr, stderr)
		if err != nil {
			return err
		}
		in, stopInterrupts := catchInterrupts()
		defer stopInterrupts()
		stop, err := shareLocalBrokers(in.soft, set, kinesisEnginesOf(claims.Scenarios(), f.engine), stderr)
		if err != nil {
			return err
		}
		// Before stopInterrupts: an interrupt during the stop must not kill bench and
		// leave the brokers; a second one has them killed at once.
		defer stop(in.hard)
		runErr = runScenarios(in, claims.Scenarios(), o, stderr)
	}
	return finishVerify(claims, dir, stdout, stderr, runErr)
}

// runScenarios runs each scenario file as 'bench run' does, with options o, one after
// another, until one is interrupted: the error is then errInterrupted. A scenario that
// fails, or has runs that fail, does not stop those after it.
func runScenarios(in *interrupts, scenarios []string, o session.Options, stderr io.Writer) error {
	failed := 0
	for i, sc := range scenarios {
		// Interrupted between two runs, when no run was there to see it, as during one.
		err := errInterrupted
		if in.soft.Err() == nil {
			fmt.Fprintf(stderr, "== bench verify: scenario %d of %d, %s\n", i+1, len(scenarios), sc)
			err = runScenario(in, sc, o)
		}
		switch {
		case errors.Is(err, errInterrupted):
			fmt.Fprintln(stderr, "bench verify: interrupted; judging what was measured")
			return errInterrupted
		case err != nil:
			fmt.Fprintf(stderr, "bench verify: %s: %v\n", sc, err)
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d scenarios had runs that failed; their verdicts rest on what they measured", failed)
	}
	return nil
}

// verifyOverrides is what each result of verify's runs records as the flags that
// changed its scenario: where the runs go (dir), the repetitions and time scale, and
// those of verify's flags (set) that say where the brokers are.
func verifyOverrides(set map[string]string, dir string, repeat int, timeScale float64) map[string]string {
	o := map[string]string{"--out": dir, "--repeat": strconv.Itoa(repeat), "--time-scale": strconv.FormatFloat(timeScale, 'g', -1, 64)}
	for _, name := range []string{"--env", "--kafka-brokers", "--kinesis-endpoint", "--kinesis-region", "--aws-profile", "--kinesis-engine"} {
		if v, ok := set[name]; ok {
			o[name] = v
		}
	}
	return o
}

// runScenario runs the scenario file at path as 'bench run' does, with options o and
// no flag that changes the scenario; each interrupt caught during the run is announced
// on o.Log.
func runScenario(in *interrupts, path string, o session.Options) error {
	s, err := session.Load(path)
	if err != nil {
		return invalidInput{err}
	}
	ses, err := newSession(path, s, o)
	if err != nil {
		return err
	}
	in.announceTo(o.Log)
	defer in.announceTo(nil)
	return ses.Run(in.hard, in.soft.Done())
}

// keepClaims narrows the claims to those --claim names.
func keepClaims(c *verify.Claims, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	var known []string
	for _, cl := range c.Claims {
		known = append(known, cl.ID)
	}
	for _, id := range ids {
		if !slices.Contains(known, id) {
			return usagef("--claim %s: the claims file has %s", id, strings.Join(known, ", "))
		}
	}
	c.Claims = slices.DeleteFunc(c.Claims, func(cl verify.Claim) bool { return !slices.Contains(ids, cl.ID) })
	return nil
}

// finishVerify judges the results under dir, writes the report beside them and lists
// the verdicts; err, if any, is returned after the report is written.
func finishVerify(claims *verify.Claims, dir string, stdout, stderr io.Writer, err error) error {
	files, lerr := report.Load(dir)
	if lerr != nil {
		return errors.Join(err, lerr)
	}
	rep := verify.Evaluate(claims, report.Results(files))
	for _, name := range []string{"verdicts.md", "verdicts.html"} {
		p := filepath.Join(dir, name)
		if werr := verify.WriteFile(p, rep); werr != nil {
			return errors.Join(err, werr)
		}
		fmt.Fprintf(stderr, "verdict report: %s\n", p)
	}
	width := 0
	for _, c := range rep.Claims {
		width = max(width, utf8.RuneCountInString(c.VerdictText()))
	}
	for _, c := range rep.Claims {
		fmt.Fprintf(stdout, "%-4s %-*s %s\n", c.ID, width, c.VerdictText(), shortClaim(c.Claim))
	}
	return err
}

// shortClaim cuts a claim to one line of the verdict list.
func shortClaim(s string) string {
	if r := []rune(s); len(r) > 80 {
		return string(r[:79]) + "…"
	}
	return s
}

// shareLocalBrokers starts the local Kafka and kinesis-mock once for all of verify's
// runs, as 'bench brokers up' would, where the runs would otherwise each start their
// own: the environment is local, or auto with no Docker engine, and no flag or variable
// names another broker. They are bound to this process: a verify that is killed takes
// them with it. ctx bounds their start. The returned function stops those it
// started (not those that were already up); once its context has ended, it kills them at
// once.
func shareLocalBrokers(ctx context.Context, set map[string]string, engines []string, stderr io.Writer) (stop func(context.Context), err error) {
	stop = func(context.Context) {}
	switch env := set["--env"]; env {
	case "", targets.EnvAuto:
		if _, err := containers.CheckDocker(context.Background()); err == nil {
			return stop, nil
		}
	case targets.EnvLocal:
	default:
		return stop, nil
	}
	var downs []func(context.Context) error
	stop = func(ctx context.Context) {
		for _, down := range downs {
			if err := down(ctx); err != nil {
				fmt.Fprintf(stderr, "bench verify: %v\n", err)
			}
		}
	}
	_, kafkaNamed := set["--kafka-brokers"]
	if !kafkaNamed && os.Getenv(targets.EnvKafkaBrokers) == "" {
		ko := brokers.KafkaOptions{Log: stderr, Bound: true}
		if _, started, err := brokers.UpKafka(ctx, ko); err != nil {
			return stop, err
		} else if started {
			downs = append(downs, func(ctx context.Context) error { return brokers.DownKafka(ctx, ko) })
		}
	}
	_, kinesisNamed := set["--kinesis-endpoint"]
	_, regionNamed := set["--kinesis-region"]
	if !kinesisNamed && !regionNamed && os.Getenv(targets.EnvKinesisEndpoint) == "" {
		for _, e := range engines {
			ko := brokers.KinesisOptions{Engine: e, Log: stderr, Bound: true}
			if _, started, err := brokers.UpKinesis(ctx, ko); err != nil {
				stop(context.Background())
				return func(context.Context) {}, err
			} else if started {
				downs = append(downs, func(ctx context.Context) error { return brokers.DownKinesis(ctx, ko) })
			}
		}
	}
	if len(downs) > 0 {
		fmt.Fprintln(stderr, "bench verify: started the local brokers for all its runs; they are stopped at the end")
	}
	return stop, nil
}

// kinesisEnginesOf lists the local Kinesis engines the scenarios of Kinesis targets run
// on: the one of --kinesis-engine (flag) if given, else each scenario's kinesis.engine,
// the default engine for auto. A scenario that does not load is left to its run to
// report.
func kinesisEnginesOf(scenarios []string, flag string) []string {
	if flag != "" {
		return []string{flag}
	}
	var engines []string
	for _, path := range scenarios {
		s, err := session.Load(path)
		if err != nil || !slices.ContainsFunc(s.Targets, targets.RunsKinesisEngine) {
			continue
		}
		if e, _, err := brokers.KinesisEngineChoice(session.KinesisOptions("", &s).Engine, ""); err == nil && !slices.Contains(engines, e) {
			engines = append(engines, e)
		}
	}
	return engines
}
