package brokers

import (
	"bufio"
	"context"
	"encoding/base64"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// parseProperties reads the simple key=value lines serverProperties writes.
func parseProperties(t *testing.T, s string) map[string]string {
	t.Helper()
	m := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("line without '=': %q", line)
		}
		if _, dup := m[k]; dup {
			t.Fatalf("duplicate key %q", k)
		}
		m[k] = v
	}
	return m
}

func TestServerProperties(t *testing.T) {
	sec := kafkaSecurity{keystore: "/data/security/broker.p12", storePass: "store-secret", password: "user-secret"}
	got, err := serverProperties(KafkaPorts{19092, 19093, 19094, 19095, 19096, 19097}, "/data/kraft-logs", sec)
	if err != nil {
		t.Fatal(err)
	}
	props := parseProperties(t, got)
	const listeners = "PLAINTEXT://127.0.0.1:19092,SSL://127.0.0.1:19094,SASL_SSL://127.0.0.1:19095,FAULTS://127.0.0.1:19096,CONTROLLER://127.0.0.1:19093"
	// FAULTS advertises the fault proxy, so that clients bootstrapped through it stay on it.
	const advertised = "PLAINTEXT://127.0.0.1:19092,SSL://127.0.0.1:19094,SASL_SSL://127.0.0.1:19095,FAULTS://127.0.0.1:19097,CONTROLLER://127.0.0.1:19093"
	want := map[string]string{
		"process.roles":                                 "broker,controller",
		"node.id":                                       "1",
		"controller.quorum.bootstrap.servers":           "127.0.0.1:19093",
		"listeners":                                     listeners,
		"advertised.listeners":                          advertised,
		"controller.listener.names":                     "CONTROLLER",
		"inter.broker.listener.name":                    "PLAINTEXT",
		"listener.security.protocol.map":                "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL,FAULTS:PLAINTEXT",
		"ssl.keystore.location":                         "/data/security/broker.p12",
		"ssl.keystore.password":                         "store-secret",
		"sasl.enabled.mechanisms":                       "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512",
		"listener.name.sasl_ssl.plain.sasl.jaas.config": `org.apache.kafka.common.security.plain.PlainLoginModule required user_bench="user-secret";`,
		"log.dirs":                                      "/data/kraft-logs",
		"offsets.topic.replication.factor":              "1",
		"transaction.state.log.replication.factor":      "1",
		"transaction.state.log.min.isr":                 "1",
		"group.initial.rebalance.delay.ms":              "0",
	}
	for k, v := range want {
		if props[k] != v {
			t.Errorf("%s = %q, want %q", k, props[k], v)
		}
	}
	// format --standalone refuses a static voter list.
	if _, ok := props["controller.quorum.voters"]; ok {
		t.Error("controller.quorum.voters set; format --standalone needs it absent")
	}

	if _, err := serverProperties(KafkaPorts{1, 2, 3, 4, 5, 6}, "/tmp/a\nb", sec); err == nil {
		t.Error("log dir with a newline accepted")
	}
}

