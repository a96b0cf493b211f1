package brokertest

import (
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

func TestKafkaFromEnv(t *testing.T) {
	t.Setenv(EnvKafkaBrokers, "10.0.0.1:9092,10.0.0.2:9092")
	if got := Kafka(t); got != "10.0.0.1:9092,10.0.0.2:9092" {
		t.Errorf("Kafka = %q, want the environment's list", got)
	}
}

func TestKafka(t *testing.T) {
	if testing.Short() && os.Getenv(EnvKafkaBrokers) == "" {
		t.Skip("may start a real Kafka broker; skipped with -short")
	}
	addr := Kafka(t)
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	// Unique: the broker may be a long-lived one shared with earlier runs.
	topic := fmt.Sprintf("streambench-brokertest-%d", time.Now().UnixNano())
	if _, err := adm.CreateTopic(t.Context(), 1, 1, nil, topic); err != nil {
		t.Fatalf("create topic at %s: %v", addr, err)
	}
	defer adm.DeleteTopic(t.Context(), topic)
	topics, err := adm.ListTopics(t.Context())
	if err != nil || !slices.Contains(topics.Names(), topic) {
		t.Fatalf("list topics at %s = %v, %v", addr, topics.Names(), err)
	}
}
