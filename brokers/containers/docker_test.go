package containers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// shortTempDir is t.TempDir with a short path: a unix socket's path must fit in 108 bytes,
// and t.TempDir's include the test's name.
func shortTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "sb")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// fakeEngine serves GET /_ping on a unix socket in a fresh directory, answering with
// status and body, and returns the socket's DOCKER_HOST and the requests it saw.
func fakeEngine(t *testing.T, status int, body string) (host string, requests func() []string) {
	t.Helper()
	path := filepath.Join(shortTempDir(t), "docker.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.Path)
		mu.Unlock()
		if r.URL.Path != "/_ping" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}))
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return "unix://" + path, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), seen...)
	}
}

// missingDockerHost points DOCKER_HOST at a socket that does not exist and returns it.
func missingDockerHost(t *testing.T) string {
	t.Helper()
	host := "unix://" + filepath.Join(shortTempDir(t), "missing", "docker.sock")
	t.Setenv("DOCKER_HOST", host)
	return host
}

func TestCheckDockerMissingSocket(t *testing.T) {
	host := missingDockerHost(t)
	start := time.Now()
	got, err := CheckDocker(context.Background())
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("CheckDocker took %s for a missing socket", elapsed)
	}
	if err == nil {
		t.Fatalf("CheckDocker found an engine at %q", got)
	}
	if got != "" {
		t.Errorf("host = %q with an error", got)
	}
	if !errors.Is(err, ErrNoDocker) {
		t.Errorf("error does not wrap ErrNoDocker: %v", err)
	}
	for _, want := range []string{host, "$DOCKER_HOST", "no such file", "--env local"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}

func TestCheckDockerPing(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		ok     bool
		errHas string
	}{
		{"ok", http.StatusOK, "OK", true, ""},
		{"server error", http.StatusInternalServerError, "boom", false, "500"},
		{"not docker", http.StatusOK, "hello", false, "not as a Docker engine does"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			host, requests := fakeEngine(t, tc.status, tc.body)
			t.Setenv("DOCKER_HOST", host)
			got, err := CheckDocker(context.Background())
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				if got != host {
					t.Errorf("host = %q, want %q", got, host)
				}
			} else {
				if err == nil {
					t.Fatalf("CheckDocker accepted an engine answering %d %q", tc.status, tc.body)
				}
				if !errors.Is(err, ErrNoDocker) || !strings.Contains(err.Error(), tc.errHas) || !strings.Contains(err.Error(), host) {
					t.Errorf("error should wrap ErrNoDocker and name %q and %s: %v", tc.errHas, host, err)
				}
			}
			if r := requests(); len(r) != 1 || r[0] != "GET /_ping" {
				t.Errorf("engine saw %q, want one GET /_ping", r)
			}
		})
	}
}

func TestCheckDockerTCP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "OK")
	}))
	defer srv.Close()
	host := "tcp://" + srv.Listener.Addr().String()
	t.Setenv("DOCKER_HOST", host)
	t.Setenv("DOCKER_TLS_VERIFY", "")
	t.Setenv("DOCKER_TLS", "")
	if got, err := CheckDocker(context.Background()); err != nil || got != host {
		t.Fatalf("CheckDocker = %q, %v; want %q", got, err, host)
	}

	// Nothing listens there any more.
	srv.Close()
	_, err := CheckDocker(context.Background())
	if err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("want connection refused, got %v", err)
	}
}

func TestCheckDockerBadHost(t *testing.T) {
	for _, tc := range []struct{ host, errHas string }{
		{"/var/run/docker.sock", "not a Docker host URL"},
		{"ssh://me@example.invalid", "ssh hosts cannot be checked"},
		{"gopher://example.invalid", `unsupported scheme "gopher"`},
	} {
		t.Setenv("DOCKER_HOST", tc.host)
		_, err := CheckDocker(context.Background())
		if err == nil || !strings.Contains(err.Error(), tc.errHas) || !strings.Contains(err.Error(), tc.host) {
			t.Errorf("DOCKER_HOST=%s: want an error naming it and %q, got %v", tc.host, tc.errHas, err)
		}
	}
}

