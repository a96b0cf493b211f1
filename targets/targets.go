// Package targets turns a target name from a scenario into a driver and a broker to
// talk to, in one of five environments: a local process bench starts (local), a
// container bench starts (docker), a service of docker-compose.yml (compose), a cluster
// or account the user names (external), or the first of these that applies (auto).
package targets

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"streambench/bench"
	"streambench/brokers"
	"streambench/brokers/containers"
	"streambench/drivers"
	"streambench/drivers/kafka"
	"streambench/drivers/kinesis"
	"streambench/drivers/loopback"
)

// Environment variables that name clusters to use instead of starting brokers.
const (
	EnvKafkaBrokers    = brokers.EnvKafkaBrokers
	EnvRedpandaBrokers = "BENCH_REDPANDA_BROKERS"
	EnvKinesisEndpoint = brokers.EnvKinesisEndpoint
)

// Registry returns every driver this program has.
func Registry() *drivers.Registry {
	return drivers.NewRegistry(kafka.Registration, kinesis.Registration, loopback.Registration)
}

// target is one name a scenario may give in its targets list, and what bench knows of
// getting its broker in each environment: adding a target is adding an entry to
// catalogue.
type target struct {
	name, driver string
	// product names the broker where its driver cannot (Redpanda speaks Kafka's
	// protocol), in the result and in messages; empty means the driver names it.
	product string
	// cluster is how the user names a cluster of their own (environment external); nil
	// where there is none.
	cluster *cluster
	// local is how bench runs the broker on this machine (environment local); listener
	// picks one of the local Kafka broker's listeners.
	local    localBroker
	listener string
	// container is the kind of container of the docker environment; empty, and service
	// nil, where the target has none.
	container string
	service   *service
	// emulator names what its container and compose service run when that is an
	// emulator, whose numbers are labelled as such; empty for the real broker.
	emulator string
}

// localBroker is how bench gets a target's broker on this machine.
type localBroker int

const (
	// noLocalBroker: none here; the target is found in the other environments only.
	noLocalBroker localBroker = iota
	// kafkaBroker: the local Kafka broker of 'bench brokers up', or one started for the
	// run.
	kafkaBroker
	// kinesisEngine: a local Kinesis engine (ferrokinesis or kinesis-mock).
	kinesisEngine
	// inProcess: no broker at all, in any environment: the driver is its own broker.
	inProcess
)

// cluster is how the user names a cluster of their own for a target: a flag, failing it
// an environment variable.
type cluster struct {
	flag, env string
	// value is what the flag takes, for messages.
	value string
	// given returns the flag's value from Options.
	given func(Options) string
	// region is true when --kinesis-region alone names Amazon Kinesis.
	region bool
}

// service is a target's service in docker-compose.yml.
type service struct {
	name, address string
	// product is what the result names the broker; its version comes from the image.
	product string
}

// The local Kafka broker's listeners.
const (
	listenerPlain = ""
	listenerTLS   = "tls"
	listenerSCRAM = "tls-scram"
)

// catalogue is every target, in the order messages list them.
var catalogue = []target{
	{
		name: "kafka", driver: "kafka",
		cluster: &cluster{flag: "--kafka-brokers", env: EnvKafkaBrokers, value: "HOST:PORT[,…]",
			given: func(o Options) string { return o.KafkaBrokers }},
		local: kafkaBroker, listener: listenerPlain,
		container: containers.Kafka,
		service:   &service{name: containers.Kafka, address: containers.ComposeKafkaAddress, product: brokers.KafkaProduct},
	},
	{name: "kafka-tls", driver: "kafka", local: kafkaBroker, listener: listenerTLS},
	{name: "kafka-tls-scram", driver: "kafka", local: kafkaBroker, listener: listenerSCRAM},
	{
		name: "redpanda", driver: "kafka", product: "Redpanda",
		cluster: &cluster{flag: "--redpanda-brokers", env: EnvRedpandaBrokers, value: "HOST:PORT[,…]",
			given: func(o Options) string { return o.RedpandaBrokers }},
		local:     noLocalBroker,
		container: containers.Redpanda,
		service:   &service{name: containers.Redpanda, address: containers.ComposeRedpandaAddress, product: containers.RedpandaProduct},
	},
	{
		name: "kinesis", driver: "kinesis",
		cluster: &cluster{flag: "--kinesis-endpoint", env: EnvKinesisEndpoint, value: "URL", region: true,
			given: func(o Options) string { return o.KinesisEndpoint }},
		local:     kinesisEngine,
		container: containers.LocalStack,
		service:   &service{name: containers.LocalStack, address: containers.ComposeKinesisEndpoint, product: containers.LocalStackProduct},
		emulator:  "LocalStack",
	},
	{name: "loopback", driver: "loopback", local: inProcess},
}

