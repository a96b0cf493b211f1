// Package targets turns a target name from a scenario into a driver and a broker to
// talk to: one given by the user, or one that bench starts for the run.
package targets

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"streambench/brokers"
	"streambench/drivers"
	"streambench/drivers/kafka"
	"streambench/drivers/kinesis"
	"streambench/drivers/loopback"
)

// EnvKafkaBrokers names an existing Kafka cluster to use instead of a local broker.
const EnvKafkaBrokers = brokers.EnvKafkaBrokers

// Registry returns every driver this program has.
func Registry() *drivers.Registry {
	return drivers.NewRegistry(kafka.Registration, kinesis.Registration, loopback.Registration)
}

// Names lists the targets a scenario may name.
func Names() []string { return []string{"kafka", "kinesis", "loopback"} }

// Options say where brokers are, when the user points at them.
type Options struct {
	// KafkaBrokers is an existing cluster's bootstrap list; empty means
	// $BENCH_KAFKA_BROKERS, and failing that a local broker.
	KafkaBrokers string
	// Kafka configures the local broker, when one is started.
	Kafka brokers.KafkaOptions
	// KinesisEndpoint is an endpoint URL, or "aws" for AWS's own endpoint of
	// KinesisRegion; empty means $BENCH_KINESIS_ENDPOINT, and failing that AWS when
	// KinesisRegion is set, else a local kinesis-mock.
	KinesisEndpoint string
	KinesisRegion   string
	// Kinesis configures the local kinesis-mock, when one is started.
	Kinesis brokers.KinesisOptions
	// Log receives what is being done to get a broker, one line at a time.
	Log io.Writer
}

// Endpoint is a target ready to be opened.
type Endpoint struct {
	Name    string
	Driver  string
	Address string
	// Env is local (started by bench), external (given by the user) or in-process.
	Env string
	// Why says how the broker was chosen, for the output and the result.
	Why string
	// Broker is set when bench knows what it started; otherwise ask the driver.
	Broker   drivers.BrokerInfo
	Emulator bool
	// Notes are what a reader of the numbers must know about this broker.
	Notes []string
	// Stop releases what Resolve started; it is never nil.
	Stop func(context.Context) error
}

func nothingToStop(context.Context) error { return nil }

// Resolve finds or starts the broker for the target called name.
func Resolve(ctx context.Context, name string, o Options) (*Endpoint, error) {
	logf := func(format string, args ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, format+"\n", args...)
		}
	}
	switch name {
	case "loopback":
		return &Endpoint{
			Name: name, Driver: "loopback", Address: "in-process", Env: "in-process",
			Why:    "the loopback target has no broker: it measures the harness alone",
			Broker: drivers.BrokerInfo{Product: "loopback", Version: "1"},
			Stop:   nothingToStop,
		}, nil
	case "kafka":
		return resolveKafka(ctx, name, o, logf)
	case "kinesis":
		return resolveKinesis(ctx, name, o, logf)
	}
	return nil, fmt.Errorf("unknown target %q (known: %s)", name, strings.Join(Names(), ", "))
}

func resolveKafka(ctx context.Context, name string, o Options, logf func(string, ...any)) (*Endpoint, error) {
	ep := &Endpoint{Name: name, Driver: "kafka", Stop: nothingToStop}
	addr, from := o.KafkaBrokers, "--kafka-brokers"
	if addr == "" {
		addr, from = os.Getenv(EnvKafkaBrokers), "$"+EnvKafkaBrokers
	}
	if addr != "" {
		ep.Address, ep.Env = addr, "external"
		ep.Why = "the cluster named by " + from
		return ep, nil
	}
	if st, running, err := brokers.KafkaStatus(ctx, o.Kafka); err == nil && running {
		ep.Address, ep.Env = st.Address, "local"
		ep.Broker = drivers.BrokerInfo{Product: st.Product, Version: st.Version}
		ep.Why = fmt.Sprintf("the local broker started by 'bench brokers up' (pid %d)", st.PID)
		return ep, nil
	}
	logf("starting a local %s %s broker for this run (the first start fetches its jars with Maven)", brokers.KafkaProduct, brokers.KafkaVersion)
	ko := o.Kafka
	if ko.Log == nil {
		ko.Log = o.Log
	}
	k, err := brokers.StartKafka(ctx, ko)
	if err != nil {
		return nil, fmt.Errorf("target %s: %w (or point at a cluster with --kafka-brokers or $%s)", name, err, EnvKafkaBrokers)
	}
	ep.Address, ep.Env = k.Address(), "local"
	ep.Broker = drivers.BrokerInfo{Product: k.Product(), Version: k.Version()}
	ep.Why = fmt.Sprintf("no cluster was named, so bench started one (pid %d, log %s)", k.PID(), k.LogPath())
	ep.Stop = k.Stop
	return ep, nil
}

