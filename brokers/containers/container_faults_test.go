package containers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"
)

// fakeContainerID is the id of the container the fake engine pretends to run.
const fakeContainerID = "4f2a9c1d7e3b5a6f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7"

// apiVersion matches the version prefix the Docker client puts before each path.
var apiVersion = regexp.MustCompile(`^/v[0-9.]+/`)

// fakeDockerAPI answers, over TCP, what a client of the Docker Engine API asks before its
// first call (/_ping, /info) and pause and unpause of fakeContainerID; pausing answers
// pauseStatus. It returns the engine's DOCKER_HOST and the other requests it saw, as
// "METHOD /path" without the API version.
func fakeDockerAPI(t *testing.T, pauseStatus int) (host string, calls func() []string) {
	t.Helper()
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := "/" + apiVersion.ReplaceAllString(r.URL.Path, "")
		path = strings.ReplaceAll(path, "//", "/")
		w.Header().Set("Api-Version", "1.47")
		switch path {
		case "/_ping":
			fmt.Fprint(w, "OK")
			return
		case "/info":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"ServerVersion": "fake", "OperatingSystem": "streambench test engine"}`)
			return
		}
		mu.Lock()
		seen = append(seen, r.Method+" "+path)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodPost && path == "/containers/"+fakeContainerID+"/pause":
			w.WriteHeader(pauseStatus)
			if pauseStatus != http.StatusNoContent {
				fmt.Fprintf(w, `{"message": "Container %s is not running"}`, fakeContainerID)
			}
		case r.Method == http.MethodPost && path == "/containers/"+fakeContainerID+"/unpause":
			w.WriteHeader(http.StatusNoContent)
		default:
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, `{"message": "no such thing in this fake: %s"}`, path)
		}
	}))
	t.Cleanup(srv.Close)
	return "tcp://" + srv.Listener.Addr().String(), func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(seen)
	}
}

// fakeContainer is a Container of the given kind whose container is fakeContainerID.
func fakeContainer(t *testing.T, kind string) *Container {
	t.Helper()
	k, err := lookupContainerKind(kind)
	if err != nil {
		t.Fatal(err)
	}
	return &Container{kind: k, ctr: &testcontainers.DockerContainer{ID: fakeContainerID}, log: logWriter{t}}
}

// TestContainerPauseFakeEngine pauses and resumes a container on an engine that answers
// only what these calls need, and checks the requests it received. It runs in a child
// process, as TestContainerFakeEngine does: testcontainers-go keeps the engine it found for
// the life of the process. The child's HOME is empty, so that no
// ~/.testcontainers.properties points testcontainers-go elsewhere.
func TestContainerPauseFakeEngine(t *testing.T) {
	if !inEngineChild(t, "HOME="+t.TempDir(), "DOCKER_CONFIG="+t.TempDir()) {
		return
	}
	host, calls := fakeDockerAPI(t, http.StatusNoContent)
	t.Setenv("DOCKER_HOST", host)
	ctx := context.Background()
	c := fakeContainer(t, Kafka)
	pause := "POST /containers/" + fakeContainerID + "/pause"
	unpause := "POST /containers/" + fakeContainerID + "/unpause"

	if err := c.Pause(ctx); err != nil {
		t.Fatal(err)
	}
	if got := calls(); !slices.Equal(got, []string{pause}) {
		t.Fatalf("Pause made %q, want %q", got, pause)
	}
	if err := c.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	if got := calls(); !slices.Equal(got, []string{pause, unpause}) {
		t.Fatalf("Pause, Resume made %q", got)
	}

	// Stop wakes a container left paused, and only then.
	c.wake(ctx)
	if got := calls(); len(got) != 2 {
		t.Errorf("waking a running container made %q", got[2:])
	}
	if err := c.Pause(ctx); err != nil {
		t.Fatal(err)
	}
	c.wake(ctx)
	if got := calls(); !slices.Equal(got, []string{pause, unpause, pause, unpause}) {
		t.Errorf("waking a paused container: all calls %q", got)
	}
}

// TestContainerPauseRefused checks that the engine's refusal comes back naming the
// container. It runs in the child process of TestContainerPauseFakeEngine's kind, for the
// same reason.
func TestContainerPauseRefused(t *testing.T) {
	if !inEngineChild(t, "HOME="+t.TempDir(), "DOCKER_CONFIG="+t.TempDir()) {
		return
	}
	host, calls := fakeDockerAPI(t, http.StatusConflict)
	t.Setenv("DOCKER_HOST", host)
	c := fakeContainer(t, Redpanda)
	err := c.Pause(context.Background())
	if err == nil {
		t.Fatal("Pause succeeded where the engine refused")
	}
	for _, want := range []string{"pause redpanda container " + shortID(fakeContainerID), "is not running"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	t.Log(err)
	if c.paused {
		t.Error("a refused pause left the container marked paused")
	}
	if got := calls(); len(got) != 1 {
		t.Errorf("requests %q, want one pause", got)
	}
}

func TestContainerRestartRefused(t *testing.T) {
	for _, tc := range []struct {
		kind string
		kill bool
		want string
	}{
		{Kafka, true, "kill kafka container " + shortID(fakeContainerID)},
		{Redpanda, false, "restart redpanda container " + shortID(fakeContainerID)},
	} {
		err := fakeContainer(t, tc.kind).Restart(context.Background(), tc.kill, time.Second)
		if !errors.Is(err, ErrRestart) {
			t.Errorf("%s: %v, want ErrRestart", tc.kind, err)
			continue
		}
		for _, want := range []string{tc.want, "random host port", "--env compose", "--env local"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error lacks %q: %v", tc.kind, want, err)
			}
		}
	}
}

// composeFaultSetup is a compose file, an engine that answers /_ping and a fake docker CLI
// that writes to the log file it returns, exits with exitCode and prints output.
func composeFaultSetup(t *testing.T, output string, exitCode int) (file, logFile string) {
	t.Helper()
	host, _ := fakeEngine(t, http.StatusOK, "OK")
	t.Setenv("DOCKER_HOST", host)
	file = filepath.Join(t.TempDir(), ComposeFile)
	if err := os.WriteFile(file, []byte("services: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return file, fakeDockerCLI(t, true, output, exitCode)
}

// dockerRuns returns the docker commands the fake CLI logged, without the DOCKER_HOST it
// appends.
func dockerRuns(t *testing.T, logFile string) []string {
	t.Helper()
	data, err := os.ReadFile(logFile)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var runs []string
	for line := range strings.Lines(string(data)) {
		runs = append(runs, strings.TrimSpace(line[:strings.LastIndex(line, " DOCKER_HOST=")]))
	}
	return runs
}

func TestComposeFaultCommands(t *testing.T) {
	file, logFile := composeFaultSetup(t, "done", 0)
	ctx := context.Background()
	up := func(context.Context, string) error { return nil }
	if err := ComposePause(ctx, file, Kafka); err != nil {
		t.Fatal(err)
	}
	if err := ComposeResume(ctx, file, Kafka); err != nil {
		t.Fatal(err)
	}
	if err := composeKill(ctx, file, Redpanda, 0, up); err != nil {
		t.Fatal(err)
	}
	if err := composeRestart(ctx, file, Kafka, up); err != nil {
		t.Fatal(err)
	}
	f := "compose -f " + file + " "
	want := []string{
		f + "pause kafka",
		f + "unpause kafka",
		f + "kill -s SIGKILL redpanda",
		f + "start redpanda",
		f + "restart kafka",
	}
	if got := dockerRuns(t, logFile); !slices.Equal(got, want) {
		t.Errorf("docker ran as\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestComposeKillWaits checks the order of a kill: the service is started again only
// after the down time, and ComposeKill returns only once the service answers, which it
// is asked only after the start.
func TestComposeKillWaits(t *testing.T) {
	file, logFile := composeFaultSetup(t, "", 0)
	var checks []string
	check := func(_ context.Context, service string) error {
		runs := dockerRuns(t, logFile)
		checks = append(checks, service+" after "+runs[len(runs)-1])
		if len(checks) < 3 {
			return errors.New("not yet")
		}
		return nil
	}
	const down = 300 * time.Millisecond
	start := time.Now()
	if err := composeKill(context.Background(), file, Kafka, down, check); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < down+2*250*time.Millisecond {
		t.Errorf("ComposeKill took %s: less than the down time and two waits between checks", took)
	}
	after := "kafka after compose -f " + file + " start kafka"
	if want := []string{after, after, after}; !slices.Equal(checks, want) {
		t.Errorf("checks %q, want %q", checks, want)
	}

	// A service that never answers again: the error says which, and why.
	ctx, cancel := context.WithTimeout(context.Background(), 600*time.Millisecond)
	defer cancel()
	err := composeRestart(ctx, file, Redpanda, func(context.Context, string) error {
		return errors.New("compose: nothing answers at 127.0.0.1:19093")
	})
	if err == nil || !strings.Contains(err.Error(), "compose service redpanda, started again") {
		t.Errorf("a service that never answers: %v", err)
	}
}

func TestComposeFaultFails(t *testing.T) {
	file, logFile := composeFaultSetup(t, "Error response from daemon: Container 3f1c is not paused", 1)
	ctx := context.Background()
	checked := false
	check := func(context.Context, string) error { checked = true; return nil }

	err := ComposeResume(ctx, file, LocalStack)
	t.Log(err)
	for _, want := range []string{"compose service localstack", "unpause localstack", "exit status 1", "is not paused"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("failed unpause: error lacks %q: %v", want, err)
		}
	}
	err = composeKill(ctx, file, Kafka, time.Hour, check)
	for _, want := range []string{"compose service kafka", "kill -s SIGKILL kafka", "exit status 1", "is not paused"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("failed kill: error lacks %q: %v", want, err)
		}
	}
	if got := dockerRuns(t, logFile); len(got) != 2 {
		t.Errorf("a failed kill went on: docker ran %q", got)
	}
	if checked {
		t.Error("a failed kill waited for the service")
	}
	if err := ComposePause(ctx, file, "zookeeper"); err == nil || !strings.Contains(err.Error(), `unknown service "zookeeper"`) {
		t.Errorf("unknown service: %v", err)
	}
}

// TestRetryFreeze: a pause the engine could not freeze is asked for again, up to
// freezeAttempts times; any other failure is returned at once.
func TestRetryFreeze(t *testing.T) {
	frozen := errors.New("Error response from daemon: Cannot pause container 97e5: OCI runtime pause failed: unable to freeze: unknown")
	other := errors.New("Error response from daemon: Container 97e5 is not running")
	cases := []struct {
		name      string
		answers   []error
		wantCalls int
		wantErr   string
	}{
		{"at once", []error{nil}, 1, ""},
		{"after two failed freezes", []error{frozen, frozen, nil}, 3, ""},
		{"another failure", []error{other, nil}, 1, "is not running"},
		{"never frozen", []error{frozen, frozen, frozen, frozen, nil}, freezeAttempts, "could not freeze it 4 times in a row"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			calls := 0
			err := retryFreeze(context.Background(), func() error {
				calls++
				return c.answers[calls-1]
			})
			if calls != c.wantCalls {
				t.Errorf("%d calls, want %d", calls, c.wantCalls)
			}
			if c.wantErr == "" && err != nil || c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)) {
				t.Errorf("error %v, want one containing %q", err, c.wantErr)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	err := retryFreeze(ctx, func() error { calls++; cancel(); return frozen })
	if calls != 1 || err == nil || !strings.Contains(err.Error(), "interrupted before asking again") {
		t.Errorf("cancelled while retrying: %d calls, error %v; want 1 call and an error saying it was interrupted", calls, err)
	}
}
