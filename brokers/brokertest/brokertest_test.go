package brokertest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
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

func TestKinesisFromEnv(t *testing.T) {
	t.Setenv(EnvKinesisEndpoint, "http://10.0.0.1:4568")
	if got := Kinesis(t); got != "http://10.0.0.1:4568" {
		t.Errorf("Kinesis = %q, want the environment's endpoint", got)
	}
}

func TestKinesis(t *testing.T) {
	if testing.Short() && os.Getenv(EnvKinesisEndpoint) == "" {
		t.Skip("may start a real kinesis-mock; skipped with -short")
	}
	endpoint := Kinesis(t)
	if _, err := url.Parse(endpoint); err != nil || !strings.HasPrefix(endpoint, "http") {
		t.Fatalf("endpoint %q is not a URL: %v", endpoint, err)
	}
	// Unsigned on purpose: any Kinesis API, emulated or not, answers that with a Kinesis
	// error in JSON, which is all this test needs to know it reached one.
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, endpoint, strings.NewReader("{}"))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "Kinesis_20131202.ListStreams")
	// No idle connection left behind: kinesis-mock would wait for it to close on Stop.
	client := http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("POST ListStreams to %s: %v", endpoint, err)
	}
	defer resp.Body.Close()
	var answer struct {
		Type string `json:"__type"`
	}
	body, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(body, &answer); err != nil || answer.Type == "" {
		t.Errorf("unsigned ListStreams at %s answered %s %q; want a Kinesis error type", endpoint, resp.Status, body)
	}
}