// emulatorNote is what every result from kinesis-mock says.
const emulatorNote = "kinesis-mock is an emulator: it enforces none of AWS's shard limits " +
	"(1 MB/s and 1,000 records/s written, 2 MB/s and 5 reads/s per shard), delivers enhanced fan-out " +
	"events once a second, and runs on this machine; its latency and throughput describe the emulator, not Amazon Kinesis"

func resolveKinesis(ctx context.Context, name string, o Options, logf func(string, ...any)) (*Endpoint, error) {
	ep := &Endpoint{Name: name, Driver: "kinesis", Stop: nothingToStop}
	endpoint, from := o.KinesisEndpoint, "--kinesis-endpoint"
	if endpoint == "" {
		endpoint, from = os.Getenv(brokers.EnvKinesisEndpoint), "$"+brokers.EnvKinesisEndpoint
	}
	if endpoint == "" && o.KinesisRegion != "" {
		endpoint, from = "aws", "--kinesis-region"
	}
	switch {
	case endpoint == "aws":
		region := cmp.Or(o.KinesisRegion, os.Getenv("AWS_REGION"), os.Getenv("AWS_DEFAULT_REGION"))
		if region == "" {
			return nil, fmt.Errorf("target %s: Amazon Kinesis needs a region: give --kinesis-region or set $AWS_REGION", name)
		}
		ep.Address, ep.Env = "https://kinesis."+region+".amazonaws.com", "external"
		ep.Why = fmt.Sprintf("Amazon Kinesis in %s, as %s asks, with the standard AWS credential chain", region, from)
		return ep, nil
	case endpoint != "":
		ep.Address, ep.Env = endpoint, "external"
		ep.Why = "the endpoint named by " + from
		if !kinesis.IsAWS(endpoint) {
			ep.Emulator = true
			ep.Why += "; it is not an AWS endpoint, so its numbers are labelled as an emulator's"
			ep.Notes = []string{"the endpoint is not Amazon Kinesis (LocalStack and other emulators run kinesis-mock): " +
				"its latency and throughput describe the emulator, not Amazon Kinesis"}
		}
		return ep, nil
	}
	ep.Emulator, ep.Env = true, "local"
	ep.Broker = drivers.BrokerInfo{Product: brokers.KinesisProduct, Version: brokers.KinesisVersion}
	ep.Notes = []string{emulatorNote}
	if st, running, err := brokers.KinesisStatus(ctx, o.Kinesis); err == nil && running {
		ep.Address = st.Endpoint
		ep.Why = fmt.Sprintf("the local kinesis-mock started by 'bench brokers up' (pid %d)", st.PID)
		return ep, nil
	}
	logf("starting a local %s %s for this run (the first start installs it with npm)", brokers.KinesisProduct, brokers.KinesisVersion)
	ko := o.Kinesis
	if ko.Log == nil {
		ko.Log = o.Log
	}
	k, err := brokers.StartKinesis(ctx, ko)
	if err != nil {
		return nil, fmt.Errorf("target %s: %w (or point at an endpoint with --kinesis-endpoint or $%s)", name, err, brokers.EnvKinesisEndpoint)
	}
	ep.Address = k.Endpoint()
	ep.Why = fmt.Sprintf("no endpoint was named, so bench started kinesis-mock (pid %d, log %s)", k.PID(), k.LogPath())
	ep.Stop = k.Stop
	return ep, nil
}
