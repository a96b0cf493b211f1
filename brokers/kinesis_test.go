package brokers

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestKinesisResolve(t *testing.T) {
	t.Setenv(EnvCacheDir, "/cache")
	t.Setenv(EnvStateDir, "")
	c, err := KinesisOptions{Engine: EngineKinesisMock}.resolve()
	if err != nil {
		t.Fatal(err)
	}
	if c.port != 4568 || c.tlsPort != 4567 || c.startTimeout != 30*time.Second ||
		c.cacheDir != "/cache" || c.stateDir != "/cache/state" || c.versionDir() != "/cache/kinesis-local-0.6.2" ||
		c.script() != "/cache/kinesis-local-0.6.2/node_modules/kinesis-local/main.js" ||
		c.certPath() != "/cache/kinesis-local-0.6.2/node_modules/kinesis-local/server.json" {
		t.Errorf("defaults = %+v", c)
	}
	t.Setenv(EnvStateDir, "/state")
	if c, _ := (KinesisOptions{Engine: EngineKinesisMock}).resolve(); c.stateDir != "/state" {
		t.Errorf("state dir with %s set = %q", EnvStateDir, c.stateDir)
	}
	if c, _ := (KinesisOptions{Engine: EngineKinesisMock, Port: 24568}).resolve(); c.port != 24568 || c.tlsPort != 24567 {
		t.Errorf("ports from Port 24568 = %d, %d; want TLS on the port below", c.port, c.tlsPort)
	}
	if c, _ := (KinesisOptions{Engine: EngineKinesisMock, Port: 24568, TLSPort: 30000}).resolve(); c.tlsPort != 30000 {
		t.Errorf("explicit TLS port = %d", c.tlsPort)
	}
	if _, err := (KinesisOptions{Engine: EngineKinesisMock, Port: 1, FreePorts: true}).resolve(); err != nil {
		t.Errorf("ports are not checked with FreePorts: %v", err)
	}

	bad := []struct {
		name string
		o    KinesisOptions
		want string
	}{
		{"port range", KinesisOptions{Engine: EngineKinesisMock, Port: 70000}, "kinesis HTTP port 70000 out of range"},
		{"no port below", KinesisOptions{Engine: EngineKinesisMock, Port: 1}, "kinesis HTTPS port 0 out of range"},
		{"same ports", KinesisOptions{Engine: EngineKinesisMock, Port: 9000, TLSPort: 9000}, "both 9000"},
		{"timeout", KinesisOptions{Engine: EngineKinesisMock, StartTimeout: -time.Second}, "kinesis start timeout -1s is negative"},
	}
	for _, tt := range bad {
		_, err := tt.o.resolve()
		errMentions(t, tt.name, err, tt.want)
	}
}

func TestKinesisChoosePortsTaken(t *testing.T) {
	// kinesis-mock binds all interfaces, so a port held on any of them, loopback included,
	// is taken.
	for _, host := range []string{"", "127.0.0.1"} {
		l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			t.Fatal(err)
		}
		taken := l.Addr().(*net.TCPAddr).Port
		c, err := KinesisOptions{Engine: EngineKinesisMock, Port: taken, TLSPort: 1, CacheDir: t.TempDir()}.resolve()
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = c.choosePorts()
		l.Close()
		want := "kinesis HTTP port " + strconv.Itoa(taken) + " on all interfaces is already in use"
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("port %d taken on %q: err = %v, want it to say %q", taken, host, err, want)
		}
	}

	c, err := KinesisOptions{Engine: EngineKinesisMock, FreePorts: true, CacheDir: t.TempDir()}.resolve()
	if err != nil {
		t.Fatal(err)
	}
	p, tp, err := c.choosePorts()
	if err != nil || p == tp || p == 0 || tp == 0 {
		t.Errorf("free ports = %d, %d, %v", p, tp, err)
	}
}