func TestCheckDockerCanceled(t *testing.T) {
	host, _ := fakeEngine(t, http.StatusOK, "OK")
	t.Setenv("DOCKER_HOST", host)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := CheckDocker(ctx); !errors.Is(err, context.Canceled) || !errors.Is(err, ErrNoDocker) {
		t.Errorf("want ErrNoDocker and context.Canceled, got %v", err)
	}
}

// dockerContextDir makes a docker configuration directory whose current context is name,
// with its docker endpoint at host, and points DOCKER_CONFIG at it.
func dockerContextDir(t *testing.T, name, host string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.json"), fmt.Appendf(nil, `{"currentContext": %q}`, name), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(name))
	metaDir := filepath.Join(dir, "contexts", "meta", hex.EncodeToString(sum[:]))
	if err := os.MkdirAll(metaDir, 0o755); err != nil {
		t.Fatal(err)
	}
	meta := fmt.Sprintf(`{"Name": %q, "Metadata": {}, "Endpoints": {"docker": {"Host": %q, "SkipTLSVerify": false}}}`, name, host)
	if err := os.WriteFile(filepath.Join(metaDir, "meta.json"), []byte(meta), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", dir)
	t.Setenv("DOCKER_CONTEXT", "")
}

func TestCheckDockerContext(t *testing.T) {
	host, requests := fakeEngine(t, http.StatusOK, "OK")
	t.Setenv("DOCKER_HOST", "")
	dockerContextDir(t, "bench", host)
	e, err := findDocker(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if e.host != host || e.from != `docker context "bench"` {
		t.Errorf("found %+v, want %s from the context", e, host)
	}
	if len(requests()) != 1 {
		t.Errorf("engine saw %q", requests())
	}
}

func TestDockerEndpointsOrder(t *testing.T) {
	home, xdg := t.TempDir(), t.TempDir()
	t.Setenv("DOCKER_HOST", "")
	t.Setenv("HOME", home)
	t.Setenv("XDG_RUNTIME_DIR", xdg)
	dockerContextDir(t, "colima", "unix:///somewhere/colima.sock")

	var got []string
	for _, e := range dockerEndpoints() {
		got = append(got, e.label())
	}
	want := []string{
		`unix:///somewhere/colima.sock from docker context "colima"`,
		"unix:///var/run/docker.sock",
		"unix://" + filepath.Join(xdg, "docker.sock"),
		"unix://" + filepath.Join(home, ".docker", "run", "docker.sock"),
		"unix://" + filepath.Join(home, ".docker", "desktop", "docker.sock"),
	}
	if len(got) < len(want) {
		t.Fatalf("endpoints %q, want at least %q", got, want)
	}
	for i, w := range want {
		if got[i] != w {
			t.Errorf("endpoint %d = %q, want %q", i, got[i], w)
		}
	}

	// $DOCKER_HOST, when set, is the only place: a wrong one must not be papered over.
	t.Setenv("DOCKER_HOST", "unix:///elsewhere.sock")
	if e := dockerEndpoints(); len(e) != 1 || e[0].host != "unix:///elsewhere.sock" {
		t.Errorf("with DOCKER_HOST set, endpoints = %+v", e)
	}
}

func TestDockerBrokenContext(t *testing.T) {
	t.Setenv("DOCKER_HOST", "")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"currentContext": "gone"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", dir)
	t.Setenv("DOCKER_CONTEXT", "")
	e, ok := contextEndpoint()
	if !ok || e.err == nil || !strings.Contains(e.label(), `docker context "gone"`) {
		t.Errorf("a context without metadata should be reported, got %+v, %v", e, ok)
	}
}
