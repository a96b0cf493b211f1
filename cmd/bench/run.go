package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"

	"streambench/bench"
	"streambench/brokers"
	"streambench/drivers"
	"streambench/drivers/kafka"
	"streambench/drivers/kinesis"
	"streambench/report"
	"streambench/targets"
)

const runHelp = `Usage: bench run [flags] SCENARIO.yaml

Runs the scenario against each of its targets, one after another (never at the same
time, so they don't compete for the CPU), writes one result file per target and prints
them side by side.

Where the brokers come from (--env, printed for each target and written into its result):
  auto      (default) the first that applies: a cluster named by a flag or variable
            below (external); the local broker of 'bench brokers up', if running
            (local); the services of docker-compose.yml, if they answer (compose); a
            Docker engine that answers (docker); else local
  local     local processes: Apache Kafka (fetched with Maven) and a Kinesis engine
            (--kinesis-engine), started for the run unless 'bench brokers up' started them
  docker    containers (testcontainers) started for the run and removed after it:
            apache/kafka, Redpanda, LocalStack (Kinesis)
  compose   the services of docker-compose.yml ('docker compose up -d --wait' first)
  external  only the clusters and endpoints given below
ferrokinesis, kinesis-mock and LocalStack are emulators: their numbers are labelled as
such, and never stand for Amazon Kinesis's speed.

Targets: kafka, redpanda, kinesis, loopback (no broker: the harness alone), and
kafka-tls and kafka-tls-scram: the local broker's TLS listener, and its TLS listener
with SASL SCRAM-SHA-512 (a user and certificate made at start-up), to measure what
encryption costs (scenarios/tls-overhead.yaml).

Flags (every flag given is recorded in the result's "overrides"):
  --target NAME         run only this target of the scenario; repeatable
  --duration D          measured duration, e.g. 10s, 2m (scenario: duration)
  --warmup D            warm-up before measuring, e.g. 5s, 0s (scenario: warmup)
  --rate R              messages per second for the whole run, or max (scenario: workload.rate)
  --out DIR             where result files go (default results)
  --keep                keep the topic after the run instead of deleting it
  --env E               auto, local, docker, compose or external (see above)
  --kafka-brokers LIST  an existing Kafka cluster, host:port[,host:port...]
                        (default $BENCH_KAFKA_BROKERS)
  --redpanda-brokers L  an existing Redpanda cluster (default $BENCH_REDPANDA_BROKERS)
  --kinesis-endpoint U  a Kinesis endpoint URL (LocalStack: http://127.0.0.1:4566), or
                        aws for Amazon Kinesis itself (default $BENCH_KINESIS_ENDPOINT,
                        else a local engine)
  --kinesis-engine E    the local Kinesis engine: ferrokinesis (built once with cargo;
                        enforces AWS's write quotas) or kinesis-mock (npm; enforces none).
                        Default: the scenario's kinesis.engine, else $BENCH_KINESIS_ENGINE,
                        else ferrokinesis where cargo can build it, else kinesis-mock
  --kinesis-region R    the AWS region for --kinesis-endpoint aws (default $AWS_REGION);
                        alone, it means Amazon Kinesis in that region. AWS credentials
                        come from the standard chain (environment, shared files, SSO,
                        web identity, instance role, assumed roles); never written anywhere
  --aws-profile P       the profile of ~/.aws/config to use (default $AWS_PROFILE), for
                        Kinesis and for --kafka-sasl aws-msk-iam
  --kafka-image I       the image --env docker runs for kafka (default $BENCH_KAFKA_IMAGE,
                        else apache/kafka:4.1.2); likewise --redpanda-image
                        ($BENCH_REDPANDA_IMAGE) and --localstack-image
                        ($BENCH_LOCALSTACK_IMAGE). docker compose reads the same variables
                        when it starts the services. scripts/images builds images of
                        Kafka and LocalStack where none can be pulled

Security of an external Kafka or Redpanda cluster (for the local broker, use the
kafka-tls and kafka-tls-scram targets instead; a run whose broker is not external, the
local one included, is refused rather than run without them):
  --kafka-security P    plaintext, ssl, sasl_plaintext or sasl_ssl (default: sasl_ssl
                        with --kafka-sasl, ssl with any TLS flag, else plaintext)
  --kafka-sasl M        plain, scram-sha-256, scram-sha-512 or aws-msk-iam
  --kafka-user U        SASL user (default $BENCH_KAFKA_USER)
  --kafka-password-file F  file holding the SASL password (default: the password is
                        read from $BENCH_KAFKA_PASSWORD; there is no password flag)
  --kafka-ca FILE       PEM certificates to trust (default: the system's)
  --kafka-cert FILE, --kafka-key FILE  client certificate and key (PEM), for mTLS
  --kafka-server-name N the name to verify in the broker's certificate
  --kafka-insecure-skip-verify  accept any certificate (a test cluster only; the
                        result says so)
  --time-scale X        multiply the scenario's duration, warm-up and action times by X
                        (0.1 runs it at a tenth of its length; the drain is kept)
  --repeat N            run each target N times, alternating them (A B A B …); the
                        summary then shows each figure's median [min–max] and marks
                        differences smaller than that spread. Start the brokers once
                        with 'bench brokers up' first, or each run starts its own
  --cpuprofile FILE     write a Go CPU profile of bench itself (for 'go tool pprof')

Ctrl-C once stops the load, lets consumers drain, writes the results marked
"interrupted" and stops what bench started. Ctrl-C twice stops at once: a broker bench
started is killed rather than shut down cleanly. A broker started for the run dies with
bench even if bench is killed, and 'bench brokers down' removes whatever a killed bench
left.
A broker started for the run listens on the default ports (Kafka 9092-9097,
ferrokinesis 4569, kinesis-mock 4567-4568), or on $BENCH_KAFKA_PORT and
$BENCH_KINESIS_PORT.

Results go to DIR/<scenario>/<UTC time>-<target>.json, and a self-contained HTML page
with the charts of all of them (no network needed to view it) to
DIR/<scenario>/<UTC time>-report.html. DIR is checked before anything runs; if writing
there still fails at the end, the results go to results/ in the state directory
($BENCH_STATE_DIR) instead, and bench says where and exits 1.

Examples:
  bench run scenarios/small-msgs.yaml
  bench run scenarios/small-msgs.yaml --target kafka --duration 10s --warmup 2s
  bench run --rate max --kafka-brokers 127.0.0.1:9092 scenarios/small-msgs.yaml
  bench run --target kinesis --kinesis-region eu-west-1 scenarios/small-msgs.yaml
  bench run --target kinesis --kinesis-engine kinesis-mock scenarios/small-msgs.yaml
  bench run --env docker scenarios/small-msgs.yaml
  bench run scenarios/tls-overhead.yaml
  BENCH_KAFKA_PASSWORD=… bench run --target kafka --kafka-brokers b1.example.com:9096 \
      --kafka-sasl scram-sha-512 --kafka-user alice scenarios/small-msgs.yaml
  bench run --repeat 3 scenarios/small-msgs.yaml
`

