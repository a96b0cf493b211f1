package main

import (
	"cmp"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"streambench/brokers/brokertest"
)

// TestMessageSizeLimits runs messages just under and just over each target's limit
// against the real Kafka (its default max.message.bytes) and kinesis-mock: under, the
// run goes as usual; over, it is refused before the load with the limit and what to do;
// over with workload.oversize: measure, every message is sent and counted a send error.
func TestMessageSizeLimits(t *testing.T) {
	kafkaAddr, kinesisURL := brokertest.Kafka(t), brokertest.Kinesis(t)
	for _, tc := range []struct {
		name, target string
		size         int
		// oversize is workload.oversize; settings, more of the scenario.
		oversize, settings string
		rate               int // messages per second, 4 if 0
		// refused lists what the refusal must say; measured asks for a run of send
		// errors; neither, a clean run.
		refused  []string
		measured bool
	}{
		// Kafka, default kafka settings: the producer's batch_max_bytes (16384) binds.
		{name: "kafka-producer-under", target: "kafka", size: 16308},
		{name: "kafka-producer-over", target: "kafka", size: 16309, refused: []string{
			"workload.message_size 16309 is over what the target accepts",
			"at most 16308 bytes: the producer's batch limit, kafka.batch_max_bytes 16384",
			"raise kafka.batch_max_bytes",
			"set workload.oversize: measure",
		}},
		{name: "kafka-producer-measured", target: "kafka", size: 16312, oversize: "measure", measured: true},
		// Kafka with a larger batch limit: the topic's max.message.bytes binds.
		{name: "kafka-broker-under", target: "kafka", size: 1048516, settings: "kafka: {batch_max_bytes: 2097152}"},
		{name: "kafka-broker-over", target: "kafka", size: 1048517, settings: "kafka: {batch_max_bytes: 2097152}", refused: []string{
			"at most 1048516 bytes: the topic's max.message.bytes 1048588 (DEFAULT_CONFIG, read from the broker at " + kafkaAddr + ")",
			"raise message.max.bytes on the broker",
		}},
		{name: "kafka-broker-measured", target: "kafka", size: 1048517, oversize: "measure", settings: "kafka: {batch_max_bytes: 2097152}", measured: true},
		// Kinesis: 1 MiB of data and partition key (a random 13-character key here).
		// kinesis-mock takes seconds over a record of 1 MiB: one message, more drain.
		{name: "kinesis-under", target: "kinesis", size: 1048563, rate: 1},
		{name: "kinesis-over", target: "kinesis", size: 1048564, refused: []string{
			"at most 1048563 bytes: Kinesis's limit of 1048576 bytes (1 MiB) for one record of a new stream, data and partition key together, less 13 bytes of partition key",
		}},
		// Over for any key: a random key is 13 characters at most, but often fewer.
		{name: "kinesis-measured", target: "kinesis", size: 1048576, oversize: "measure", measured: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			rate := cmp.Or(tc.rate, 4)
			oversize := "refuse"
			if tc.oversize != "" {
				oversize = tc.oversize
			}
			sc := writeScenario(t, fmt.Sprintf(`
name: size-%s
targets: [%s]
duration: 1s
warmup: 0s
drain: 30s
workload:
  rate: %d
  message_size: %d
  oversize: %s
%s
`, tc.name, tc.target, rate, tc.size, oversize, tc.settings))
			code, stdout, stderr := runBench("run", sc, "--out", out, "--kafka-brokers", kafkaAddr, "--kinesis-endpoint", kinesisURL)
			files, _ := filepath.Glob(filepath.Join(out, "*", "*.json"))
			if tc.refused != nil {
				if code != exitFailed || len(files) != 0 {
					t.Errorf("exit %d, results %v: want %d and no result", code, files, exitFailed)
				}
				for _, want := range tc.refused {
					if !strings.Contains(stderr, want) {
						t.Errorf("stderr lacks %q:\n%s", want, stderr)
					}
				}
				if strings.Contains(stderr, "load started") {
					t.Errorf("the load started:\n%s", stderr)
				}
				if tc.target == "kafka" {
					assertNoTopic(t, kafkaAddr, "bench-size-"+tc.name+"-")
				}
				return
			}
			if code != exitOK {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			r, _ := onlyResult(t, out)
			c := r.Counts
			if tc.measured {
				if c.Sent == 0 || c.SendErrors != c.Sent || c.Received != 0 || len(r.Errors) == 0 {
					t.Errorf("counts %+v, errors %+v: want every message sent and counted a send error, none received", c, r.Errors)
				}
				if !strings.Contains(stderr, "sending anyway") {
					t.Errorf("the run does not say it sends oversize messages on purpose:\n%s", stderr)
				}
				t.Logf("first send error: %s", r.Errors[0].First)
				return
			}
			if c.Sent == 0 || c.Received != c.Sent || c.SendErrors != 0 {
				t.Errorf("counts %+v: want every message sent and received", c)
			}
		})
	}
}

// assertNoTopic fails if a topic whose name starts with prefix is left on the broker.
func assertNoTopic(t *testing.T, addr, prefix string) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	topics, err := kadm.NewClient(cl).ListTopics(context.Background())
	if err != nil {
		t.Fatalf("listing topics at %s: %v", addr, err)
	}
	for _, name := range topics.Names() {
		if strings.HasPrefix(name, prefix) {
			t.Errorf("topic %s was left behind", name)
		}
	}
}