func TestKinesisEnv(t *testing.T) {
	base := []string{"PATH=/usr/bin", "AWS_REGION=eu-west-1", "INITIALIZE_STREAMS=theirs:2",
		"SHOULD_PERSIST_DATA=true", "LOG_LEVEL=DEBUG", "KINESIS_MOCK_PLAIN_PORT=1", "HOME=/home/x"}
	env := kinesisEnv(base, 24568, 24567, "/c/server.json")
	got := map[string][]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		got[k] = append(got[k], v)
	}
	want := map[string]string{
		"PATH": "/usr/bin", "HOME": "/home/x", "AWS_REGION": "eu-west-1",
		"KINESIS_MOCK_PLAIN_PORT": "24568", "KINESIS_MOCK_TLS_PORT": "24567",
		"KINESIS_MOCK_CERT_PATH": "/c/server.json", "LOG_LEVEL": "WARN",
		"SHOULD_PERSIST_DATA": "false", "LOAD_DATA_IF_EXISTS": "false",
	}
	for k, v := range want {
		if !slices.Equal(got[k], []string{v}) {
			t.Errorf("%s = %q, want exactly %q", k, got[k], v)
		}
	}
	// An empty INITIALIZE_STREAMS is a configuration error for kinesis-mock: it must be
	// absent, not blank.
	if v, ok := got["INITIALIZE_STREAMS"]; ok {
		t.Errorf("INITIALIZE_STREAMS passed on: %q", v)
	}
	if len(base) != 7 || base[2] != "INITIALIZE_STREAMS=theirs:2" {
		t.Errorf("kinesisEnv changed its input: %q", base)
	}
}

func TestNodeMajor(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"v20.20.2\n", 20, true},
		{"v18.0.0", 18, true},
		{"v8.17.0", 8, true},
		{"v22", 22, true},
		{"20.1.0", 0, false},
		{"vx.1", 0, false},
		{"", 0, false},
		{"v0.12.18", 0, false},
	}
	for _, tt := range tests {
		got, ok := nodeMajor(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("nodeMajor(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// fakeNode stands in for node: it prints $FAKE_NODE_VERSION (or v20.11.1) for --version,
// and otherwise runs $FAKE_KINESIS in place of kinesis-mock.
const fakeNode = `case "$1" in --version) echo "${FAKE_NODE_VERSION:-v20.11.1}"; exit 0 ;; esac
eval "$FAKE_KINESIS"`

// fakeNpm stands in for npm: it records each run in $FAKE_NPM_RUNS, checks that it is asked
// to install the pinned package into the directory it runs in, and lays out the files the
// real package has.
const fakeNpm = `echo run >> "$FAKE_NPM_RUNS"
case "$*" in
"install --prefix $PWD "*" kinesis-local@0.6.2") ;;
*) echo "fake npm: unexpected arguments: $*"; exit 1 ;;
esac
grep -q '"kinesis-local": "0.6.2"' package.json || { echo "no pinned package.json in $PWD"; exit 1; }
d=node_modules/kinesis-local
mkdir -p $d && echo '{"name": "kinesis-local", "version": "0.6.2"}' > $d/package.json
touch $d/main.js $d/server.json`

func TestLookNode(t *testing.T) {
	tests := []struct {
		version string
		want    string // in the error; empty for none
	}{
		{"v20.11.1", ""},
		{"v18.0.0", ""},
		{"v16.20.2", "is Node.js v16.20.2: kinesis-mock needs Node.js 18 or later"},
		{"something else", `printed "something else", not a Node.js version`},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			t.Setenv("FAKE_NODE_VERSION", tt.version)
			t.Setenv("PATH", pathWith(t, map[string]string{"node": fakeNode}))
			_, err := lookNode(t.Context())
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "apt-get install nodejs npm") {
				t.Errorf("err = %v, want it to say %q and what to install", err, tt.want)
			}
		})
	}
}

