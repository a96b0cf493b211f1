package kafka

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"
)

// TestMSKIAMSignsWithTheChainsCredentials checks the wiring from an AWS credentials
// provider to the AWS_MSK_IAM mechanism: the first message is signed for the cluster's
// region with the provider's key and session token, and does not carry the secret key.
func TestMSKIAMSignsWithTheChainsCredentials(t *testing.T) {
	s := &Security{Mechanism: MechMSKIAM, AWSCredentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "the-secret-key", "the-session-token")}
	if err := s.Resolve(); err != nil {
		t.Fatal(err)
	}
	m := s.mechanism()
	if m.Name() != "AWS_MSK_IAM" {
		t.Fatalf("mechanism %s", m.Name())
	}
	_, first, err := m.Authenticate(context.Background(), "b-1.bench.abc123.c2.kafka.eu-west-1.amazonaws.com:9098")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(first), "the-secret-key") {
		t.Error("the first message carries the secret key")
	}
	var msg map[string]string
	if err := json.Unmarshal(first, &msg); err != nil {
		t.Fatalf("first message %q: %v", first, err)
	}
	if c := msg["x-amz-credential"]; !strings.HasPrefix(c, "AKIDEXAMPLE/") || !strings.HasSuffix(c, "/eu-west-1/kafka-cluster/aws4_request") {
		t.Errorf("x-amz-credential = %q", c)
	}
	if msg["x-amz-security-token"] != "the-session-token" || msg["action"] != "kafka-cluster:Connect" || msg["x-amz-signature"] == "" {
		t.Errorf("first message %v", msg)
	}
}
