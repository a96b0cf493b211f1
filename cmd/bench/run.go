package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"slices"
	"strings"

	"streambench/bench"
	"streambench/brokers"
	"streambench/brokers/containers"
	"streambench/session"
	"streambench/targets"
)

// runHelp is the help of 'bench run': runHelpHead, the flags, each with its usage
// (runFlagSections), and runHelpTail.
func runHelp() string {
	return runHelpHead + flagHelp(newRunFlagSet(new(runFlags)), runFlagSections) + runHelpTail
}

// runHelpHead is the help of 'bench run' before its flags.
const runHelpHead = `Usage: bench run [flags] SCENARIO.yaml

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

`

// runHelpTail is the help of 'bench run' after its flags.
const runHelpTail = `
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

A scenario's slo block (scenarios/README.md) judges each run: the verdicts, with the
figure measured, are printed after the summary and written into each result. With
--repeat, each run is judged, and so is the median of each target's runs, which the
exit status follows.

Exit status, the first that applies:
  130  interrupted (Ctrl-C); the results of what ran are written
  1    a target could not be run (a harness or broker error)
  98   integrity failed: an SLO on counts.lost or counts.duplicated did not hold
  99   an SLO did not hold, or its figure could not be measured
  0    every run ran and every SLO held
  2    (before anything runs) bad flags or a bad scenario

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
  bench run scenarios/slo-small-msgs.yaml && echo "SLOs held"
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
	images       containers.Images
	region       string
	cpuProfile   string
	repeat       int
	timeScale    float64
}

func runCmd(args []string, stdout, stderr io.Writer) error {
	var f runFlags
	fs := newRunFlagSet(&f)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want exactly one scenario file, got %d arguments", len(pos))
	}
	o, err := f.options(setFlags(fs), stdout, stderr)
	if err != nil {
		return err
	}
	s, err := session.Load(pos[0])
	if err != nil {
		return invalidInput{err}
	}
	if err := applyOverrides(&s, f); err != nil {
		return err
	}
	for flag, field := range map[string]string{"--duration": "duration", "--warmup": "warmup", "--rate": "workload.rate"} {
		if _, given := o.Overrides[flag]; given && s.Matrix.Has(field) {
			return usagef("%s: the scenario's matrix sweeps %s; remove one of the two", flag, field)
		}
	}
	if err := s.Validate(targets.Names()); err != nil {
		return invalidInput{fmt.Errorf("%s, after the command-line overrides:\n%w", pos[0], err)}
	}
	ses, err := newSession(pos[0], s, o)
	if err != nil {
		return err
	}

	if f.cpuProfile != "" {
		stop, err := startCPUProfile(f.cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	in, stop := catchInterrupts()
	defer stop()
	in.announceTo(stderr)
	return ses.Run(in.hard, in.soft.Done())
}

// runFlagSections are the headings of the flags of 'bench run' in its help, and the flags
// under each, in order.
var runFlagSections = []flagSection{
	{`Flags (every flag given is recorded in the result's "overrides"):`, []string{
		"target", "duration", "warmup", "rate", "out", "keep", "env", "kafka-brokers", "redpanda-brokers",
		"kinesis-endpoint", "kinesis-engine", "kinesis-region", "aws-profile",
		"kafka-image", "redpanda-image", "localstack-image", "time-scale", "repeat", "cpuprofile",
	}},
	{"Security of an external Kafka or Redpanda cluster (for the local broker, use the " +
		"kafka-tls and kafka-tls-scram targets instead; a run whose broker is not external, the " +
		"local one included, is refused rather than run without them):", []string{
		"kafka-security", "kafka-sasl", "kafka-user", "kafka-password-file", "kafka-ca",
		"kafka-cert", "kafka-key", "kafka-server-name", "kafka-insecure-skip-verify",
	}},
}

