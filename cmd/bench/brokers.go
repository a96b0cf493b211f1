package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"streambench/brokers"
	"streambench/brokers/containers"
	"streambench/targets"
)

// brokersHelp is the help of 'bench brokers': brokersHelpHead, the flags, each with its
// usage, and brokersHelpTail.
func brokersHelp() string {
	return brokersHelpHead + flagHelp(newBrokersFlagSet(new(brokersFlags)), brokersFlagSections) + brokersHelpTail
}

// brokersHelpHead is the help of 'bench brokers' before its flags.
const brokersHelpHead = `Usage: bench brokers up|status|down [kafka|kinesis|redpanda]... [flags]

Manages brokers that outlive the command, so that several runs, or the tests, can share
them. 'bench run' uses those that are up, and otherwise starts its own for the run.
With no names it acts on all of the environment's brokers.

Environments (--env):
  local    (the default where no Docker engine answers) processes on this machine:
           kafka    Apache Kafka ` + brokers.KafkaVersion + ` (KRaft, single node, on 127.0.0.1), with a
                    PLAINTEXT, a TLS and a SASL_SSL listener (SCRAM and PLAIN user
                    ` + brokers.KafkaUser + `; certificate and password made at start-up, kept in its
                    data directory, removed by down)
           kinesis  a local engine of the Kinesis Data Streams API (streams in memory
                    only), chosen with --kinesis-engine:
                    ferrokinesis ` + brokers.FerrokinesisVersion + ` (the default where cargo can build it; built
                      once, about 10 minutes on 2 cores), enforcing AWS's per-shard write
                      quotas (1 MiB/s, 1,000 records/s) unless --aws-quotas=false;
                      port 4569
                    kinesis-mock ` + brokers.KinesisVersion + ` (npm; the engine LocalStack runs), enforcing
                      no quota; port 4568, HTTPS on 4567
                    Both listen on all interfaces (neither has a setting for the
                    address); clients reach them through 127.0.0.1. Both can be up at
                    once; status and down act on every engine unless one is named.
  compose  the services of docker-compose.yml (kafka, redpanda, and kinesis: LocalStack)
           through 'docker compose'; the default where a Docker engine answers and
           the file exists
  auto     (the default) compose or local, as above
Containers of 'bench run --env docker' live for one run only, so they are not managed
here.

  up      install the broker (first time only), start it, wait until it answers, print
          where it is; does nothing to one that is already up
  status  say whether each is up, and where; exits 1 when any asked for is not.
          Also lists the processes benches started for their runs (recorded in
          the state directory), and those a killed bench left behind
  down    stop it and remove its data; also kill what a bench that was killed
          (or crashed) left behind, and remove its records and its brokers' data

`

// brokersHelpTail is the help of 'bench brokers' after its flags.
const brokersHelpTail = `
Locally, Kafka needs java (17 or later) and mvn on PATH, ferrokinesis cargo (once, to
build it), kinesis-mock node (18 or later) and npm. Each is fetched once into
$BENCH_CACHE_DIR (default: the user cache directory, streambench/); state, and the data
of the brokers 'bench run' starts for itself, is kept in $BENCH_STATE_DIR (default:
state/ in the cache directory). $BENCH_KAFKA_PORT and $BENCH_KINESIS_PORT, when set,
replace the default ports (9092, and 4569 or 4568) here and for the brokers 'bench run'
starts.

Examples:
  bench brokers up
  export BENCH_KAFKA_BROKERS=127.0.0.1:9092
  export BENCH_KINESIS_ENDPOINT=http://127.0.0.1:4569
  bench brokers up kinesis --kinesis-engine kinesis-mock --kinesis-port 14568
  bench brokers status kafka
  bench brokers down
  bench brokers up --env compose kafka redpanda
`

var brokersFlagSections = []flagSection{{"Flags:", []string{
	"env", "compose-file", "port", "heap-mb", "kinesis-port", "kinesis-engine", "aws-quotas",
}}}

type brokersFlags struct {
	port, heap, kinesisPort int
	kinesisEngine           string
	awsQuotas               bool
	env, composeFile        string
}