type runFlags struct {
	env          string
	redpanda     string
	awsProfile   string
	kafkaSec     targets.KafkaSecurityFlags
	targets      stringList
	duration     string
	warmup       string
	rate         string
	out          string
	keep         bool
	kafkaBrokers string
	kinesisURL   string
	engine       string
	images       brokers.Images
	region       string
	cpuProfile   string
	repeat       int
	timeScale    float64
}

func runCmd(args []string, stdout, stderr io.Writer) error {
	var f runFlags
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.Var(&f.targets, "target", "")
	fs.StringVar(&f.env, "env", targets.EnvAuto, "")
	fs.StringVar(&f.redpanda, "redpanda-brokers", "", "")
	fs.StringVar(&f.awsProfile, "aws-profile", "", "")
	fs.StringVar(&f.kafkaSec.Protocol, "kafka-security", "", "")
	fs.StringVar(&f.kafkaSec.Mechanism, "kafka-sasl", "", "")
	fs.StringVar(&f.kafkaSec.User, "kafka-user", "", "")
	fs.StringVar(&f.kafkaSec.PasswordFile, "kafka-password-file", "", "")
	fs.StringVar(&f.kafkaSec.CAFile, "kafka-ca", "", "")
	fs.StringVar(&f.kafkaSec.CertFile, "kafka-cert", "", "")
	fs.StringVar(&f.kafkaSec.KeyFile, "kafka-key", "", "")
	fs.StringVar(&f.kafkaSec.ServerName, "kafka-server-name", "", "")
	fs.BoolVar(&f.kafkaSec.InsecureSkipVerify, "kafka-insecure-skip-verify", false, "")
	fs.StringVar(&f.duration, "duration", "", "")
	fs.StringVar(&f.warmup, "warmup", "", "")
	fs.StringVar(&f.rate, "rate", "", "")
	fs.StringVar(&f.out, "out", "results", "")
	fs.BoolVar(&f.keep, "keep", false, "")
	fs.StringVar(&f.kafkaBrokers, "kafka-brokers", "", "")
	fs.StringVar(&f.kinesisURL, "kinesis-endpoint", "", "")
	fs.StringVar(&f.engine, "kinesis-engine", "", "")
	// The variables are defaults, so that the one setting serves bench and docker compose.
	env := brokers.ImagesFromEnv()
	fs.StringVar(&f.images.Kafka, "kafka-image", env.Kafka, "")
	fs.StringVar(&f.images.Redpanda, "redpanda-image", env.Redpanda, "")
	fs.StringVar(&f.images.LocalStack, "localstack-image", env.LocalStack, "")
	fs.StringVar(&f.region, "kinesis-region", "", "")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "")
	fs.IntVar(&f.repeat, "repeat", 1, "")
	fs.Float64Var(&f.timeScale, "time-scale", 1, "")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want exactly one scenario file, got %d arguments", len(pos))
	}
	if f.repeat < 1 || f.repeat > 100 {
		return usagef("--repeat must be from 1 to 100, not %d", f.repeat)
	}
	if !(f.timeScale > 0 && f.timeScale <= 10) {
		return usagef("--time-scale must be above 0 and at most 10, not %v", f.timeScale)
	}
	if f.engine != "" && !slices.Contains(brokers.KinesisEngines, f.engine) {
		return usagef("--kinesis-engine must be one of %s, not %q", strings.Join(brokers.KinesisEngines, ", "), f.engine)
	}
	if !slices.Contains(targets.Envs, f.env) {
		return usagef("--env must be one of %s, not %q", strings.Join(targets.Envs, ", "), f.env)
	}
	f.kafkaSec.AWSProfile = f.awsProfile
	kafkaSec, err := f.kafkaSec.Security(context.Background())
	if err != nil {
		return usagef("%v", err)
	}
	s, err := bench.Load(pos[0], targets.Registry(), targets.Names())
	if err != nil {
		return invalidInput{err}
	}
	overrides := setFlags(fs)
	if err := applyOverrides(&s, f); err != nil {
		return err
	}
	for flag, field := range map[string]string{"--duration": "duration", "--warmup": "warmup", "--rate": "workload.rate"} {
		if _, given := overrides[flag]; given && s.Matrix.Has(field) {
			return usagef("%s: the scenario's matrix sweeps %s; remove one of the two", flag, field)
		}
	}
	if err := s.Validate(targets.Names()); err != nil {
		return invalidInput{fmt.Errorf("%s, after the command-line overrides:\n%w", pos[0], err)}
	}
	points, err := s.Expand()
	if err != nil {
		return invalidInput{fmt.Errorf("%s: %w", pos[0], err)}
	}
	if f.timeScale != 1 {
		for i := range points {
			points[i].Scenario.ScaleTime(f.timeScale)
		}
		s.ScaleTime(f.timeScale) // for the line below
	}
	names := s.Targets
	if len(f.targets) > 0 {
		for _, t := range f.targets {
			if !slices.Contains(s.Targets, t) {
				return usagef("--target %s: the scenario's targets are %v", t, s.Targets)
			}
		}
		names = f.targets
	}

	// Before any broker work: a run that cannot fit in memory, or whose result cannot be
	// written, is better not made.
	for i := range points {
		if err := bench.CheckMemory(&points[i].Scenario); err != nil {
			return invalidInput{fmt.Errorf("%s: %w", pos[0], err)}
		}
	}
	if err := report.CheckDir(filepath.Join(f.out, s.Name)); err != nil {
		return invalidInput{fmt.Errorf("--out %s: results cannot be written there, so nothing was run: %w", f.out, err)}
	}

	if f.cpuProfile != "" {
		stop, err := startCPUProfile(f.cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}

	// A first Ctrl-C (or SIGTERM) stops the load gently; a second cancels everything.
	hard, cancelHard := context.WithCancelCause(context.Background())
	defer cancelHard(nil)
	soft, cancelSoft := context.WithCancel(hard)
	defer cancelSoft()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		select {
		case <-sigs:
		case <-hard.Done():
			return
		}
		fmt.Fprintln(stderr, "\nbench: interrupt: stopping the load, draining, writing results (interrupt again to stop at once)")
		cancelSoft()
		select {
		case <-sigs:
		case <-hard.Done():
			return
		}
		fmt.Fprintln(stderr, "bench: second interrupt: stopping now")
		cancelHard(errors.New("interrupted twice"))
	}()

	fmt.Fprintf(stderr, "scenario %s: %s warm-up + %s measured, %s msg/s of %d bytes, %d partitions, %d producers, %d consumers\n",
		s.Name, s.Warmup, s.Duration, s.Workload.Rate, s.Workload.MessageSize, s.Topology.Partitions, s.Workload.Producers, s.Workload.Consumers)
	if len(points) > 1 {
		fmt.Fprintf(stderr, "matrix: %d runs per target (%s)\n", len(points), s.Matrix)
	}
	// Repetitions alternate the targets (A B A B …), and go round the whole matrix
	// each time, so that whatever drifts on the machine during the runs affects every
	// target and every point alike.
	var plan []plannedRun
	for rep := 1; rep <= f.repeat; rep++ {
		for i := range points {
			for _, name := range names {
				plan = append(plan, plannedRun{target: name, point: &points[i], rep: rep, of: f.repeat})
			}
		}
	}
	var results []*report.Result
	resultDir := "" // where the results went: --out's, or the fallback if writing there failed
	failed := 0
	for _, pr := range plan {
		if soft.Err() != nil {
			fmt.Fprintf(stderr, "%s: skipped (interrupted)\n", pr)
			continue
		}
		r, path, err := runTarget(hard, soft, pr, f, kafkaSec, overrides, stderr)
		if r != nil {
			results = append(results, r)
		}
		if path != "" {
			fmt.Fprintf(stderr, "%s: result written to %s\n", pr, path)
			resultDir = filepath.Dir(path)
		}
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", pr, err)
			failed++
		}
	}
	if len(results) > 0 {
		fmt.Fprintln(stdout)
		if err := report.Summary(stdout, results); err != nil {
			return err
		}
		html := report.Path(f.out, s.Name, "report", results[0].StartedAt)
		html = strings.TrimSuffix(html, ".json") + ".html"
		if resultDir != "" {
			html = filepath.Join(resultDir, filepath.Base(html)) // beside the results
		}
		if err := report.WriteHTML(html, results); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "report with charts: %s\n", html)
	}
	switch {
	case soft.Err() != nil:
		return errInterrupted
	case failed > 0:
		// each failure was printed with its target above
		return fmt.Errorf("%d of %d runs failed", failed, len(plan))
	}
	return nil
}