func TestEscapeProperty(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/plain/path", "/plain/path"},
		{`C:\data`, `C:\\data`},
		{" lead", `\ lead`},
		{"in side", "in side"},
		{"/home/zoë", `/home/zo\u00eb`},
		{"/tmp/😀", `/tmp/\ud83d\ude00`},
		{"a=b:c", "a=b:c"},
	}
	for _, tt := range tests {
		if got := escapeProperty(tt.in); got != tt.want {
			t.Errorf("escapeProperty(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNewClusterID(t *testing.T) {
	for range 200 {
		id, err := newClusterID()
		if err != nil {
			t.Fatal(err)
		}
		raw, err := base64.RawURLEncoding.DecodeString(id)
		if err != nil || len(raw) != 16 {
			t.Fatalf("cluster id %q: %d bytes, %v", id, len(raw), err)
		}
		if id[0] == '-' {
			t.Fatalf("cluster id %q starts with '-'", id)
		}
	}
}

func TestResolve(t *testing.T) {
	t.Setenv(EnvCacheDir, "/cache")
	t.Setenv(EnvStateDir, "")
	c, err := KafkaOptions{}.resolve()
	if err != nil {
		t.Fatal(err)
	}
	if c.version != "4.1.2" || c.ports != (KafkaPorts{9092, 9093, 9094, 9095, 9096, 9097}) || c.heapMB != 1024 ||
		c.startTimeout != 90*time.Second || c.cacheDir != "/cache" || c.stateDir != "/cache/state" ||
		c.versionDir() != "/cache/kafka-4.1.2" {
		t.Errorf("defaults = %+v", c)
	}
	t.Setenv(EnvStateDir, "/state")
	if c, _ := (KafkaOptions{}).resolve(); c.stateDir != "/state" {
		t.Errorf("state dir with %s set = %q", EnvStateDir, c.stateDir)
	}
	if c, _ := (KafkaOptions{CacheDir: "/x", StateDir: "/y"}).resolve(); c.cacheDir != "/x" || c.stateDir != "/y" {
		t.Errorf("explicit dirs = %q, %q", c.cacheDir, c.stateDir)
	}

	bad := []struct {
		name string
		o    KafkaOptions
		want string
	}{
		{"version", KafkaOptions{Version: "3.9.0"}, `version "3.9.0" is not supported`},
		{"heap too big", KafkaOptions{HeapMB: 4096}, "heap 4096 MiB"},
		{"heap too small", KafkaOptions{HeapMB: 64}, "heap 64 MiB"},
		{"port range", KafkaOptions{Ports: KafkaPorts{Plain: 70000}}, "port 70000"},
		{"same ports", KafkaOptions{Ports: KafkaPorts{Plain: 9000, Controller: 9000}}, "both 9000"},
		{"tls port is the default sasl port", KafkaOptions{Ports: KafkaPorts{TLS: 9095}}, "TLS listener port and SASL_SSL listener port are both 9095"},
		{"timeout", KafkaOptions{StartTimeout: -time.Second}, "negative"},
	}
	for _, tt := range bad {
		_, err := tt.o.resolve()
		errMentions(t, tt.name, err, tt.want)
	}
}

// TestKafkaPortsLayout checks where each way of naming a port puts the six: the defaults,
// $BENCH_KAFKA_PORT, and a port named outright, which the variable does not move.
func TestKafkaPortsLayout(t *testing.T) {
	t.Setenv(EnvCacheDir, t.TempDir())
	tests := []struct {
		name, env string
		ports     KafkaPorts
		want      KafkaPorts
	}{
		{"defaults", "", KafkaPorts{}, KafkaPorts{9092, 9093, 9094, 9095, 9096, 9097}},
		{"variable", "19092", KafkaPorts{}, KafkaPorts{19092, 19093, 19094, 19095, 19096, 19097}},
		{"variable, one named", "19092", KafkaPorts{Proxy: 30000}, KafkaPorts{19092, 19093, 19094, 19095, 19096, 30000}},
		{"listener named", "19092", KafkaPorts{Plain: 29092}, KafkaPorts{29092, 9093, 9094, 9095, 9096, 9097}},
		{"laid out", "", KafkaPortsFrom(29092), KafkaPorts{29092, 29093, 29094, 29095, 29096, 29097}},
	}
	for _, tt := range tests {
		t.Setenv(EnvKafkaPort, tt.env)
		c, err := KafkaOptions{Ports: tt.ports, FreePorts: true}.resolve()
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if c.ports != tt.want {
			t.Errorf("%s: ports %+v, want %+v", tt.name, c.ports, tt.want)
		}
	}
}

func TestChoosePortsTaken(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	taken := l.Addr().(*net.TCPAddr).Port
	free, err := freePorts("127.0.0.1", 3)
	if err != nil {
		t.Fatal(err)
	}
	c, err := KafkaOptions{Ports: KafkaPorts{Plain: taken, Controller: free[0], TLS: free[1], SASL: free[2]}, CacheDir: t.TempDir()}.resolve()
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.choosePorts()
	if err == nil || !strings.Contains(err.Error(), "port "+strconv.Itoa(taken)+" ") {
		t.Errorf("choosePorts with %d taken: err = %v, want it to name the port", taken, err)
	}

	c.freePorts = true
	p, err := c.choosePorts()
	seen := map[int]bool{}
	for _, n := range []int{p.Plain, p.Controller, p.TLS, p.SASL} {
		if n == 0 || seen[n] {
			t.Errorf("free ports = %+v: zero or repeated", p)
		}
		seen[n] = true
	}
	if err != nil {
		t.Errorf("free ports: %v", err)
	}
}

func TestStateRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kafka.json")
	if _, ok, err := readState[KafkaState](path, "kafka"); ok || err != nil {
		t.Fatalf("missing state file: ok %v, err %v", ok, err)
	}
	want := KafkaState{
		Product: KafkaProduct, Version: KafkaVersion, Address: "127.0.0.1:9092",
		Port: 9092, ControllerPort: 9093, PID: 4242, HeapMB: 1024,
		DataDir: "/s/kafka", ConfigPath: "/s/kafka/server.properties", LogPath: "/s/kafka/kafka.log",
		StartedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
	}
	if err := writeState(path, "kafka", want); err != nil {
		t.Fatal(err)
	}
	got, ok, err := readState[KafkaState](path, "kafka")
	if err != nil || !ok || got != want {
		t.Fatalf("readState = %+v, %v, %v; want %+v", got, ok, err, want)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".kafka-state-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}

	for _, bad := range []string{"{not json", `{"address":"127.0.0.1:9092"}`} {
		os.WriteFile(path, []byte(bad), 0o644)
		if _, _, err := readState[KafkaState](path, "kafka"); err == nil {
			t.Errorf("readState(%q) succeeded", bad)
		}
	}
}

func TestMissingTools(t *testing.T) {
	tests := []struct {
		name  string
		tools map[string]string
		want  []string
	}{
		{"no java", nil, []string{"java not found on PATH", "OpenJDK 17", "openjdk-17-jre-headless"}},
		{"no mvn", map[string]string{"java": ""}, []string{"mvn not found on PATH", "apt-get install maven"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("PATH", pathWith(t, tt.tools))
			o := KafkaOptions{CacheDir: t.TempDir(), StateDir: t.TempDir()}
			_, jarsErr := EnsureKafkaJars(t.Context(), o)
			_, startErr := StartKafka(t.Context(), o)
			errMentions(t, "EnsureKafkaJars", jarsErr, tt.want...)
			errMentions(t, "StartKafka", startErr, tt.want...)
		})
	}
}

// fakeMaven is a stand-in for mvn that records each run in $FAKE_MVN_RUNS and creates the
// jars copy-dependencies would.
const fakeMaven = `echo run >> "$FAKE_MVN_RUNS"
test -f pom.xml || { echo "no pom.xml in $(pwd)"; exit 1; }
mkdir -p libs && touch libs/kafka_2.13-4.1.2.jar libs/kafka-clients-4.1.2.jar`

func TestFetchJarsCaches(t *testing.T) {
	mvnRuns := toolRuns(t, "FAKE_MVN_RUNS")
	t.Setenv("PATH", pathWith(t, map[string]string{"java": "", "mvn": fakeMaven}))
	o := KafkaOptions{CacheDir: t.TempDir()}

	jars, err := EnsureKafkaJars(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(jars) != 2 || mvnRuns() != 1 {
		t.Fatalf("jars = %v after %d mvn runs; want 2 jars, 1 run", jars, mvnRuns())
	}
	verDir := filepath.Join(o.CacheDir, "kafka-4.1.2")
	if b, err := os.ReadFile(filepath.Join(verDir, pomFile)); err != nil || string(b) != string(kafkaPOM) {
		t.Errorf("pom.xml in cache: %v", err)
	}

	// Cached: Maven is not needed any more.
	t.Setenv("PATH", pathWith(t, map[string]string{"java": ""}))
	if _, err := EnsureKafkaJars(t.Context(), o); err != nil {
		t.Fatalf("second EnsureKafkaJars without mvn: %v", err)
	}

	// A cache fetched from another POM is refetched.
	t.Setenv("PATH", pathWith(t, map[string]string{"java": "", "mvn": fakeMaven}))
	os.WriteFile(filepath.Join(verDir, markerFile), []byte("old digest\n"), 0o644)
	if _, err := EnsureKafkaJars(t.Context(), o); err != nil || mvnRuns() != 2 {
		t.Fatalf("after POM change: err %v, %d mvn runs; want a refetch", err, mvnRuns())
	}
	assertNoFetchLeftovers(t, o.CacheDir)
}

func TestFetchJarsFailure(t *testing.T) {
	tests := []struct {
		name string
		mvn  string
		want string
	}{
		{"mvn fails", `echo "[ERROR] Could not resolve dependencies for project streambench"; echo "[ERROR] the tail line"; exit 1`,
			"[ERROR] the tail line"},
		{"mvn copies nothing", `mkdir -p libs; touch libs/partial.jar`, "has no kafka_2.13-4.1.2.jar"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("PATH", pathWith(t, map[string]string{"java": "", "mvn": tt.mvn}))
			o := KafkaOptions{CacheDir: t.TempDir()}
			_, err := EnsureKafkaJars(t.Context(), o)
			errMentions(t, "EnsureKafkaJars", err, tt.want)
			assertInstallFailed(t, o.CacheDir, "kafka-4.1.2")
		})
	}
}

func TestCachedJarsIncomplete(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, libsDir), 0o755)
	os.WriteFile(filepath.Join(dir, libsDir, "kafka_2.13-4.1.2.jar"), nil, 0o644)
	if _, err := cachedJars(dir, "4.1.2"); err == nil {
		t.Error("jars without the completion marker taken as cached")
	}
	os.WriteFile(filepath.Join(dir, markerFile), []byte(pomDigest()), 0o644)
	if _, err := cachedJars(dir, "4.1.2"); err != nil {
		t.Errorf("complete cache rejected: %v", err)
	}
	os.Remove(filepath.Join(dir, libsDir, "kafka_2.13-4.1.2.jar"))
	if _, err := cachedJars(dir, "4.1.2"); err == nil {
		t.Error("cache without kafka_2.13 jar accepted")
	}
}

