package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"streambench/brokers"
	"streambench/brokers/brokertest"
)

// TestRunRefusesSecurityFlagsForLocalBroker is the audit's reproduction (issue 17):
// --kafka-brokers naming the plaintext port of the local broker of 'bench brokers up',
// with SASL flags. bench ran in plaintext and exited 0; now it refuses, saying why,
// writes no result, and never shows the password.
func TestRunRefusesSecurityFlagsForLocalBroker(t *testing.T) {
	st := brokertest.LocalKafka(t)
	if up, running, _ := brokers.KafkaStatus(context.Background(), brokers.KafkaOptions{}); !running || up.Address != st.Address {
		// The reproduction needs the broker of 'bench brokers up': scripts/test starts one.
		if os.Getenv("CI") != "" {
			t.Fatal("no local broker of 'bench brokers up' is running: the CI script must start one")
		}
		t.Skip("no local broker of 'bench brokers up' is running (start one to reproduce the audit's case)")
	}
	const password = "audit-password-17"
	t.Setenv("BENCH_KAFKA_PASSWORD", password)
	out := t.TempDir()
	sc := writeScenario(t, "name: sec\ntargets: [kafka]\nduration: 1s\nwarmup: 0s\ndrain: 1s\nworkload: {rate: 10}\n")
	code, stdout, stderr := runBench("run", sc, "--out", out, "--kafka-brokers", st.Address,
		"--kafka-security", "sasl_plaintext", "--kafka-sasl", "scram-sha-512", "--kafka-user", "bench")
	want := "target kafka: the Kafka security flags (SASL SCRAM-SHA-512 as bench) are for a cluster of your own, and this kafka broker comes from environment local"
	if code != exitFailed || !strings.Contains(stderr, want) || strings.Contains(stdout+stderr, password) {
		t.Errorf("exit %d, want %d, with %q (and never the password):\nstdout:\n%s\nstderr:\n%s", code, exitFailed, want, stdout, stderr)
	}
	if files, _ := filepath.Glob(filepath.Join(out, "*", "*.json")); len(files) > 0 {
		t.Errorf("a result was written for a run that must not happen: %v", files)
	}
}