// plannedRun is one run of the command: a target, a point of the scenario's matrix
// (the scenario itself when it has none), and which repetition.
type plannedRun struct {
	target  string
	point   *bench.Point
	rep, of int
}

// String names the run in messages: "target kafka", "target kafka [kafka.linger=5ms]
// (run 2 of 3)".
func (p plannedRun) String() string {
	s := "target " + p.target
	if len(p.point.Sweep) > 0 {
		s += " [" + p.point.Sweep.String() + "]"
	}
	if p.of > 1 {
		s += fmt.Sprintf(" (run %d of %d)", p.rep, p.of)
	}
	return s
}

func applyOverrides(s *bench.Scenario, f runFlags) error {
	if f.duration != "" {
		d, err := bench.ParseFieldDuration(f.duration)
		if err != nil {
			return usagef("--duration: %v", err)
		}
		s.Duration = bench.Duration(d)
	}
	if f.warmup != "" {
		d, err := bench.ParseFieldDuration(f.warmup)
		if err != nil {
			return usagef("--warmup: %v", err)
		}
		s.Warmup = bench.Duration(d)
	}
	if f.rate != "" {
		r, err := bench.ParseRate(f.rate)
		if err != nil {
			return usagef("--rate: %v", err)
		}
		s.Workload.Rate = r
	}
	return nil
}

