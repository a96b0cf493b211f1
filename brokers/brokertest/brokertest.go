// Package brokertest gives integration tests a broker to talk to.
package brokertest

import (
	"cmp"
	"context"
	"io"
	"os"
	"testing"

	"streambench/brokers"
)

// Environment variables that name existing brokers to test against; when set, Kafka and
// Kinesis return them unchanged.
const (
	EnvKafkaBrokers    = brokers.EnvKafkaBrokers
	EnvKinesisEndpoint = brokers.EnvKinesisEndpoint
)

// Kafka returns the bootstrap address of a Kafka broker for an integration test, trying in
// order:
//
//  1. $BENCH_KAFKA_BROKERS, if set;
//  2. the detached broker of `bench brokers up` (as brokers.KafkaStatus finds it, so
//     $BENCH_CACHE_DIR and $BENCH_STATE_DIR apply), if it is running and answers;
//  3. in CI (when $CI is non-empty) it fails the test: the CI script must start the
//     broker, so that a missing broker is never mistaken for a passing (skipped) test;
//  4. otherwise it starts a broker of its own on free ports, stopped and removed by
//     t.Cleanup when the test ends.
//
// A broker started in step 4 belongs to the one test that asked for it: each call starts a
// JVM (a few seconds each; the first ever also fetches the jars with Maven). Tests that
// need Kafka many times should call Kafka once in a parent test and share the address with
// subtests, or run against `bench brokers up`.
func Kafka(t testing.TB) string {
	t.Helper()
	if addr := os.Getenv(EnvKafkaBrokers); addr != "" {
		return addr
	}
	return LocalKafka(t).Address
}

// LocalKafka is Kafka without step 1: a broker that this project started, whose TLS and
// SASL_SSL listeners, certificate and password the returned state describes.
func LocalKafka(t testing.TB) brokers.KafkaState {
	t.Helper()
	return find(t, source[brokers.KafkaState]{
		what: "Kafka",
		env:  EnvKafkaBrokers,
		detached: func() (brokers.KafkaState, bool, error) {
			return brokers.KafkaStatus(context.Background(), brokers.KafkaOptions{})
		},
		start: func(log io.Writer) (started, brokers.KafkaState, error) {
			k, err := brokers.StartKafka(context.Background(), brokers.KafkaOptions{
				FreePorts: true,
				// Half the default: tests move little data, and may share a small machine
				// with other test binaries doing the same.
				HeapMB: 512,
				Log:    log,
			})
			if err != nil {
				return nil, brokers.KafkaState{}, err
			}
			return k, k.Info(), nil
		},
	})
}

// Kinesis returns the endpoint URL of a Kinesis API for an integration test, such as
// "http://127.0.0.1:4569", trying in the same order as Kafka:
//
//  1. $BENCH_KINESIS_ENDPOINT, if set (the engine behind it is $BENCH_KINESIS_ENGINE's,
//     or the default one: see Engine);
//  2. the detached engine of `bench brokers up` (the default engine, as
//     brokers.KinesisStatus finds it), if it is running and answers;
//  3. in CI (when $CI is non-empty) it fails the test;
//  4. otherwise it starts an engine of its own on free ports, stopped and removed by
//     t.Cleanup when the test ends.
//
// An engine started in step 4 belongs to the one test that asked for it (about a second
// each; the first ever also installs it: ferrokinesis with cargo, kinesis-mock with npm).
// Streams outlive the test on a shared engine: name them uniquely.
func Kinesis(t testing.TB) string {
	t.Helper()
	if addr := os.Getenv(EnvKinesisEndpoint); addr != "" {
		return addr
	}
	return KinesisEngine(t, "")
}

// Engine is the Kinesis engine Kinesis returns: $BENCH_KINESIS_ENGINE, or else the
// default engine (brokers.KinesisEngineChoice). A test that meets an engine's documented
// deviation from AWS asks it, to assert the deviation rather than skip.
func Engine(t testing.TB) string {
	t.Helper()
	e, _, err := brokers.KinesisEngineChoice("", "")
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// KinesisEngine is Kinesis without step 1, for a given engine (empty: the default one):
// for a test that checks what only that engine does faithfully.
func KinesisEngine(t testing.TB, engine string) string {
	t.Helper()
	o := brokers.KinesisOptions{Engine: engine}
	return find(t, source[string]{
		what: "Kinesis engine " + cmp.Or(engine, "(default)"),
		env:  EnvKinesisEndpoint,
		detached: func() (string, bool, error) {
			st, running, err := brokers.KinesisStatus(context.Background(), o)
			return st.Endpoint, running, err
		},
		start: func(log io.Writer) (started, string, error) {
			o := o
			o.FreePorts, o.Log = true, log
			k, err := brokers.StartKinesis(context.Background(), o)
			if err != nil {
				return nil, "", err
			}
			return k, k.Endpoint(), nil
		},
	})
}

// started is a broker a test started: *brokers.Kafka or *brokers.Kinesis.
type started interface {
	Product() string
	Version() string
	PID() int
	LogPath() string
	Stop(context.Context) error
}

// source is one kind of broker as find looks for it; T is what a test gets to know of
// it (its address, or everything the broker's state holds).
type source[T any] struct {
	what     string // "Kafka", for messages
	env      string // the variable that names an existing broker
	detached func() (st T, running bool, err error)
	start    func(log io.Writer) (b started, st T, err error)
}

// find returns a local broker of kind s: steps 2 to 4 of Kafka.
func find[T any](t testing.TB, s source[T]) T {
	t.Helper()
	addr, running, err := s.detached()
	if running {
		return addr
	}
	if os.Getenv("CI") != "" {
		if err != nil {
			t.Fatalf("no usable %s in CI: %v; the test script must start it "+
				"(bench brokers up) or set %s", s.what, err, s.env)
		}
		t.Fatalf("no %s in CI: %s is unset and no `bench brokers up` %s is running; "+
			"the test script must start it first", s.what, s.env, s.what)
	}
	if err != nil {
		t.Logf("ignoring the detached %s: %v", s.what, err)
	}

	b, st, err := s.start(t.Output())
	if err != nil {
		t.Fatalf("start %s for %s: %v", s.what, t.Name(), err)
	}
	t.Cleanup(func() {
		if err := b.Stop(context.Background()); err != nil {
			t.Errorf("stop %s started for %s: %v", s.what, t.Name(), err)
		}
	})
	t.Logf("started %s %s for %s (pid %d, log %s); set %s or run `bench brokers up` to reuse one",
		b.Product(), b.Version(), t.Name(), b.PID(), b.LogPath(), s.env)
	return st
}