// Names lists the targets a scenario may name.
func Names() []string {
	names := make([]string, len(catalogue))
	for i, t := range catalogue {
		names[i] = t.name
	}
	return names
}

// label names t's broker in messages.
func (t target) label() string {
	return cmp.Or(t.product, t.name)
}

// A Broker is one that 'bench brokers' manages: a target with a service in
// docker-compose.yml.
type Broker struct {
	// Name is the target's name, Service its service in docker-compose.yml.
	Name, Service string
	// Local is true when bench also runs it as a process on this machine.
	Local bool
}

// Brokers lists the brokers 'bench brokers' manages: those bench also runs locally
// first, then those of docker-compose.yml only, each in the catalogue's order.
func Brokers() []Broker {
	var local, composeOnly []Broker
	for _, t := range catalogue {
		if t.service == nil {
			continue
		}
		b := Broker{Name: t.name, Service: t.service.name, Local: t.local == kafkaBroker || t.local == kinesisEngine}
		if b.Local {
			local = append(local, b)
		} else {
			composeOnly = append(composeOnly, b)
		}
	}
	return append(local, composeOnly...)
}

// RunsKinesisEngine says whether the target called name gets a local Kinesis engine
// when bench runs its broker on this machine.
func RunsKinesisEngine(name string) bool {
	t, err := lookup(name)
	return err == nil && t.local == kinesisEngine
}

func lookup(name string) (target, error) {
	i := slices.IndexFunc(catalogue, func(t target) bool { return t.name == name })
	if i < 0 {
		return target{}, fmt.Errorf("unknown target %q (known: %s)", name, strings.Join(Names(), ", "))
	}
	return catalogue[i], nil
}

// Options say in which environment to find brokers, and where they are when the user
// points at them.
type Options struct {
	// Env is auto (the default when empty), local, docker, compose or external.
	Env string
	// KafkaBrokers is an existing cluster's bootstrap list; empty means
	// $BENCH_KAFKA_BROKERS. RedpandaBrokers likewise, with $BENCH_REDPANDA_BROKERS.
	KafkaBrokers    string
	RedpandaBrokers string
	// KafkaSecurity is how to connect to an external Kafka or Redpanda cluster; nil
	// means plaintext.
	KafkaSecurity *kafka.Security
	// Kafka configures the local broker, when one is started.
	Kafka brokers.KafkaOptions
	// KinesisEndpoint is an endpoint URL, or "aws" for AWS's own endpoint of
	// KinesisRegion; empty means $BENCH_KINESIS_ENDPOINT, and failing that AWS when
	// KinesisRegion is set.
	KinesisEndpoint string
	KinesisRegion   string
	// AWSProfile picks a profile of the shared AWS config files for Amazon Kinesis;
	// empty means $AWS_PROFILE or the default chain.
	AWSProfile string
	// Images are the images of the docker environment's containers; empty fields mean
	// the pinned official ones.
	Images containers.Images
	// Kinesis configures the local kinesis-mock, when one is started.
	Kinesis brokers.KinesisOptions
	// Proxy puts a fault proxy between bench and the broker, for network faults; only a
	// local broker can have one.
	Proxy bool
	// Log receives what is being done to get a broker, one line at a time.
	Log io.Writer
	// Docker checks that a Docker engine answers and returns where; nil means
	// containers.CheckDocker. Tests replace it.
	Docker func(ctx context.Context) (host string, err error)
	// Compose checks that a service of docker-compose.yml answers; nil means
	// containers.ComposeCheck. Tests replace it.
	Compose func(ctx context.Context, service string) error
	// ComposeImage returns the image a service of docker-compose.yml runs; nil means
	// containers.ComposeImage. Tests replace it.
	ComposeImage func(ctx context.Context, file, service string) (string, error)
	// ComposeFile is the compose file whose services --env compose uses, which the
	// broker faults name to docker compose; empty means containers.ComposeFile in the
	// working directory, as for 'bench brokers --env compose'.
	ComposeFile string
}