func TestMissingNodeTools(t *testing.T) {
	tests := []struct {
		name  string
		tools map[string]string
		want  []string
	}{
		{"no node", nil, []string{"node not found on PATH", "Node.js 18 or later (node and npm on PATH)",
			"apt-get install nodejs npm"}},
		{"no npm", map[string]string{"node": fakeNode}, []string{"npm not found on PATH",
			"kinesis-local@0.6.2", "apt-get install nodejs npm"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("PATH", pathWith(t, tt.tools))
			o := KinesisOptions{Engine: EngineKinesisMock, CacheDir: t.TempDir(), StateDir: t.TempDir(), FreePorts: true}
			_, ensureErr := EnsureKinesisMock(t.Context(), o)
			_, startErr := StartKinesis(t.Context(), o)
			_, _, upErr := UpKinesis(t.Context(), o)
			errMentions(t, "EnsureKinesisMock", ensureErr, tt.want...)
			errMentions(t, "StartKinesis", startErr, tt.want...)
			errMentions(t, "UpKinesis", upErr, tt.want...)
			if _, err := os.Stat(filepath.Join(o.StateDir, "kinesis.json")); !os.IsNotExist(err) {
				t.Errorf("failed UpKinesis left a state file (%v)", err)
			}
		})
	}
}

func TestEnsureKinesisMockCaches(t *testing.T) {
	npmRuns := toolRuns(t, "FAKE_NPM_RUNS")
	t.Setenv("PATH", pathWith(t, map[string]string{"node": fakeNode, "npm": fakeNpm}))
	o := KinesisOptions{Engine: EngineKinesisMock, CacheDir: t.TempDir()}

	script, err := EnsureKinesisMock(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(o.CacheDir, "kinesis-local-0.6.2", "node_modules", "kinesis-local", "main.js")
	if script != want || npmRuns() != 1 {
		t.Fatalf("script = %q after %d npm runs; want %q after 1", script, npmRuns(), want)
	}

	// Installed: npm is not needed any more.
	t.Setenv("PATH", pathWith(t, map[string]string{"node": fakeNode}))
	if _, err := EnsureKinesisMock(t.Context(), o); err != nil {
		t.Fatalf("second EnsureKinesisMock without npm: %v", err)
	}

	// Another version where ours should be is replaced.
	t.Setenv("PATH", pathWith(t, map[string]string{"node": fakeNode, "npm": fakeNpm}))
	pkg := filepath.Join(filepath.Dir(script), "package.json")
	os.WriteFile(pkg, []byte(`{"name": "kinesis-local", "version": "0.5.0"}`), 0o644)
	if _, err := EnsureKinesisMock(t.Context(), o); err != nil || npmRuns() != 2 {
		t.Fatalf("after a version change: err %v, %d npm runs; want a reinstall", err, npmRuns())
	}
	// So is one that lost a file.
	os.Remove(filepath.Join(filepath.Dir(script), "server.json"))
	if _, err := EnsureKinesisMock(t.Context(), o); err != nil || npmRuns() != 3 {
		t.Fatalf("after losing server.json: err %v, %d npm runs; want a reinstall", err, npmRuns())
	}
	assertNoFetchLeftovers(t, o.CacheDir)
}

func TestEnsureKinesisMockFailure(t *testing.T) {
	tests := []struct {
		name string
		npm  string
		want string
	}{
		{"npm fails", `echo "npm error code E404"; echo "npm error 404 Not Found - kinesis-local"; exit 1`,
			"npm error 404 Not Found - kinesis-local"},
		{"npm installs something else", `mkdir -p node_modules/kinesis-local
echo '{"name": "kinesis-local", "version": "9.9.9"}' > node_modules/kinesis-local/package.json`,
			`npm succeeded but kinesis-mock not in cache: ` /* then the path */},
		{"npm installs nothing", `true`, "no kinesis-local package in"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("PATH", pathWith(t, map[string]string{"node": fakeNode, "npm": tt.npm}))
			o := KinesisOptions{Engine: EngineKinesisMock, CacheDir: t.TempDir()}
			_, err := EnsureKinesisMock(t.Context(), o)
			errMentions(t, "EnsureKinesisMock", err, tt.want)
			assertInstallFailed(t, o.CacheDir, "kinesis-local-0.6.2")
		})
	}
}

