package containers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// composeService is the part of a compose service these tests check.
type composeService struct {
	Image       string         `yaml:"image"`
	Command     []string       `yaml:"command"`
	Ports       []string       `yaml:"ports"`
	Environment map[string]any `yaml:"environment"`
	Healthcheck *struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
}

// readComposeFile parses docker-compose.yml at the repository root.
func readComposeFile(t *testing.T) map[string]composeService {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", ComposeFile))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Name     string                    `yaml:"name"`
		Services map[string]composeService `yaml:"services"`
	}
	if err := yaml.Unmarshal(data, &f); err != nil {
		t.Fatalf("%s: %v", ComposeFile, err)
	}
	if f.Name != "streambench" {
		t.Errorf("project name %q, want streambench: without it, it depends on the directory", f.Name)
	}
	return f.Services
}

// env returns a service's environment variable as a string.
func (s composeService) env(name string) string {
	v, ok := s.Environment[name]
	if !ok {
		return ""
	}
	return fmt.Sprint(v)
}

func TestComposeFile(t *testing.T) {
	services := readComposeFile(t)
	var names []string
	for name := range services {
		names = append(names, name)
	}
	slices.Sort(names)
	want := slices.Sorted(slices.Values(ComposeServices()))
	if !slices.Equal(names, want) {
		t.Fatalf("services %v, want %v", names, want)
	}

	// Each image is the variable bench reads, defaulting to the image bench pins.
	vars := map[string]string{Kafka: EnvKafkaImage, Redpanda: EnvRedpandaImage, LocalStack: EnvLocalStackImage}
	for _, name := range names {
		s := services[name]
		if s.Healthcheck == nil || len(s.Healthcheck.Test) < 2 {
			t.Errorf("%s: no healthcheck, so 'up --wait' cannot wait for it", name)
		}
		if want := "${" + vars[name] + ":-" + (Images{}).For(name) + "}"; s.Image != want {
			t.Errorf("%s: image %q, want %q", name, s.Image, want)
		}
		image := (Images{}).For(name)
		tag := image[strings.LastIndex(image, ":")+1:]
		if !strings.Contains(image, ":") || tag == "latest" || strings.Contains(tag, "/") {
			t.Errorf("%s: image %q is not pinned to a release tag", name, image)
		}
		addr, err := composeAddress(name)
		if err != nil {
			t.Fatal(err)
		}
		if u, err := url.Parse(addr); err == nil && u.Host != "" {
			addr = u.Host
		}
		_, wantPort, _ := net.SplitHostPort(addr)
		if len(s.Ports) != 1 {
			t.Errorf("%s: ports %q, want one", name, s.Ports)
		}
		for _, p := range s.Ports {
			parts := strings.Split(p, ":")
			if len(parts) != 3 || parts[0] != "127.0.0.1" {
				t.Errorf("%s: port %q is not bound to 127.0.0.1 (want 127.0.0.1:HOST:CONTAINER)", name, p)
				continue
			}
			if parts[1] != wantPort {
				t.Errorf("%s: published on host port %s, but the Compose constant says %s", name, parts[1], addr)
			}
		}
	}

	kafka := services[Kafka]
	if got := kafka.env("KAFKA_ADVERTISED_LISTENERS"); got != "PLAINTEXT://"+ComposeKafkaAddress {
		t.Errorf("kafka advertises %q, want PLAINTEXT://%s: clients go where metadata says", got, ComposeKafkaAddress)
	}
	for _, v := range []string{"KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
		"KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR"} {
		if got := kafka.env(v); got != "1" {
			t.Errorf("kafka %s = %q, want 1 on a single node", v, got)
		}
	}
	if got := kafka.env("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS"); got != "0" {
		t.Errorf("kafka KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS = %q, want 0", got)
	}
	if got := kafka.env("KAFKA_PROCESS_ROLES"); got != "broker,controller" {
		t.Errorf("kafka process roles %q, want broker,controller (KRaft, one node)", got)
	}

	redpanda := services[Redpanda]
	for _, arg := range []string{"--mode=dev-container", "--smp=1", "--advertise-kafka-addr=PLAINTEXT://" + ComposeRedpandaAddress} {
		if !slices.Contains(redpanda.Command, arg) {
			t.Errorf("redpanda command %q lacks %s", redpanda.Command, arg)
		}
	}

	localstack := services[LocalStack]
	if got := localstack.env("KINESIS_LATENCY"); got != "0" {
		t.Errorf("localstack KINESIS_LATENCY = %q, want 0: its default adds 500ms to every call", got)
	}
	if got := localstack.env("SERVICES"); !slices.Contains(strings.Split(got, ","), "kinesis") {
		t.Errorf("localstack SERVICES = %q, want kinesis among them", got)
	}
	for name, v := range localStackEnv() {
		if got := localstack.env(name); got != v {
			t.Errorf("localstack %s = %q in the compose file, %q in Start", name, got, v)
		}
	}
}