func TestChildStop(t *testing.T) {
	tests := []struct {
		name       string
		script     string
		wantKilled bool
	}{
		{"exits on SIGTERM", "sleep 60 & echo $!; wait", false},
		// Ignored signals stay ignored across exec, so the grandchild ignores TERM too.
		{"ignores SIGTERM", "trap '' TERM; sleep 60 & echo $!; wait; wait", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command("sh", "-c", tt.script)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			c, err := startChild(cmd, true)
			if err != nil {
				t.Fatal(err)
			}
			line, err := bufio.NewReader(out).ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			grandchild, _ := strconv.Atoi(strings.TrimSpace(line))
			killed, err := c.stop(t.Context(), 300*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			if killed != tt.wantKilled {
				t.Errorf("killed = %v, want %v", killed, tt.wantKilled)
			}
			if pidAlive(c.pid) {
				t.Errorf("child %d alive after stop", c.pid)
			}
			// The grandchild is reparented, then reaped by init or a subreaper: give it a moment.
			if !waitGone(context.Background(), grandchild, 2*time.Second) {
				syscallKill(grandchild)
				t.Errorf("grandchild %d in the same process group survived stop", grandchild)
			}
			if killed, err := c.stop(t.Context(), time.Second); killed || err != nil {
				t.Errorf("second stop = %v, %v", killed, err)
			}
		})
	}
}