// newBrokersFlagSet registers the flags of 'bench brokers', with their usage, into f.
func newBrokersFlagSet(f *brokersFlags) *flag.FlagSet {
	fs := flag.NewFlagSet("brokers", flag.ContinueOnError)
	fs.StringVar(&f.env, "env", targets.EnvAuto, "the environment `E`: auto, local or compose (see above)")
	fs.StringVar(&f.composeFile, "compose-file", containers.ComposeFile, "the compose `FILE` (default "+containers.ComposeFile+")")
	fs.IntVar(&f.port, "port", 0, "Kafka's PLAINTEXT listener `PORT` (default 9092; controller on port+1, TLS on port+2, "+
		"SASL over TLS on port+3, the listener behind bench's fault proxy on port+4, advertised as the proxy's port+5)")
	fs.IntVar(&f.heap, "heap-mb", 0, "Kafka's JVM heap, `N` MiB from 256 to 1024 (default 1024)")
	fs.IntVar(&f.kinesisPort, "kinesis-port", 0, "the Kinesis engine's plain HTTP `PORT` (default 4569 for ferrokinesis, "+
		"4568 for kinesis-mock, with HTTPS on port-1)")
	fs.StringVar(&f.kinesisEngine, "kinesis-engine", "", "the Kinesis `ENGINE`: ferrokinesis or kinesis-mock (default for up: $"+
		brokers.EnvKinesisEngine+", else ferrokinesis where cargo can build it, else kinesis-mock)")
	fs.BoolVar(&f.awsQuotas, "aws-quotas", true, "enforce AWS's write quotas in ferrokinesis (default true; "+
		"--aws-quotas=false starts it without them)")
	return fs
}