// composeImage asks Options.ComposeImage, or containers.ComposeImage, for service's image.
func composeImage(ctx context.Context, o Options, service string) (string, error) {
	if o.ComposeImage != nil {
		return o.ComposeImage(ctx, o.composeFile(), service)
	}
	return containers.ComposeImage(ctx, o.composeFile(), service)
}

// composeFile is ComposeFile or its default.
func (o Options) composeFile() string {
	if o.ComposeFile == "" {
		return containers.ComposeFile
	}
	return o.ComposeFile
}

func (o Options) logf(format string, args ...any) {
	if o.Log != nil {
		fmt.Fprintf(o.Log, format+"\n", args...)
	}
}

// Endpoint is a target ready to be opened.
type Endpoint struct {
	Name    string
	Driver  string
	Address string
	// Env is the environment the broker was found in: local, docker, compose,
	// external, or in-process for the loopback target.
	Env string
	// Why says how the environment and the broker were chosen, for the output and the
	// result.
	Why string
	// Broker is set when bench knows what it started; otherwise ask the driver. A
	// Product with no Version asks the driver for the version only.
	Broker   drivers.BrokerInfo
	Emulator bool
	// WriteQuotas is true when the emulator enforces AWS's per-shard write quotas.
	WriteQuotas bool
	// Connection is the driver's drivers.Config.Connection (TLS, SASL, AWS profile);
	// Security describes it without secrets, for the result.
	Connection any
	Security   string
	// Notes are what a reader of the numbers must know about this broker.
	Notes []string
	// Stop releases what Resolve started; it is never nil.
	Stop func(context.Context) error
	// Control restarts, kills and pauses the broker for a timeline's broker faults; nil
	// where bench neither runs the broker nor manages it through docker compose.
	Control bench.BrokerControl
	// Network is the fault proxy all traffic to the broker goes through, when
	// Options.Proxy asked for one.
	Network bench.Network
}

func nothingToStop(context.Context) error { return nil }

