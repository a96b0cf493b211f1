// Package brokertest gives integration tests a broker to talk to.
package brokertest

import (
	"context"
	"os"
	"testing"

	"streambench/brokers"
)

// EnvKafkaBrokers names an existing Kafka to test against; when set, Kafka returns it
// unchanged.
const EnvKafkaBrokers = brokers.EnvKafkaBrokers

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
	st, running, err := brokers.KafkaStatus(context.Background(), brokers.KafkaOptions{})
	if running {
		return st.Address
	}
	if os.Getenv("CI") != "" {
		if err != nil {
			t.Fatalf("no usable Kafka in CI: %v; the test script must start the broker "+
				"(bench brokers up) or set %s", err, EnvKafkaBrokers)
		}
		t.Fatalf("no Kafka in CI: %s is unset and no `bench brokers up` broker is running; "+
			"the test script must start the broker first", EnvKafkaBrokers)
	}
	if err != nil {
		t.Logf("ignoring the detached broker: %v", err)
	}

	k, err := brokers.StartKafka(context.Background(), brokers.KafkaOptions{
		FreePorts: true,
		// Half the default: tests move little data, and may share a small machine with
		// other test binaries doing the same.
		HeapMB: 512,
		Log:    t.Output(),
	})
	if err != nil {
		t.Fatalf("start Kafka for %s: %v", t.Name(), err)
	}
	t.Cleanup(func() {
		if err := k.Stop(context.Background()); err != nil {
			t.Errorf("stop Kafka started for %s: %v", t.Name(), err)
		}
	})
	t.Logf("started %s %s at %s for %s (pid %d, log %s); set %s or run `bench brokers up` to reuse one broker",
		k.Product(), k.Version(), k.Address(), t.Name(), k.PID(), k.LogPath(), EnvKafkaBrokers)
	return k.Address()
}