func brokersCmd(args []string, stdout, stderr io.Writer) error {
	var f brokersFlags
	fs := newBrokersFlagSet(&f)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("want one of up, status, down")
	}
	action := pos[0]
	if !slices.Contains([]string{"up", "status", "down"}, action) {
		return usagef("unknown action %q: want up, status or down", action)
	}
	set := setFlags(fs)
	in, stop := catchInterrupts()
	defer stop()
	ctx := in.soft
	switch f.env {
	case targets.EnvAuto:
		f.env = targets.EnvLocal
		if _, err := os.Stat(f.composeFile); err == nil {
			if _, err := containers.CheckDocker(ctx); err == nil {
				f.env = targets.EnvCompose
			}
		}
		fmt.Fprintf(stderr, "environment %s (auto: %s)\n", f.env, map[string]string{
			targets.EnvLocal:   "no Docker engine with " + f.composeFile + " here",
			targets.EnvCompose: "a Docker engine answers and " + f.composeFile + " exists",
		}[f.env])
	case targets.EnvLocal, targets.EnvCompose:
	case targets.EnvDocker:
		return usagef("--env docker: its containers live for one run ('bench run --env docker' starts and removes them); use --env compose for brokers that outlive a command")
	default:
		return usagef("--env must be auto, local or compose, not %q", f.env)
	}
	names, err := chooseBrokers(pos[1:], f.env == targets.EnvCompose)
	if err != nil {
		return err
	}
	if f.env == targets.EnvCompose {
		for _, name := range []string{"--port", "--heap-mb", "--kinesis-port", "--kinesis-engine", "--aws-quotas"} {
			if _, ok := set[name]; ok {
				return usagef("%s is a setting of the local brokers; the compose services' ports are fixed in %s", name, f.composeFile)
			}
		}
		var services []string
		for _, b := range targets.Brokers() {
			if slices.Contains(names, b.Name) {
				services = append(services, b.Service)
			}
		}
		run := map[string]func(context.Context, string, []string, io.Writer) error{
			"up": containers.ComposeUp, "status": containers.ComposeStatus, "down": containers.ComposeDown,
		}[action]
		return run(ctx, f.composeFile, services, stdout)
	}
	if action == "up" {
		for _, s := range []struct{ flag, broker string }{
			{"--port", "kafka"}, {"--heap-mb", "kafka"}, {"--kinesis-port", "kinesis"},
			{"--kinesis-engine", "kinesis"}, {"--aws-quotas", "kinesis"},
		} {
			if _, ok := set[s.flag]; ok && !slices.Contains(names, s.broker) {
				return usagef("%s is a setting of %s, which this command leaves alone", s.flag, s.broker)
			}
		}
	}

	ko := brokers.KafkaOptions{HeapMB: f.heap, Log: stderr}
	if f.port != 0 {
		ko.Ports = brokers.KafkaPortsFrom(f.port)
	}
	engines, err := kinesisEngines(ctx, action, f.kinesisEngine)
	if err != nil {
		return err
	}
	all := map[string][]brokers.Lifecycle{"kafka": {ko.Detached()}}
	for _, e := range engines {
		kio := brokers.KinesisOptions{Engine: e, NoQuotas: !f.awsQuotas, Port: f.kinesisPort, Log: stderr}
		all["kinesis"] = append(all["kinesis"], kio.Detached())
	}
	var errs []error
	var notUp []string
	for _, b := range brokersOf(all, names) {
		switch action {
		case "up":
			s, started, err := b.Up(ctx)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			verb := "already up"
			if started {
				verb = "started"
			}
			fmt.Fprintf(stdout, "%s %s %s at %s (pid %d, log %s)%s\n", s.Product, s.Version, verb, s.Address, s.PID, s.LogPath, note(s))
		case "status":
			s, running, err := b.Status(ctx)
			switch {
			case err != nil:
				errs = append(errs, err)
			case !running:
				fmt.Fprintf(stdout, "%s is not up\n", b.Product())
				notUp = append(notUp, b.Product())
			default:
				fmt.Fprintf(stdout, "%s %s up at %s (pid %d since %s, log %s)%s\n", s.Product, s.Version, s.Address,
					s.PID, s.StartedAt.Local().Format("2006-01-02 15:04:05"), s.LogPath, note(s))
			}
		case "down":
			if err := b.Down(ctx); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if action != "up" {
		if err := benchProcesses(ctx, action, names, stdout, stderr); err != nil {
			errs = append(errs, err)
		}
	}
	if len(notUp) > 0 {
		errs = append(errs, fmt.Errorf("not running: %s", strings.Join(notUp, ", ")))
	}
	return errors.Join(errs...)
}

// chooseBrokers checks the broker names given, defaulting to all of the environment's,
// and returns them once each in the order of targets.Brokers.
func chooseBrokers(args []string, compose bool) ([]string, error) {
	var known, composeOnly []string
	for _, b := range targets.Brokers() {
		if compose || b.Local {
			known = append(known, b.Name)
		} else {
			composeOnly = append(composeOnly, b.Name)
		}
	}
	for _, a := range args {
		switch {
		case slices.Contains(composeOnly, a):
			return nil, usagef("%s has no local process here (it is not on the registries this project fetches from): use --env compose", a)
		case !slices.Contains(known, a):
			return nil, usagef("unknown broker %q: want %s", a, strings.Join(known, ", "))
		}
	}
	if len(args) == 0 {
		return known, nil
	}
	var names []string
	for _, name := range known {
		if slices.Contains(args, name) {
			names = append(names, name)
		}
	}
	return names, nil
}

// note ends the line of a running broker with what else its numbers need said: "; AWS's
// per-shard write quotas enforced".
func note(b brokers.Running) string {
	if b.Note == "" {
		return ""
	}
	return "; " + b.Note
}

// kinesisEngines are the Kinesis engines the action applies to: the one named; for up,
// the default one; for status, those recorded as up, or the default one if none is; for
// down, every one, so that none is left behind.
func kinesisEngines(ctx context.Context, action, named string) ([]string, error) {
	if named != "" {
		if !slices.Contains(brokers.KinesisEngines, named) {
			return nil, usagef("--kinesis-engine must be one of %s, not %q", strings.Join(brokers.KinesisEngines, ", "), named)
		}
		return []string{named}, nil
	}
	switch action {
	case "down":
		return brokers.KinesisEngines, nil
	case "status":
		var up []string
		for _, e := range brokers.KinesisEngines {
			if st, _, _ := brokers.KinesisStatus(ctx, brokers.KinesisOptions{Engine: e}); st.PID != 0 {
				up = append(up, e)
			}
		}
		if len(up) > 0 {
			return up, nil
		}
	}
	e, _, err := brokers.KinesisEngineChoice("", "")
	return []string{e}, err
}

// brokersOf lists the brokers of the names, in order.
func brokersOf(all map[string][]brokers.Lifecycle, names []string) []brokers.Lifecycle {
	var out []brokers.Lifecycle
	for _, n := range names {
		out = append(out, all[n]...)
	}
	return out
}
