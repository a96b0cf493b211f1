package targets

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"streambench/brokers"
	"streambench/brokers/containers"
)

// fakeContainer stands for a container of containers.Start and records what it
// was asked.
type fakeContainer struct {
	kind  string
	calls []string
}

func (c *fakeContainer) Kind() string { return c.kind }
func (c *fakeContainer) Restart(_ context.Context, kill bool, down time.Duration) error {
	c.calls = append(c.calls, fmt.Sprintf("restart kill=%t down=%s", kill, down))
	return containers.ErrRestart
}
func (c *fakeContainer) Pause(context.Context) error { c.calls = append(c.calls, "pause"); return nil }
func (c *fakeContainer) Resume(context.Context) error {
	c.calls = append(c.calls, "resume")
	return nil
}

func TestContainerControl(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		kind      string
		wantCalls []string
		wantErr   error
	}{
		// Kafka and Redpanda containers answer for themselves: they refuse, saying why.
		{containers.Kafka, []string{"pause", "resume", "restart kill=true down=2s", "restart kill=false down=0s"}, containers.ErrRestart},
		{containers.Redpanda, []string{"pause", "resume", "restart kill=true down=2s", "restart kill=false down=0s"}, containers.ErrRestart},
		// LocalStack is refused before it is asked, as the local kinesis-mock is.
		{containers.LocalStack, []string{"pause", "resume"}, brokers.ErrKinesisRestart},
	} {
		c := &fakeContainer{kind: tc.kind}
		ctl := containerControl(c)
		if err := ctl.Pause(ctx); err != nil {
			t.Errorf("%s: pause: %v", tc.kind, err)
		}
		if err := ctl.Resume(ctx); err != nil {
			t.Errorf("%s: resume: %v", tc.kind, err)
		}
		for _, kill := range []bool{true, false} {
			down := time.Duration(0)
			if kill {
				down = 2 * time.Second
			}
			if err := ctl.Restart(ctx, kill, down); !errors.Is(err, tc.wantErr) {
				t.Errorf("%s: restart (kill %t): %v, want %v", tc.kind, kill, err, tc.wantErr)
			}
		}
		if !slices.Equal(c.calls, tc.wantCalls) {
			t.Errorf("%s: the container was asked %q, want %q", tc.kind, c.calls, tc.wantCalls)
		}
	}
	if !strings.Contains(containers.ErrRestart.Error(), "--env compose") {
		t.Errorf("the refusal does not say where a restart works: %v", containers.ErrRestart)
	}
}

// fakeCompose puts a docker command alone on PATH that logs its arguments (except for
// `compose version`, which it answers) and succeeds, behind a DOCKER_HOST that answers
// /_ping, and returns a compose file to name and the log.
func fakeCompose(t *testing.T) (file, logFile string) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/_ping" {
			fmt.Fprint(w, "OK")
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	t.Setenv("DOCKER_HOST", "tcp://"+srv.Listener.Addr().String())
	dir := t.TempDir()
	file = filepath.Join(dir, "compose.yml")
	logFile = filepath.Join(dir, "docker.log")
	script := fmt.Sprintf(`#!/bin/sh
[ "$1 $2" = "compose version" ] && { echo "Docker Compose version v2.39.1"; exit 0; }
echo "$*" >> %q
`, logFile)
	for name, data := range map[string]string{file: "services: {}\n", filepath.Join(dir, "docker"): script} {
		if err := os.WriteFile(name, []byte(data), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", dir)
	return file, logFile
}

// TestResolveComposeControl checks that each compose endpoint gets a Control that runs
// docker compose on its own service of the compose file, and refuses what it cannot do
// before running anything.
func TestResolveComposeControl(t *testing.T) {
	noBrokersHere(t)
	file, logFile := fakeCompose(t)
	calls := 0
	docker, compose := stubs(false, true, &calls)
	// The image a service runs is asked of the engine; here, of a stub, which fails for
	// redpanda as an engine would without the service.
	image := func(_ context.Context, f, service string) (string, error) {
		if f != file {
			t.Errorf("image of %s asked of %s, not %s", service, f, file)
		}
		if service == "redpanda" {
			return "", errors.New("no redpanda container")
		}
		return "example/" + service + ":1", nil
	}
	o := Options{Env: EnvCompose, Docker: docker, Compose: compose, ComposeFile: file, ComposeImage: image}
	ctx := context.Background()
	runs := func() []string {
		data, _ := os.ReadFile(logFile)
		os.Remove(logFile)
		return strings.Split(strings.TrimSpace(string(data)), "\n")
	}
	for _, tc := range []struct{ target, service string }{
		{"kafka", "kafka"}, {"redpanda", "redpanda"}, {"kinesis", "localstack"},
	} {
		ep, err := Resolve(ctx, tc.target, o)
		if err != nil {
			t.Fatalf("%s: %v", tc.target, err)
		}
		if ep.Control == nil {
			t.Fatalf("%s: no Control", tc.target)
		}
		wantImage := "(example/" + tc.service + ":1)"
		if tc.service == "redpanda" {
			wantImage = "(image unknown: no redpanda container)"
		}
		if !strings.HasSuffix(ep.Why, wantImage) {
			t.Errorf("%s: why %q does not end in %q", tc.target, ep.Why, wantImage)
		}
		// The version is the image's release; unknown, the driver is asked.
		if wantVersion := map[bool]string{true: "", false: "1"}[tc.service == "redpanda"]; ep.Broker.Version != wantVersion {
			t.Errorf("%s: version %q, want %q", tc.target, ep.Broker.Version, wantVersion)
		}
		if err := ep.Control.Pause(ctx); err != nil {
			t.Errorf("%s: pause: %v", tc.target, err)
		}
		if err := ep.Control.Resume(ctx); err != nil {
			t.Errorf("%s: resume: %v", tc.target, err)
		}
		f := "compose -f " + file + " "
		if got, want := runs(), []string{f + "pause " + tc.service, f + "unpause " + tc.service}; !slices.Equal(got, want) {
			t.Errorf("%s: docker ran as %q, want %q", tc.target, got, want)
		}

		// What cannot be done is refused without a docker command.
		err = ep.Control.Restart(ctx, false, time.Second)
		want := "a clean restart has no down time"
		if tc.service == "localstack" {
			want = "keeps its streams in memory"
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: a clean restart with down time: %v, want %q", tc.target, err, want)
		}
		if tc.service == "localstack" {
			if err := ep.Control.Restart(ctx, true, 0); !errors.Is(err, brokers.ErrKinesisRestart) {
				t.Errorf("%s: kill: %v, want the kinesis-mock refusal", tc.target, err)
			}
		}
		if got := runs(); !slices.Equal(got, []string{""}) {
			t.Errorf("%s: a refused restart ran docker as %q", tc.target, got)
		}
	}

	// A kill of Kafka kills and starts its service, then waits at its fixed address,
	// where nothing answers here: the wait ends with ctx.
	ep, err := Resolve(ctx, "kafka", o)
	if err != nil {
		t.Fatal(err)
	}
	kctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	err = ep.Control.Restart(kctx, true, 0)
	if err == nil || !strings.Contains(err.Error(), "compose service kafka, started again") {
		t.Errorf("kill with nothing answering afterwards: %v", err)
	}
	f := "compose -f " + file + " "
	if got, want := runs(), []string{f + "kill -s SIGKILL kafka", f + "start kafka"}; !slices.Equal(got, want) {
		t.Errorf("kill: docker ran as %q, want %q", got, want)
	}
}
