package targets

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"streambench/brokers"
	"streambench/brokers/containers"
	"streambench/drivers/kafka"
)

// noBrokersHere clears every variable that names a broker, and points the state
// directory at an empty one, so that no 'bench brokers up' broker is found.
func noBrokersHere(t *testing.T) {
	for _, v := range []string{EnvKafkaBrokers, EnvRedpandaBrokers, EnvKinesisEndpoint, "AWS_REGION", "AWS_DEFAULT_REGION"} {
		t.Setenv(v, "")
	}
	t.Setenv(brokers.EnvStateDir, t.TempDir())
}

// stubs returns Docker and Compose checks that answer as told, and counts their calls.
func stubs(docker, compose bool, calls *int) (func(context.Context) (string, error), func(context.Context, string) error) {
	return func(context.Context) (string, error) {
			*calls++
			if !docker {
				return "", errors.New("no Docker engine answers: tried unix:///var/run/docker.sock")
			}
			return "unix:///var/run/docker.sock", nil
		}, func(_ context.Context, service string) error {
			*calls++
			if !compose {
				return fmt.Errorf("compose: nothing answers for service %s", service)
			}
			return nil
		}
}

func TestChooseEnvAuto(t *testing.T) {
	for _, tc := range []struct {
		name            string
		target          string
		o               Options
		envVar          string
		docker, compose bool
		want, wantWhy   string
		wantErr         string
		wantNoChecks    bool
	}{
		{name: "a flag names the cluster", target: "kafka", o: Options{KafkaBrokers: "10.0.0.1:9092"}, docker: true,
			want: EnvExternal, wantWhy: "--kafka-brokers names a cluster", wantNoChecks: true},
		{name: "a variable names the cluster", target: "kafka", envVar: "10.0.0.1:9092", docker: true,
			want: EnvExternal, wantWhy: "$" + EnvKafkaBrokers, wantNoChecks: true},
		{name: "a region names Amazon Kinesis", target: "kinesis", o: Options{KinesisRegion: "eu-west-1"},
			want: EnvExternal, wantWhy: "--kinesis-region", wantNoChecks: true},
		{name: "compose services answer", target: "kafka", docker: true, compose: true,
			want: EnvCompose, wantWhy: "kafka service of docker-compose.yml answers"},
		{name: "a Docker engine answers", target: "kinesis", docker: true,
			want: EnvDocker, wantWhy: "a Docker engine answers at unix:///var/run/docker.sock"},
		{name: "no Docker engine", target: "kafka",
			want: EnvLocal, wantWhy: "no cluster named and no Docker engine"},
		{name: "the TLS listener is local only", target: "kafka-tls", docker: true, compose: true,
			want: EnvLocal, wantWhy: "only the local broker", wantNoChecks: true},
		{name: "Redpanda in Docker", target: "redpanda", docker: true, want: EnvDocker},
		{name: "Redpanda without Docker", target: "redpanda", wantErr: "--redpanda-brokers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			noBrokersHere(t)
			t.Setenv(EnvKafkaBrokers, tc.envVar)
			calls := 0
			tc.o.Docker, tc.o.Compose = stubs(tc.docker, tc.compose, &calls)
			tg, err := lookup(tc.target)
			if err != nil {
				t.Fatal(err)
			}
			env, why, err := chooseEnv(context.Background(), tg, tc.o)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("chooseEnv = %v, want an error with %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || env != tc.want || !strings.HasPrefix(why, "auto: ") || !strings.Contains(why, tc.wantWhy) {
				t.Errorf("chooseEnv = %q, %q, %v; want %q because of %q", env, why, err, tc.want, tc.wantWhy)
			}
			if tc.wantNoChecks && calls > 0 {
				t.Errorf("Docker or compose checked %d times; the choice needed neither", calls)
			}
		})
	}
}

func TestChooseEnvExplicit(t *testing.T) {
	noBrokersHere(t)
	calls := 0
	docker, compose := stubs(false, false, &calls)
	tg, _ := lookup("kafka")
	for _, env := range []string{EnvLocal, EnvDocker, EnvCompose, EnvExternal} {
		got, why, err := chooseEnv(context.Background(), tg, Options{Env: env, Docker: docker, Compose: compose})
		if err != nil || got != env || why != "--env "+env {
			t.Errorf("--env %s: %q, %q, %v", env, got, why, err)
		}
	}
	if calls > 0 {
		t.Errorf("an explicit environment checked Docker or compose %d times", calls)
	}
	if _, _, err := chooseEnv(context.Background(), tg, Options{Env: EnvLocal, KafkaBrokers: "10.0.0.1:9092"}); err == nil ||
		!strings.Contains(err.Error(), "--kafka-brokers names a cluster") {
		t.Errorf("--env local with --kafka-brokers: %v", err)
	}
	if _, _, err := chooseEnv(context.Background(), tg, Options{Env: "kubernetes"}); err == nil ||
		!strings.Contains(err.Error(), `unknown environment "kubernetes"`) {
		t.Errorf("unknown environment: %v", err)
	}
}