// Resolve finds or starts the broker for the target called name. Its errors do not
// repeat the target's name: the caller says which target it was resolving.
func Resolve(ctx context.Context, name string, o Options) (*Endpoint, error) {
	t, err := lookup(name)
	if err != nil {
		return nil, err
	}
	if t.local == inProcess {
		return &Endpoint{
			Name: name, Driver: t.driver, Address: "in-process", Env: "in-process",
			Why:    "the " + name + " target has no broker: it measures the harness alone",
			Broker: drivers.BrokerInfo{Product: t.driver, Version: "1"},
			Stop:   nothingToStop,
		}, nil
	}
	env, why, err := chooseEnv(ctx, t, o)
	if err != nil {
		return nil, err
	}
	// A test of the driver, not the target: the flags are the Kafka driver's connection,
	// whichever Kafka-speaking broker it talks to.
	if o.KafkaSecurity != nil && o.KafkaSecurity.Protocol != kafka.Plaintext && t.driver == "kafka" && env != EnvExternal {
		// Only external() applies them: anywhere else they would be dropped in silence,
		// and a run meant to measure SASL or TLS would measure plaintext.
		return nil, fmt.Errorf("the Kafka security flags (%s) are for a cluster of your own, and this %s broker comes from environment %s (%s), "+
			"where bench makes the connection itself: they would be ignored. For the local broker's TLS and SASL use target "+
			"kafka-tls or kafka-tls-scram; to use them with this address as a cluster of your own, add --env external",
			o.KafkaSecurity, t.name, env, why)
	}
	ep := &Endpoint{Name: name, Driver: t.driver, Env: env, Stop: nothingToStop}
	switch env {
	case EnvExternal:
		err = external(ctx, t, o, ep)
	case EnvLocal:
		err = local(ctx, t, o, ep)
	case EnvDocker:
		err = docker(ctx, t, o, ep)
	case EnvCompose:
		err = compose(ctx, t, o, ep)
	}
	if err == nil && o.Proxy && env != EnvLocal {
		err = errors.New("network faults need --env local: bench puts its fault proxy only in front of a " +
			"broker it runs, whose advertised listener it can point at the proxy")
	}
	if err != nil {
		ep.Stop(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("environment %s: %w", env, err)
	}
	ep.Why = "environment " + env + " (" + why + "): " + ep.Why
	if ep.Security == "" {
		ep.Security = "plaintext"
		// The Kinesis driver speaks HTTP, whose security the endpoint's scheme says.
		if t.driver == "kinesis" {
			ep.Security = "HTTPS"
			if strings.HasPrefix(ep.Address, "http:") {
				ep.Security = "plain HTTP"
			}
		}
	}
	return ep, nil
}

// named returns the cluster the user named for t, and where it was named; empty when
// none was.
func named(t target, o Options) (addr, from string) {
	c := t.cluster
	if c == nil {
		return "", ""
	}
	// A region on the command line names Amazon Kinesis over an endpoint the
	// environment happens to hold.
	v := c.given(o)
	if c.region && v == "" && o.KinesisRegion != "" {
		return "aws", "--kinesis-region"
	}
	if v != "" {
		return v, c.flag
	}
	if v := os.Getenv(c.env); v != "" {
		return v, "$" + c.env
	}
	return "", ""
}

// external uses only what the user named.
func external(ctx context.Context, t target, o Options, ep *Endpoint) error {
	addr, from := named(t, o)
	if t.listener != "" {
		return fmt.Errorf("%s is a listener of the local broker only; for a cluster of your own use target kafka with --kafka-security and its flags", t.name)
	}
	if addr == "" {
		return fmt.Errorf("no %s was named: %s", t.name, howToName(t))
	}
	// The Kinesis driver's connection is an AWS one, not a bootstrap list with TLS and
	// SASL: a test of the driver, which every Kinesis target shares.
	if t.driver == "kinesis" {
		return externalKinesis(ctx, o, ep, addr, from)
	}
	ep.Address = addr
	ep.Why = "the cluster named by " + from
	ep.Broker.Product = t.product
	if o.KafkaSecurity != nil {
		ep.Connection = o.KafkaSecurity
		ep.Security = o.KafkaSecurity.String()
		if o.KafkaSecurity.InsecureSkipVerify {
			ep.Notes = append(ep.Notes, "the broker's TLS certificate was NOT verified (--kafka-insecure-skip-verify)")
		}
	}
	return nil
}

// howToName says how to point bench at a cluster for target t.
func howToName(t target) string {
	c := t.cluster
	if c == nil {
		return "it has no external form"
	}
	how := "give " + c.flag + " " + c.value
	if c.region {
		how += ", --kinesis-region REGION (Amazon Kinesis)"
	}
	return how + " or set $" + c.env
}

// docker starts a container for the run.
func docker(ctx context.Context, t target, o Options, ep *Endpoint) error {
	if t.container == "" {
		return fmt.Errorf("%s has no container: it is a listener of the local broker (use --env local)", t.name)
	}
	image := o.Images.For(t.container)
	o.logf("starting a %s container from %s for this run (the first start pulls the image if the engine lacks it)", t.container, image)
	c, err := containers.Start(ctx, t.container, image, o.Log)
	if err != nil {
		return err
	}
	ep.Address, ep.Stop, ep.Control = c.Address(), c.Stop, containerControl(c)
	ep.Broker = drivers.BrokerInfo{Product: c.Product(), Version: c.Version()}
	ep.Why = "bench started " + c.Image() + " for the run, removed after it"
	if t.emulator != "" {
		markEmulator(ep, t.emulator)
	}
	return nil
}

// compose uses a service of docker-compose.yml, at its fixed address.
func compose(ctx context.Context, t target, o Options, ep *Endpoint) error {
	sv := t.service
	if sv == nil {
		return fmt.Errorf("%s has no service in docker-compose.yml: it is a listener of the local broker (use --env local)", t.name)
	}
	check := o.Compose
	if check == nil {
		check = containers.ComposeCheck
	}
	if err := check(ctx, sv.name); err != nil {
		return err
	}
	ep.Control = containers.ComposeFaults(o.composeFile(), sv.name)
	ep.Address = sv.address
	ep.Broker = drivers.BrokerInfo{Product: sv.product}
	if t.emulator != "" {
		markEmulator(ep, t.emulator)
	}
	// The result names the image that ran, as for --env docker; the service may have been
	// started from another image than the compose file's default.
	image, err := composeImage(ctx, o, sv.name)
	if err != nil {
		image = "image unknown: " + err.Error()
	} else {
		ep.Broker.Version = containers.ImageVersion(image)
	}
	ep.Why = "the " + sv.name + " service of docker-compose.yml (" + image + ")"
	return nil
}

// markEmulator labels a Kinesis endpoint that is not Amazon Kinesis.
func markEmulator(ep *Endpoint, what string) {
	ep.Emulator = true
	ep.Notes = append(ep.Notes, what+" is not Amazon Kinesis (LocalStack runs kinesis-mock): "+
		"its latency and throughput describe the emulator, not the service")
}