func TestPingKinesis(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   string // in the error; empty for none
	}{
		{"lists streams", 200, `{"HasMoreStreams":false,"StreamNames":[]}`, ""},
		{"unsigned", 400, `{"__type":"MissingAuthenticationTokenException"}`, "answered HTTP 400: {\"__type\":\"MissingAuthenticationTokenException\"}"},
		{"not the Kinesis API", 200, `<html>hello</html>`, "answered HTTP 200: <html>"},
		{"JSON without streams", 200, `{}`, "answered HTTP 200: {}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				auth := r.Header.Get("Authorization")
				if r.Method != http.MethodPost || r.Header.Get("X-Amz-Target") != "Kinesis_20131202.ListStreams" ||
					r.Header.Get("Content-Type") != "application/x-amz-json-1.1" || r.Header.Get("X-Amz-Date") == "" ||
					!strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=") || !strings.Contains(auth, "Signature=") {
					t.Errorf("request %s %s with headers %v", r.Method, r.URL, r.Header)
				}
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			err := pingKinesis(t.Context(), srv.URL)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	l.Close() // nothing listens there now
	if err := pingKinesis(t.Context(), "http://"+l.Addr().String()); err == nil {
		t.Error("ping of a closed port succeeded")
	}
}

func TestIsKinesisProcess(t *testing.T) {
	const script = "/x/node_modules/kinesis-local/main.js"
	dir, other := t.TempDir(), t.TempDir()
	if isKinesisProcess(KinesisState{PID: os.Getpid(), Script: script, DataDir: dir}) {
		t.Error("the test binary taken for kinesis-mock")
	}
	if isKinesisProcess(KinesisState{PID: deadPID(t), Script: script, DataDir: dir}) {
		t.Error("a dead pid taken for kinesis-mock")
	}
	if runtime.GOOS != "linux" {
		return
	}
	// A process whose arguments and working directory look like ours.
	cmd := exec.Command("sh", "-c", "sleep 30; true", script)
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	st := KinesisState{PID: cmd.Process.Pid, Script: script, DataDir: dir}
	// Until the forked child has called exec, its command line is still ours.
	waitFor(t, "process running the script in the data directory not recognised", func() bool {
		return isKinesisProcess(st)
	})
	// Through a symbolic link to the directory: still the same directory.
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	if st := (KinesisState{PID: cmd.Process.Pid, Script: script, DataDir: link}); !isKinesisProcess(st) {
		t.Error("data directory named through a symbolic link not recognised")
	}
	for name, st := range map[string]KinesisState{
		"other data directory": {PID: cmd.Process.Pid, Script: script, DataDir: other},
		"other script":         {PID: cmd.Process.Pid, Script: "/y/main.js", DataDir: dir},
		"no data directory":    {PID: cmd.Process.Pid, Script: script},
	} {
		if isKinesisProcess(st) {
			t.Errorf("%s: taken for ours", name)
		}
	}
}

func TestStartKinesisFailures(t *testing.T) {
	tests := []struct {
		name    string
		kinesis string
		want    []string
	}{
		{"node dies", `echo "fake kinesis-mock: ports $KINESIS_MOCK_PLAIN_PORT/$KINESIS_MOCK_TLS_PORT" \
"cert=$KINESIS_MOCK_CERT_PATH log=$LOG_LEVEL init=${INITIALIZE_STREAMS-unset} cwd=${PWD#"${PWD%/*/*}/"}"; exit 3`,
			[]string{"node exited before the broker answered (exit status 3)", "fake kinesis-mock: ports ",
				// In a data directory of its own, under <state>/run.
				"/kinesis-local-0.6.2/node_modules/kinesis-local/server.json log=WARN init=unset cwd=run/kinesis-",
				"last lines of the broker log", "full broker log: "}},
		{"never answers", `echo "fake kinesis-mock hanging"; sleep 60`,
			[]string{"no answer within 1s", "fake kinesis-mock hanging"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("FAKE_NPM_RUNS", filepath.Join(t.TempDir(), "runs"))
			t.Setenv("FAKE_KINESIS", tt.kinesis)
			t.Setenv("INITIALIZE_STREAMS", "not-for-us:1")
			t.Setenv("PATH", pathWith(t, map[string]string{"node": fakeNode, "npm": fakeNpm}))
			o := KinesisOptions{Engine: EngineKinesisMock, CacheDir: t.TempDir(), StateDir: t.TempDir(), FreePorts: true, StartTimeout: time.Second}
			k, err := StartKinesis(t.Context(), o)
			if err == nil {
				k.Stop(t.Context())
				t.Fatal("StartKinesis succeeded against a fake kinesis-mock")
			}
			errMentions(t, "StartKinesis", err, tt.want...)
			t.Log(err)
			assertStartFailed(t, o.CacheDir, o.StateDir, "kinesis", "fake kinesis-mock")
		})
	}
}