// runTarget runs the scenario against one target and writes its result. It returns the
// result whenever the load ran, with the error that stopped it, if any.
func runTarget(hard, soft context.Context, pr plannedRun, f runFlags, kafkaSec *kafka.Security, overrides map[string]string, stderr io.Writer) (*report.Result, string, error) {
	name, s := pr.target, &pr.point.Scenario
	ko := kinesisOptions(f.engine, s)
	ep, err := targets.Resolve(soft, name, targets.Options{
		Env: f.env, KafkaBrokers: f.kafkaBrokers, RedpandaBrokers: f.redpanda, KafkaSecurity: kafkaSec,
		KinesisEndpoint: f.kinesisURL, KinesisRegion: f.region, AWSProfile: f.awsProfile, Log: stderr,
		Kinesis: ko,
		Images:  f.images,
		Proxy:   s.NetworkFaults(),
	})
	if err != nil {
		return nil, "", err
	}
	defer func() {
		// Stop what was started even after a second interrupt, which ends hard: then a
		// local broker is killed at once instead of being given its clean shutdown.
		ctx, cancel := context.WithTimeout(hard, 30*time.Second)
		defer cancel()
		if err := ep.Stop(ctx); err != nil {
			fmt.Fprintf(stderr, "%s: stopping the broker: %v\n", pr, err)
		}
	}()
	fmt.Fprintf(stderr, "%s: %s at %s, %s (%s)\n", pr, ep.Driver, ep.Address, ep.Security, ep.Why)

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

	view := newProgressView(stderr, name)
	m, runErr := bench.Run(hard, s, d, bench.Options{
		Interrupt: soft.Done(),
		Broker:    ep.Control,
		Network:   ep.Network,
		Keep:      f.keep,
		Progress:  view.update,
		Logf:      view.logf,
	})
	view.done()
	if m == nil {
		return nil, "", runErr
	}
	r := &report.Result{
		Scenario:  *s,
		Overrides: overrides,
		Target: report.Target{
			Name: name, Driver: ep.Driver, Broker: info, Address: ep.Address, Topic: topic,
			Emulator: ep.Emulator, Env: ep.Env, Security: ep.Security,
			WriteQuotas: ep.WriteQuotas, ReadQuotas: ep.Emulator && !ko.NoQuotas,
		},
		Sweep: pr.point.Sweep.Map(),
		Host:  report.CurrentHost(),
		Notes: append([]string{"broker: " + ep.Why}, ep.Notes...),
	}
	if runErr != nil {
		r.Notes = append(r.Notes, "the run ended with an error: "+runErr.Error())
	}
	if err := r.FromMeasurements(m); err != nil {
		return nil, "", errors.Join(runErr, err)
	}
	file := name
	if len(pr.point.Sweep) > 0 {
		file += "-" + pr.point.Sweep.Label()
	}
	path, err := writeResult(f.out, s.Name, file, started, r)
	return r, path, errors.Join(runErr, err)
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

// kinesisOptions are the local Kinesis engine's options for scenario s: the engine of
// --kinesis-engine, else the scenario's, else the default; AWS's quotas as the scenario
// says.
func kinesisOptions(flagEngine string, s *bench.Scenario) brokers.KinesisOptions {
	o := brokers.KinesisOptions{Engine: flagEngine}
	if set, ok := s.Drivers["kinesis"].(*kinesis.Settings); ok {
		if o.Engine == "" && set.Engine != kinesis.EngineAuto {
			o.Engine = set.Engine
		}
		o.NoQuotas = !set.AWSQuotas
	}
	return o
}

// startCPUProfile profiles bench into path until the returned function is called.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