// TestAutoPrefersTheRunningLocalBroker needs the broker of 'bench brokers up', which
// scripts/test starts.
func TestAutoPrefersTheRunningLocalBroker(t *testing.T) {
	st, running, err := brokers.KafkaStatus(context.Background(), brokers.KafkaOptions{})
	if !running {
		t.Skipf("no 'bench brokers up' Kafka running here (%v); scripts/test starts one", err)
	}
	calls := 0
	docker, compose := stubs(true, true, &calls)
	tg, _ := lookup("kafka")
	// Unnamed, or named by its own address (as 'bench brokers up' suggests exporting):
	// either way it is the local broker, which bench can restart.
	for _, named := range []string{"", st.Address} {
		t.Setenv(EnvKafkaBrokers, named)
		for _, o := range []Options{{Docker: docker, Compose: compose}, {Env: EnvLocal}} {
			env, why, err := chooseEnv(context.Background(), tg, o)
			if err != nil || env != EnvLocal || (o.Env == "" && !strings.Contains(why, "bench brokers up")) || calls > 0 {
				t.Errorf("named %q, --env %q: chooseEnv = %q, %q, %v (%d checks), want the running local broker", named, o.Env, env, why, err, calls)
			}
		}
	}
}

func TestResolveDockerWithoutAnEngine(t *testing.T) {
	noBrokersHere(t)
	t.Setenv("DOCKER_HOST", "unix://"+t.TempDir()+"/no-docker.sock")
	for _, name := range []string{"kafka", "redpanda", "kinesis"} {
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("target %s, --env docker without an engine: panic %v", name, p)
				}
			}()
			_, err := Resolve(context.Background(), name, Options{Env: EnvDocker})
			if err == nil || !strings.Contains(err.Error(), "no-docker.sock") || !strings.HasPrefix(err.Error(), "environment docker: ") {
				t.Errorf("target %s, --env docker without an engine: %v", name, err)
			}
		}()
	}
	if _, err := Resolve(context.Background(), "kafka-tls", Options{Env: EnvDocker}); err == nil || !strings.Contains(err.Error(), "use --env local") {
		t.Errorf("kafka-tls in docker: %v", err)
	}
}

func TestResolveCompose(t *testing.T) {
	noBrokersHere(t)
	calls := 0
	docker, compose := stubs(false, true, &calls)
	o := Options{Env: EnvCompose, Docker: docker, Compose: compose}
	for _, tc := range []struct {
		name, addr   string
		emulator     bool
		wantProduct  string
		wantSecurity string
	}{
		{"kafka", containers.ComposeKafkaAddress, false, brokers.KafkaProduct, "plaintext"},
		{"redpanda", containers.ComposeRedpandaAddress, false, "Redpanda", "plaintext"},
		{"kinesis", containers.ComposeKinesisEndpoint, true, "LocalStack", "plain HTTP"},
	} {
		ep, err := Resolve(context.Background(), tc.name, o)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if ep.Address != tc.addr || ep.Env != EnvCompose || ep.Emulator != tc.emulator ||
			!strings.HasPrefix(ep.Broker.Product, tc.wantProduct) || ep.Security != tc.wantSecurity ||
			!strings.Contains(ep.Why, "environment compose (--env compose)") {
			t.Errorf("%s: %+v", tc.name, ep)
		}
	}
	_, compose = stubs(false, false, &calls)
	if _, err := Resolve(context.Background(), "kafka", Options{Env: EnvCompose, Compose: compose}); err == nil ||
		!strings.Contains(err.Error(), "nothing answers") {
		t.Errorf("compose service down: %v", err)
	}
}

func TestResolveExternal(t *testing.T) {
	noBrokersHere(t)
	sec := &kafka.Security{Mechanism: kafka.MechSCRAM512, User: "alice", Password: "s3cret-pw"}
	if err := sec.Resolve(); err != nil {
		t.Fatal(err)
	}
	ep, err := Resolve(context.Background(), "redpanda", Options{Env: EnvExternal, RedpandaBrokers: "rp1:9092", KafkaSecurity: sec})
	if err != nil {
		t.Fatal(err)
	}
	if ep.Address != "rp1:9092" || ep.Broker.Product != "Redpanda" || ep.Broker.Version != "" || ep.Connection != sec ||
		ep.Security != "TLS + SASL SCRAM-SHA-512 as alice" {
		t.Errorf("external Redpanda: %+v", ep)
	}
	if strings.Contains(fmt.Sprintf("%+v", ep), "s3cret") {
		t.Error("the endpoint prints the password")
	}
	for name, want := range map[string]string{
		"kafka":           "give --kafka-brokers",
		"redpanda":        "give --redpanda-brokers",
		"kinesis":         "give --kinesis-endpoint",
		"kafka-tls-scram": "listener of the local broker only",
	} {
		if _, err := Resolve(context.Background(), name, Options{Env: EnvExternal}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s, external, nothing named: %v, want %q", name, err, want)
		}
	}
}
