package targets

import (
	"context"
	"slices"
	"strings"
	"testing"

	"streambench/drivers/kafka"
)

func TestResolveNamedCluster(t *testing.T) {
	t.Setenv(EnvKafkaBrokers, "10.1.2.3:9092")
	for _, tc := range []struct {
		flag, wantAddr, wantWhy string
	}{
		{"", "10.1.2.3:9092", "$" + EnvKafkaBrokers},
		{"127.0.0.1:1,127.0.0.1:2", "127.0.0.1:1,127.0.0.1:2", "--kafka-brokers"},
	} {
		ep, err := Resolve(context.Background(), "kafka", Options{KafkaBrokers: tc.flag})
		if err != nil {
			t.Fatal(err)
		}
		if ep.Address != tc.wantAddr || ep.Env != "external" || ep.Driver != "kafka" || !strings.Contains(ep.Why, tc.wantWhy) {
			t.Errorf("flag %q: endpoint %+v", tc.flag, ep)
		}
		if err := ep.Stop(context.Background()); err != nil {
			t.Errorf("Stop of an external cluster: %v", err)
		}
	}
}

func TestResolveLoopbackAndUnknown(t *testing.T) {
	ep, err := Resolve(context.Background(), "loopback", Options{})
	if err != nil || ep.Env != "in-process" || ep.Emulator {
		t.Errorf("loopback: %+v, %v", ep, err)
	}
	if _, err := Resolve(context.Background(), "kafak", Options{}); err == nil || !strings.Contains(err.Error(), "known: kafka, kafka-tls, kafka-tls-scram, redpanda, kinesis, loopback") {
		t.Errorf("unknown target: %v", err)
	}
	for _, tg := range catalogue {
		if _, err := Registry().Lookup(tg.driver); err != nil {
			t.Errorf("target %s has no driver: %v", tg.name, err)
		}
	}
}

func TestResolveKinesisEndpoints(t *testing.T) {
	for _, tc := range []struct {
		name              string
		env, flag, region string
		awsRegion         string
		wantAddr          string
		wantEmulator      bool
		wantErr           string
	}{
		{name: "LocalStack from the environment", env: "http://127.0.0.1:4566",
			wantAddr: "http://127.0.0.1:4566", wantEmulator: true},
		{name: "the flag wins over the environment", env: "http://127.0.0.1:4566", flag: "http://127.0.0.1:9999",
			wantAddr: "http://127.0.0.1:9999", wantEmulator: true},
		{name: "an AWS endpoint URL is not an emulator", flag: "https://kinesis.eu-west-1.amazonaws.com",
			wantAddr: "https://kinesis.eu-west-1.amazonaws.com"},
		{name: "aws with a region flag", flag: "aws", region: "eu-west-3",
			wantAddr: "https://kinesis.eu-west-3.amazonaws.com"},
		{name: "aws with $AWS_REGION", flag: "aws", awsRegion: "us-west-2",
			wantAddr: "https://kinesis.us-west-2.amazonaws.com"},
		{name: "a region alone means AWS", region: "ap-south-1",
			wantAddr: "https://kinesis.ap-south-1.amazonaws.com"},
		{name: "a region flag wins over the environment's endpoint", env: "http://127.0.0.1:4566", region: "ap-south-1",
			wantAddr: "https://kinesis.ap-south-1.amazonaws.com"},
		{name: "aws without a region", flag: "aws", wantErr: "needs a region"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("BENCH_KINESIS_ENDPOINT", tc.env)
			t.Setenv("AWS_REGION", tc.awsRegion)
			t.Setenv("AWS_DEFAULT_REGION", "")
			ep, err := Resolve(context.Background(), "kinesis", Options{KinesisEndpoint: tc.flag, KinesisRegion: tc.region, Env: EnvExternal})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ep.Address != tc.wantAddr || ep.Env != "external" || ep.Driver != "kinesis" || ep.Emulator != tc.wantEmulator {
				t.Errorf("endpoint %+v", ep)
			}
			if tc.wantEmulator && len(ep.Notes) == 0 {
				t.Errorf("an emulator's endpoint has no note for the result")
			}
		})
	}
}

// TestResolveRefusesSecurityItWouldDrop: Kafka security flags are honoured only for a
// cluster of one's own (environment external); for a broker bench reaches itself (the
// local one, a container) the run is refused, saying why, before any broker is started,
// rather than run in plaintext (issue 17: --kafka-sasl with --kafka-brokers naming the
// local broker ran in plaintext and exited 0).
func TestResolveRefusesSecurityItWouldDrop(t *testing.T) {
	sec := &kafka.Security{Protocol: kafka.SASLPlaintext, Mechanism: kafka.MechSCRAM512, User: "bench", Password: "not-logged"}
	for _, tc := range []struct{ target, env string }{
		{"kafka", EnvLocal},
		{"kafka-tls", EnvLocal},
		{"redpanda", EnvDocker},
		{"kafka", EnvCompose},
	} {
		ep, err := Resolve(context.Background(), tc.target, Options{Env: tc.env, KafkaSecurity: sec})
		want := "the Kafka security flags (SASL SCRAM-SHA-512 as bench) are for a cluster of your own, and this " + tc.target +
			" broker comes from environment " + tc.env
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "not-logged") {
			if ep != nil {
				ep.Stop(context.Background())
			}
			t.Errorf("%s in %s with SASL flags: error %v, want one containing %q (and no password)", tc.target, tc.env, err, want)
		}
	}
	// Asking for plaintext drops nothing.
	ep, err := Resolve(context.Background(), "kafka", Options{Env: EnvCompose, KafkaSecurity: &kafka.Security{Protocol: kafka.Plaintext},
		Compose: func(context.Context, string) error { return nil }})
	if err != nil && strings.Contains(err.Error(), "security flags") {
		t.Errorf("--kafka-security plaintext refused: %v", err)
	}
	if ep != nil {
		ep.Stop(context.Background())
	}
}

// TestCatalogue checks what the code reading the catalogue counts on, so that a new entry
// that lacks it fails here rather than in a message at run time.
func TestCatalogue(t *testing.T) {
	for _, tg := range catalogue {
		if tg.local == noLocalBroker && (tg.cluster == nil || tg.container == "") {
			t.Errorf("target %s has no local broker, so it needs a cluster flag and a container to name in its messages", tg.name)
		}
		if tg.listener != listenerPlain && tg.local != kafkaBroker {
			t.Errorf("target %s has a listener of the local Kafka broker but not that broker", tg.name)
		}
	}
	want := []Broker{{"kafka", "kafka", true}, {"kinesis", "localstack", true}, {"redpanda", "redpanda", false}}
	if got := Brokers(); !slices.Equal(got, want) {
		t.Errorf("Brokers() = %v, want %v", got, want)
	}
	for name, want := range map[string]bool{"kinesis": true, "kafka": false, "loopback": false, "kafak": false} {
		if got := RunsKinesisEngine(name); got != want {
			t.Errorf("RunsKinesisEngine(%q) = %v, want %v", name, got, want)
		}
	}
}