// TestCargoProgress checks the first build's progress line, from cargo's output arriving
// in pieces that cut lines anywhere.
func TestCargoProgress(t *testing.T) {
	p := &cargoProgress{}
	if got := p.String(); got != "fetching sources" {
		t.Errorf("before any crate: %q", got)
	}
	out := "    Updating crates.io index\n   Compiling proc-macro2 v1.0.106\n   Compil" +
		"ing quote v1.0.45\nwarning: x\n   Compiling ferrokinesis v0.7.0\n"
	for i := 0; i < len(out); i += 7 {
		p.Write([]byte(out[i:min(i+7, len(out))]))
	}
	if got, want := p.String(), "3 crates compiled (last ferrokinesis v0.7.0)"; got != want {
		t.Errorf("progress %q, want %q", got, want)
	}
}

// TestKinesisEngineChoice checks which engine each setting picks, and that an unknown one
// is refused naming where it came from.
func TestKinesisEngineChoice(t *testing.T) {
	cache := t.TempDir()
	t.Setenv(EnvKinesisEngine, "")
	t.Setenv("PATH", t.TempDir()) // no cargo, no npm
	t.Setenv("HOME", t.TempDir()) // no ~/.cargo/bin/cargo either
	for _, tc := range []struct {
		asked, env, want, why string
	}{
		{EngineKinesisMock, EngineFerrokinesis, EngineKinesisMock, "asked for"},
		{"", EngineKinesisMock, EngineKinesisMock, "$" + EnvKinesisEngine},
		{"", "", EngineKinesisMock, "cargo not found on PATH nor in ~/.cargo/bin"},
	} {
		t.Setenv(EnvKinesisEngine, tc.env)
		got, why, err := KinesisEngineChoice(tc.asked, cache)
		if err != nil || got != tc.want || !strings.Contains(why, tc.why) {
			t.Errorf("asked %q, $%s=%q: %q (%s), %v; want %q because %q", tc.asked, EnvKinesisEngine, tc.env, got, why, err, tc.want, tc.why)
		}
	}
	// Built in the cache, ferrokinesis is the default even without cargo.
	t.Setenv(EnvKinesisEngine, "")
	root := ferroVersionDir(cache)
	if err := os.MkdirAll(filepath.Join(root, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, ".crates.toml"), []byte("[v1]\n\"ferrokinesis "+FerrokinesisVersion+" (registry+x)\" = [\"ferrokinesis\"]\n"), 0o644)
	os.WriteFile(ferroBinary(root), []byte("#!/bin/sh\n"), 0o755)
	if got, why, err := KinesisEngineChoice("", cache); got != EngineFerrokinesis || err != nil {
		t.Errorf("built in the cache: %q (%s), %v", got, why, err)
	}
	for _, bad := range []struct{ asked, env, want string }{
		{"kinesalite", "", `unknown Kinesis engine "kinesalite"`},
		{"", "kinesalite", `$BENCH_KINESIS_ENGINE: unknown Kinesis engine "kinesalite"`},
	} {
		t.Setenv(EnvKinesisEngine, bad.env)
		if _, _, err := KinesisEngineChoice(bad.asked, cache); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("asked %q, env %q: %v, want %q", bad.asked, bad.env, err, bad.want)
		}
	}
}
