package containers

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// ErrNoDocker is wrapped by the errors of CheckDocker, Start and the Compose commands
// when no Docker engine answers, so that callers can tell "start Docker" apart from a
// container that failed.
var ErrNoDocker = errors.New("no Docker engine answers")

// dockerPingTimeout bounds one ping of one place an engine may be. A local engine answers
// in milliseconds; a place that takes longer is as good as absent for a benchmark.
const dockerPingTimeout = 3 * time.Second

// dockerEndpoint is one place a Docker engine may answer.
type dockerEndpoint struct {
	// host is the engine's address as DOCKER_HOST spells it: unix:///var/run/docker.sock,
	// tcp://10.0.0.5:2376.
	host string
	// from says where host came from, for messages: "$DOCKER_HOST", `docker context
	// "colima"`, or empty for one of the usual sockets.
	from string
	// tls is set for a tcp host that the docker CLI would reach over TLS.
	tls *tls.Config
	// err is set when the place could not even be read (a broken docker context).
	err error
}

// label names the endpoint in messages.
func (e dockerEndpoint) label() string {
	if e.from == "" {
		return e.host
	}
	if e.host == "" {
		return e.from
	}
	return e.host + " from " + e.from
}

// CheckDocker finds the Docker engine this environment points at and pings it (GET
// /_ping), each place with a 3s timeout. It looks where the docker CLI does: $DOCKER_HOST
// when set (and then nowhere else, so that a wrong $DOCKER_HOST is reported rather than
// papered over), else the current docker context ($DOCKER_CONTEXT or the one that
// ~/.docker/config.json names) and then the usual sockets: /var/run/docker.sock,
// $XDG_RUNTIME_DIR/docker.sock, ~/.docker/run/docker.sock, ~/.docker/desktop/docker.sock
// and /run/user/<uid>/docker.sock.
//
// It returns the host that answered, such as "unix:///var/run/docker.sock", or an error
// wrapping ErrNoDocker that names every place it tried, why each failed, and how to fix it.
func CheckDocker(ctx context.Context) (host string, err error) {
	e, err := findDocker(ctx)
	return e.host, err
}

// findDocker is CheckDocker returning the whole endpoint that answered.
func findDocker(ctx context.Context) (found dockerEndpoint, err error) {
	// Nothing here should panic, but a caller deciding between Docker and local brokers
	// must get an error to print, never a crash.
	defer func() {
		if r := recover(); r != nil {
			found, err = dockerEndpoint{}, fmt.Errorf("%w: looking for it failed unexpectedly: %v", ErrNoDocker, r)
		}
	}()
	candidates := dockerEndpoints()
	tried := make([]string, 0, len(candidates))
	for _, e := range candidates {
		perr := e.err
		if perr == nil {
			perr = pingDocker(ctx, e)
		}
		if perr == nil {
			return e, nil
		}
		tried = append(tried, fmt.Sprintf("%s (%s)", e.label(), dockerReason(perr)))
		if ctx.Err() != nil {
			break
		}
	}
	if len(tried) == 0 {
		tried = append(tried, "nothing (no usual socket on "+runtime.GOOS+"; name the engine in DOCKER_HOST)")
	}
	fix := "start Docker, or use --env local"
	if os.Getenv("DOCKER_HOST") != "" {
		fix = "start Docker there, point $DOCKER_HOST at a running engine (or unset it), or use --env local"
	}
	if err := ctx.Err(); err != nil {
		return dockerEndpoint{}, fmt.Errorf("%w: tried %s; stopped early: %w", ErrNoDocker, strings.Join(tried, ", "), err)
	}
	return dockerEndpoint{}, fmt.Errorf("%w: tried %s; %s", ErrNoDocker, strings.Join(tried, ", "), fix)
}