func TestIsKafkaProcess(t *testing.T) {
	if isKafkaProcess(os.Getpid(), "/x/server.properties") {
		t.Error("the test binary taken for kafka.Kafka")
	}
	if isKafkaProcess(deadPID(t), "/x/server.properties") {
		t.Error("a dead pid taken for kafka.Kafka")
	}
	if runtime.GOOS != "linux" {
		return
	}
	// A process whose arguments look like ours.
	cmd := exec.Command("sh", "-c", "sleep 30; true", "kafka.Kafka", "/x/server.properties")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	// Until the forked child has called exec, its command line is still ours.
	waitFor(t, "process with kafka.Kafka and the config path not recognised", func() bool {
		return isKafkaProcess(cmd.Process.Pid, "/x/server.properties")
	})
	if isKafkaProcess(cmd.Process.Pid, "/other/server.properties") {
		t.Error("process with another config path taken for ours")
	}
}

func TestLastLines(t *testing.T) {
	in := "\x1b[1;31m[ERROR]\x1b[m one\n\n  two  \nthree\n"
	got := lastLines(in, 2)
	if strings.Join(got, "|") != "  two|three" {
		t.Errorf("lastLines = %q", got)
	}
	if got := lastLines(in, 10); got[0] != "[ERROR] one" {
		t.Errorf("ANSI not stripped: %q", got[0])
	}
	if OutputTail("  \n", 5) != "" {
		t.Error("blank output gives a non-empty tail")
	}
}