func TestComposeCheck(t *testing.T) {
	if err := ComposeCheck(context.Background(), "zookeeper"); err == nil || !strings.Contains(err.Error(), `"zookeeper"`) {
		t.Errorf("unknown service: got %v", err)
	}

	// A port nothing listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	err = composeCheckAt(context.Background(), Kafka, closed)
	want := fmt.Sprintf("compose: nothing answers at %s (service kafka); start it with 'docker compose up -d --wait kafka'", closed)
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}

	// Something answers, but not Kafka: it accepts and hangs up, as Docker's port proxy
	// does while the broker behind it is down.
	ln, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	err = composeCheckAt(context.Background(), Redpanda, ln.Addr().String())
	if err == nil || !strings.Contains(err.Error(), "service redpanda at "+ln.Addr().String()+" is not ready") {
		t.Errorf("a port that hangs up should not pass for Redpanda: %v", err)
	}

	// LocalStack: up only once Kinesis runs.
	status := "available"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"services": {"kinesis": %q}}`, status)
	}))
	defer srv.Close()
	if err := composeCheckAt(context.Background(), LocalStack, srv.URL); err == nil {
		t.Error("LocalStack with Kinesis only available passed the check")
	}
	status = "running"
	if err := composeCheckAt(context.Background(), LocalStack, srv.URL); err != nil {
		t.Error(err)
	}
}

// fakeDockerCLI puts a docker command on PATH (alone) that appends its arguments to a log
// file, answers `compose version`, and exits with exitCode after printing output for
// other commands. It returns the log file.
func fakeDockerCLI(t *testing.T, compose bool, output string, exitCode int) string {
	t.Helper()
	dir := t.TempDir()
	logFile := filepath.Join(dir, "args.log")
	versionExit := 0
	if !compose {
		versionExit = 1
	}
	script := fmt.Sprintf(`#!/bin/sh
if [ "$1 $2" = "compose version" ]; then
  [ %d = 0 ] && echo "Docker Compose version v2.39.1" || echo "docker: unknown command: docker compose"
  exit %d
fi
echo "$* DOCKER_HOST=$DOCKER_HOST" >> %q
echo %q
exit %d
`, versionExit, versionExit, logFile, output, exitCode)
	if err := os.WriteFile(filepath.Join(dir, "docker"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	return logFile
}

func TestComposeCommands(t *testing.T) {
	host, _ := fakeEngine(t, http.StatusOK, "OK")
	t.Setenv("DOCKER_HOST", host)
	file := filepath.Join(t.TempDir(), ComposeFile)
	if err := os.WriteFile(file, []byte("services: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	logFile := fakeDockerCLI(t, true, "done", 0)

	var out strings.Builder
	ctx := context.Background()
	if err := ComposeUp(ctx, file, []string{"kafka"}, &out); err != nil {
		t.Fatal(err)
	}
	if err := ComposeStatus(ctx, file, nil, &out); err != nil {
		t.Fatal(err)
	}
	if err := ComposeDown(ctx, file, []string{"kafka", "localstack"}, nil); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"compose -f " + file + " up -d --wait kafka DOCKER_HOST=" + host,
		"compose -f " + file + " ps --all DOCKER_HOST=" + host,
		"compose -f " + file + " down -v kafka localstack DOCKER_HOST=" + host,
	}
	if got := strings.Split(strings.TrimSpace(string(data)), "\n"); !slices.Equal(got, want) {
		t.Errorf("docker ran as\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if out.String() != "done\ndone\n" {
		t.Errorf("output %q, want the CLI's output of up and ps", out.String())
	}
}

func TestComposeFailures(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), ComposeFile)
	if err := os.WriteFile(file, []byte("services: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	check := func(t *testing.T, err error, wants ...string) {
		t.Helper()
		if err == nil {
			t.Fatal("no error")
		}
		for _, w := range wants {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error lacks %q: %v", w, err)
			}
		}
	}

	t.Run("unknown service", func(t *testing.T) {
		check(t, ComposeUp(ctx, file, []string{"kafka", "zookeeper"}, nil), `unknown service "zookeeper"`)
	})
	t.Run("no file", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), ComposeFile)
		err := ComposeUp(ctx, missing, nil, nil)
		check(t, err, missing)
		if !errors.Is(err, os.ErrNotExist) {
			t.Errorf("error does not wrap ErrNotExist: %v", err)
		}
	})
	t.Run("no CLI", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		check(t, ComposeStatus(ctx, file, nil, nil), "docker CLI is not on PATH", "--env local")
	})
	t.Run("no engine", func(t *testing.T) {
		fakeDockerCLI(t, true, "", 0)
		host := missingDockerHost(t)
		err := ComposeUp(ctx, file, nil, nil)
		check(t, err, "compose up", host, "no such file")
		if !errors.Is(err, ErrNoDocker) {
			t.Errorf("error does not wrap ErrNoDocker: %v", err)
		}
	})
	t.Run("no plugin", func(t *testing.T) {
		fakeDockerCLI(t, false, "", 0)
		host, _ := fakeEngine(t, http.StatusOK, "OK")
		t.Setenv("DOCKER_HOST", host)
		check(t, ComposeDown(ctx, file, nil, nil), "no compose plugin", "unknown command")
	})
	t.Run("command fails", func(t *testing.T) {
		fakeDockerCLI(t, true, "Error response from daemon: pull access denied", 18)
		host, _ := fakeEngine(t, http.StatusOK, "OK")
		t.Setenv("DOCKER_HOST", host)
		check(t, ComposeUp(ctx, file, []string{"redpanda"}, nil),
			"up -d --wait redpanda", "exit status 18", "pull access denied")
	})
}