// dockerEndpoints lists the places to try, in order, without duplicates.
func dockerEndpoints() []dockerEndpoint {
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		// The docker CLI uses $DOCKER_HOST alone when it is set; so do we.
		cfg, err := envDockerTLS(h)
		return []dockerEndpoint{{host: h, from: "$DOCKER_HOST", tls: cfg, err: err}}
	}
	var out []dockerEndpoint
	seen := map[string]bool{}
	add := func(e dockerEndpoint) {
		if e.host != "" && seen[e.host] {
			return
		}
		seen[e.host] = true
		out = append(out, e)
	}
	if e, ok := contextEndpoint(); ok {
		add(e)
	}
	for _, p := range usualDockerSockets() {
		add(dockerEndpoint{host: "unix://" + p})
	}
	return out
}

// usualDockerSockets are where Docker Engine, rootless Docker and Docker Desktop put their
// sockets on Linux and macOS.
func usualDockerSockets() []string {
	if runtime.GOOS == "windows" {
		return nil // Docker Desktop there listens on a named pipe, which we cannot ping
	}
	socks := []string{"/var/run/docker.sock"}
	if xdg := os.Getenv("XDG_RUNTIME_DIR"); xdg != "" {
		socks = append(socks, filepath.Join(xdg, "docker.sock"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		socks = append(socks,
			filepath.Join(home, ".docker", "run", "docker.sock"),
			filepath.Join(home, ".docker", "desktop", "docker.sock"))
	}
	if uid := os.Getuid(); uid > 0 {
		socks = append(socks, fmt.Sprintf("/run/user/%d/docker.sock", uid))
	}
	return socks
}

// dockerConfigDir is the docker CLI's configuration directory.
func dockerConfigDir() (string, error) {
	if d := os.Getenv("DOCKER_CONFIG"); d != "" {
		return d, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".docker"), nil
}

// contextEndpoint returns the endpoint of the current docker context, if one other than
// "default" is chosen. Reading it costs two small files; no docker command runs.
func contextEndpoint() (dockerEndpoint, bool) {
	dir, err := dockerConfigDir()
	if err != nil {
		return dockerEndpoint{}, false
	}
	name := os.Getenv("DOCKER_CONTEXT")
	if name == "" {
		var cfg struct {
			CurrentContext string `json:"currentContext"`
		}
		data, err := os.ReadFile(filepath.Join(dir, "config.json"))
		if err != nil || json.Unmarshal(data, &cfg) != nil {
			return dockerEndpoint{}, false // no usable config: the CLI would use the default
		}
		name = cfg.CurrentContext
	}
	if name == "" || name == "default" {
		return dockerEndpoint{}, false
	}
	from := fmt.Sprintf("docker context %q", name)
	// The CLI keeps each context under the SHA-256 of its name.
	sum := sha256.Sum256([]byte(name))
	id := hex.EncodeToString(sum[:])
	metaPath := filepath.Join(dir, "contexts", "meta", id, "meta.json")
	var meta struct {
		Endpoints map[string]struct {
			Host          string `json:"Host"`
			SkipTLSVerify bool   `json:"SkipTLSVerify"`
		} `json:"Endpoints"`
	}
	data, err := os.ReadFile(metaPath)
	if err == nil {
		err = json.Unmarshal(data, &meta)
	}
	if err != nil {
		return dockerEndpoint{from: from, err: fmt.Errorf("cannot read %s: %w", metaPath, err)}, true
	}
	ep, ok := meta.Endpoints["docker"]
	if !ok || ep.Host == "" {
		return dockerEndpoint{from: from, err: fmt.Errorf("%s names no docker host", metaPath)}, true
	}
	e := dockerEndpoint{host: ep.Host, from: from}
	tlsDir := filepath.Join(dir, "contexts", "tls", id, "docker")
	if _, err := os.Stat(tlsDir); err == nil {
		e.tls, e.err = dockerTLSConfig(tlsDir, !ep.SkipTLSVerify)
	}
	return e, true
}

// envDockerTLS returns the TLS settings the docker CLI takes from the environment for
// host: $DOCKER_TLS_VERIFY (verify the engine's certificate) or $DOCKER_TLS (encrypt
// only), with the certificates in $DOCKER_CERT_PATH (default ~/.docker). It returns nil
// for plain connections.
func envDockerTLS(host string) (*tls.Config, error) {
	if !strings.HasPrefix(host, "tcp://") {
		return nil, nil
	}
	verify := os.Getenv("DOCKER_TLS_VERIFY") != ""
	if !verify && os.Getenv("DOCKER_TLS") == "" {
		return nil, nil
	}
	dir := os.Getenv("DOCKER_CERT_PATH")
	if dir == "" {
		var err error
		if dir, err = dockerConfigDir(); err != nil {
			return nil, fmt.Errorf("locate Docker TLS certificates: %w", err)
		}
	}
	return dockerTLSConfig(dir, verify)
}

// dockerTLSConfig loads ca.pem, cert.pem and key.pem from dir, each if present, as the
// docker CLI does.
func dockerTLSConfig(dir string, verify bool) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: !verify}
	if ca, err := os.ReadFile(filepath.Join(dir, "ca.pem")); err == nil {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(ca) {
			return nil, fmt.Errorf("no certificate in %s", filepath.Join(dir, "ca.pem"))
		}
		cfg.RootCAs = pool
	}
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if _, err := os.Stat(certFile); err == nil {
		pair, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("load Docker client certificate from %s: %w", dir, err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}

// pingDocker asks the engine at e for GET /_ping, which every Docker-compatible engine
// answers with 200 "OK" without authentication.
func pingDocker(ctx context.Context, e dockerEndpoint) error {
	u, err := url.Parse(e.host)
	if err != nil || u.Scheme == "" {
		return fmt.Errorf("not a Docker host URL such as unix:///var/run/docker.sock")
	}
	var dial func(ctx context.Context, network, addr string) (net.Conn, error)
	base := "http://docker" // the host name is not used on a unix socket
	var d net.Dialer
	switch u.Scheme {
	case "unix":
		path := u.Path
		if path == "" {
			path = u.Opaque
		}
		// Stat first: "no such file" says more than a failed dial.
		if _, err := os.Stat(path); err != nil {
			return err
		}
		dial = func(ctx context.Context, _, _ string) (net.Conn, error) {
			return d.DialContext(ctx, "unix", path)
		}
	case "tcp":
		if u.Host == "" {
			return fmt.Errorf("no address in %s", e.host)
		}
		dial = d.DialContext
		base = "http://" + u.Host
		if e.tls != nil {
			base = "https://" + u.Host
		}
	case "ssh":
		return errors.New("ssh hosts cannot be checked here, and testcontainers-go does not reach them either; " +
			"forward the engine's socket and name it in DOCKER_HOST")
	case "npipe":
		return errors.New("named pipes are not supported here")
	default:
		return fmt.Errorf("unsupported scheme %q", u.Scheme)
	}

	ctx, cancel := context.WithTimeout(ctx, dockerPingTimeout)
	defer cancel()
	tr := &http.Transport{DialContext: dial, TLSClientConfig: e.tls, DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/_ping", nil)
	if err != nil {
		return err
	}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return fmt.Errorf("no answer within %s", dockerPingTimeout)
		}
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("/_ping answered %s", resp.Status)
	}
	if strings.TrimSpace(string(body)) != "OK" {
		return fmt.Errorf("/_ping answered %q, not as a Docker engine does", body)
	}
	return nil
}

// dockerReason turns a ping error into a short reason, with a hint where the usual cause
// is known.
func dockerReason(err error) string {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err // drop `Get "http://docker/_ping":`, which says nothing here
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "no such file"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied: add your user to the docker group, or use rootless Docker"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused: the engine is not running"
	}
	return err.Error()
}