// newRunFlagSet registers the flags of 'bench run', with their usage, into f. The
// back-quoted word of a usage names the flag's value in the help.
func newRunFlagSet(f *runFlags) *flag.FlagSet {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.Var(&f.targets, "target", "run only the scenario's target `NAME`; repeatable")
	fs.StringVar(&f.duration, "duration", "", "the measured duration `D`, e.g. 10s, 2m (scenario: duration)")
	fs.StringVar(&f.warmup, "warmup", "", "the warm-up `D` before measuring, e.g. 5s, 0s (scenario: warmup)")
	fs.StringVar(&f.rate, "rate", "", "`R` messages per second for the whole run, or max (scenario: workload.rate)")
	fs.StringVar(&f.out, "out", "results", "the directory `DIR` result files go to (default results)")
	fs.BoolVar(&f.keep, "keep", false, "keep the topic after the run instead of deleting it")
	fs.StringVar(&f.env, "env", targets.EnvAuto, "the environment `E` of the brokers: auto, local, docker, compose or external (see above)")
	fs.StringVar(&f.kafkaBrokers, "kafka-brokers", "", "an existing Kafka cluster, `LIST` being host:port[,host:port...] (default $"+targets.EnvKafkaBrokers+")")
	fs.StringVar(&f.redpanda, "redpanda-brokers", "", "an existing Redpanda cluster, `LIST` as for --kafka-brokers (default $"+targets.EnvRedpandaBrokers+")")
	fs.StringVar(&f.kinesisURL, "kinesis-endpoint", "", "a Kinesis endpoint `URL` (LocalStack: http://127.0.0.1:4566), or aws for Amazon "+
		"Kinesis itself (default $"+targets.EnvKinesisEndpoint+", else a local engine)")
	fs.StringVar(&f.engine, "kinesis-engine", "", "the local Kinesis `ENGINE`: ferrokinesis (built once with cargo; enforces AWS's write "+
		"quotas) or kinesis-mock (npm; enforces none). Default: the scenario's kinesis.engine, else $"+brokers.EnvKinesisEngine+
		", else ferrokinesis where cargo can build it, else kinesis-mock")
	fs.StringVar(&f.region, "kinesis-region", "", "the AWS `REGION` for --kinesis-endpoint aws (default $AWS_REGION); alone, it means "+
		"Amazon Kinesis in that region. AWS credentials come from the standard chain (environment, shared files, SSO, web "+
		"identity, instance role, assumed roles); never written anywhere")
	fs.StringVar(&f.awsProfile, "aws-profile", "", "the `PROFILE` of ~/.aws/config to use (default $AWS_PROFILE), for Kinesis and for "+
		"--kafka-sasl aws-msk-iam")
	// The variables are defaults, so that the one setting serves bench and docker compose.
	env := containers.ImagesFromEnv()
	image := func(product, variable, pinned string) string {
		return "the `IMAGE` --env docker runs for " + product + " (default $" + variable + ", else " + pinned + "); docker " +
			"compose reads the same variable when it starts the services"
	}
	fs.StringVar(&f.images.Kafka, "kafka-image", env.Kafka, image("kafka", containers.EnvKafkaImage, containers.KafkaImage)+
		". scripts/images builds images of Kafka and LocalStack where none can be pulled")
	fs.StringVar(&f.images.Redpanda, "redpanda-image", env.Redpanda, image("redpanda", containers.EnvRedpandaImage, containers.RedpandaImage))
	fs.StringVar(&f.images.LocalStack, "localstack-image", env.LocalStack, image("kinesis", containers.EnvLocalStackImage, containers.LocalStackImage))
	fs.Float64Var(&f.timeScale, "time-scale", 1, "multiply the scenario's duration, warm-up and action times by `X` (0.1 runs it at a "+
		"tenth of its length; the drain is kept)")
	fs.IntVar(&f.repeat, "repeat", 1, "run each target `N` times, alternating them (A B A B …); the summary then shows each "+
		"figure's median [min–max] and marks differences smaller than that spread; the scenario's SLOs are judged on each "+
		"run and on the median, and the exit status follows the median's verdict. Start the brokers once with 'bench "+
		"brokers up' first, or each run starts its own")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a Go CPU profile of bench itself to `FILE` (for 'go tool pprof')")

	fs.StringVar(&f.kafkaSec.Protocol, "kafka-security", "", "the security protocol `P`: plaintext, ssl, sasl_plaintext or sasl_ssl "+
		"(default: sasl_ssl with --kafka-sasl, ssl with any TLS flag, else plaintext)")
	fs.StringVar(&f.kafkaSec.Mechanism, "kafka-sasl", "", "the SASL mechanism `M`: plain, scram-sha-256, scram-sha-512 or aws-msk-iam")
	fs.StringVar(&f.kafkaSec.User, "kafka-user", "", "the SASL `USER` (default $"+targets.EnvKafkaUser+")")
	fs.StringVar(&f.kafkaSec.PasswordFile, "kafka-password-file", "", "the `FILE` holding the SASL password (default: the password is "+
		"read from $"+targets.EnvKafkaPassword+"; there is no password flag)")
	fs.StringVar(&f.kafkaSec.CAFile, "kafka-ca", "", "the PEM certificates to trust, in `FILE` (default: the system's)")
	fs.StringVar(&f.kafkaSec.CertFile, "kafka-cert", "", "the client certificate (PEM) in `FILE`, for mTLS, with --kafka-key")
	fs.StringVar(&f.kafkaSec.KeyFile, "kafka-key", "", "the client certificate's key (PEM) in `FILE`, with --kafka-cert")
	fs.StringVar(&f.kafkaSec.ServerName, "kafka-server-name", "", "the `NAME` to verify in the broker's certificate")
	fs.BoolVar(&f.kafkaSec.InsecureSkipVerify, "kafka-insecure-skip-verify", false, "accept any certificate (a test cluster only; "+
		"the result says so)")
	return fs
}