// fakeJava stands in for the JVM: the storage tool runs $FAKE_FORMAT, the broker $FAKE_BROKER.
const fakeJava = `case "$*" in
*kafka.tools.StorageTool*) eval "$FAKE_FORMAT"; exit $? ;;
esac
eval "$FAKE_BROKER"`

func TestStartKafkaFailures(t *testing.T) {
	tests := []struct {
		name    string
		keytool string
		format  string
		broker  string
		want    []string
	}{
		{"keytool fails", `echo "keytool error: fake keytool failure" >&2; exit 1`, "", "",
			[]string{"keytool -genkeypair", "TLS listener", "fake keytool failure"}},
		{"format fails", "", `echo "Exception in thread main: fake format failure" >&2; exit 1`, "",
			[]string{"format kafka storage", "exit status 1", "fake format failure"}},
		{"JVM dies", "", "", `echo "[ERROR] fake broker: cannot bind, giving up"; exit 3`,
			[]string{"java exited before the broker answered (exit status 3)", "fake broker: cannot bind, giving up",
				"last lines of the broker log", "full broker log: "}},
		{"never answers", "", "", `echo "fake broker hanging"; sleep 60`,
			[]string{"no answer within 1s", "fake broker hanging"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("FAKE_MVN_RUNS", filepath.Join(t.TempDir(), "runs"))
			t.Setenv("FAKE_KEYTOOL", tt.keytool)
			t.Setenv("FAKE_FORMAT", tt.format)
			t.Setenv("FAKE_BROKER", tt.broker)
			t.Setenv("PATH", pathWith(t, map[string]string{"java": fakeJava, "mvn": fakeMaven, "keytool": `eval "$FAKE_KEYTOOL"`}))
			o := KafkaOptions{CacheDir: t.TempDir(), StateDir: t.TempDir(), FreePorts: true, StartTimeout: time.Second}
			start := time.Now()
			k, err := StartKafka(t.Context(), o)
			if err == nil {
				k.Stop(t.Context())
				t.Fatal("StartKafka succeeded against a fake broker")
			}
			errMentions(t, "StartKafka", err, tt.want...)
			t.Log(err)
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("failure took %v", d)
			}
			logWant := ""
			if tt.broker != "" {
				logWant = "fake broker"
			}
			assertStartFailed(t, o.CacheDir, o.StateDir, "kafka", logWant)
		})
	}
}