// options checks the flags of a run that are not about the scenario and turns them
// into a session's options; set are the flags given, recorded in each result. The
// summary goes to stdout, the rest to stderr.
func (f runFlags) options(set map[string]string, stdout, stderr io.Writer) (session.Options, error) {
	if f.repeat < 1 || f.repeat > 100 {
		return session.Options{}, usagef("--repeat must be from 1 to 100, not %d", f.repeat)
	}
	if !(f.timeScale > 0 && f.timeScale <= 10) {
		return session.Options{}, usagef("--time-scale must be above 0 and at most 10, not %v", f.timeScale)
	}
	if f.engine != "" && !slices.Contains(brokers.KinesisEngines, f.engine) {
		return session.Options{}, usagef("--kinesis-engine must be one of %s, not %q", strings.Join(brokers.KinesisEngines, ", "), f.engine)
	}
	if !slices.Contains(targets.Envs, f.env) {
		return session.Options{}, usagef("--env must be one of %s, not %q", strings.Join(targets.Envs, ", "), f.env)
	}
	f.kafkaSec.AWSProfile = f.awsProfile
	kafkaSec, err := f.kafkaSec.Security(context.Background())
	if err != nil {
		return session.Options{}, usagef("%v", err)
	}
	return session.Options{
		Targets: f.targets, Repeat: f.repeat, TimeScale: f.timeScale,
		Brokers: targets.Options{
			Env: f.env, KafkaBrokers: f.kafkaBrokers, RedpandaBrokers: f.redpanda, KafkaSecurity: kafkaSec,
			KinesisEndpoint: f.kinesisURL, KinesisRegion: f.region, AWSProfile: f.awsProfile,
			Images: f.images,
		},
		KinesisEngine: f.engine,
		Out:           f.out, Keep: f.keep, Overrides: set,
		Log: stderr, Summary: stdout, View: func(target string) session.View { return newProgressView(stderr, target) },
	}, nil
}

// newSession plans the runs of scenario s, read from path, as session.New does, and
// words its refusals as the command line's.
func newSession(path string, s bench.Scenario, o session.Options) (*session.Session, error) {
	ses, err := session.New(path, s, o)
	var te *session.TargetError
	var oe *session.OutError
	switch {
	case err == nil:
		return ses, nil
	case errors.As(err, &te):
		return nil, usagef("--target %s: the scenario's targets are %v", te.Target, te.Have)
	case errors.As(err, &oe):
		return nil, invalidInput{fmt.Errorf("--out %s: results cannot be written there, so nothing was run: %w", oe.Out, oe.Err)}
	}
	return nil, invalidInput{err}
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
		if len(s.Workload.Rate.Stages) > 0 {
			// The stages are the measured window too: a constant rate in their place
			// would leave the scenario's duration to a guess.
			return usagef("--rate: the scenario's workload.rate is a list of stages (%s), which a constant rate cannot replace: edit the scenario instead", s.Workload.Rate)
		}
		s.Workload.Rate = r
	}
	return nil
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
