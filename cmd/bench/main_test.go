package main

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"streambench/brokers"
	"streambench/brokers/brokertest"
	"streambench/report"
)

func writeScenario(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "s.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func runBench(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = mainCode(args, &o, &e)
	return code, o.String(), e.String()
}

// mustRun runs bench and fails the test unless it exits 0.
func mustRun(t *testing.T, args ...string) (stdout, stderr string) {
	t.Helper()
	code, stdout, stderr := runBench(args...)
	if code != exitOK {
		t.Fatalf("bench %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, stdout, stderr)
	}
	return stdout, stderr
}

// onlyResult returns the one result file under dir.
func onlyResult(t *testing.T, dir string) (*report.Result, string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	if len(files) != 1 {
		t.Fatalf("want one result file under %s, found %v", dir, files)
	}
	r, err := report.Read(files[0])
	if err != nil {
		t.Fatal(err)
	}
	return r, files[0]
}

func TestRunKafka(t *testing.T) {
	addr := brokertest.Kafka(t)
	out := t.TempDir()
	sc := writeScenario(t, `
name: cli-kafka
targets: [kafka, loopback]
duration: 30s
topology: {partitions: 4}
workload: {rate: 1000, keys: round-robin, message_size: 100}
`)
	stdout, _ := mustRun(t, "run", sc, "--target", "kafka", "--duration", "3s", "--warmup", "1s",
		"--out", out, "--kafka-brokers", addr)
	r, path := onlyResult(t, out)
	if !strings.Contains(path, filepath.Join("cli-kafka", "")) || !strings.HasSuffix(path, "-kafka.json") {
		t.Errorf("result path %s", path)
	}
	c := r.Counts
	if c.Requested != 4000 || c.Sent+c.NotSent != 4000 || c.Received != c.Sent || c.Acked != c.Sent || c.Lost != 0 || c.Duplicated != 0 {
		t.Errorf("counts %+v: want 4000 requested (1000/s for 1 s + 3 s), all sent received once", c)
	}
	for name, l := range map[string]report.Latency{"publish": r.Latency.Publish, "end_to_end": r.Latency.EndToEnd} {
		if l.Count < 2900 || l.Min <= 0 || l.Max >= 10e6 {
			t.Errorf("%s latency %+v: want about 3000 values, all in (0, 10 s)", name, l)
		}
	}
	want := map[string]string{"--target": "kafka", "--duration": "3s", "--warmup": "1s", "--out": out, "--kafka-brokers": addr}
	for k, v := range want {
		if r.Overrides[k] != v {
			t.Errorf("override %s = %q, want %q (all: %v)", k, r.Overrides[k], v, r.Overrides)
		}
	}
	// A named cluster is external, unless it is the broker of 'bench brokers up' (as
	// in scripts/test), which bench manages.
	wantEnv := "external"
	if st, up, _ := brokers.KafkaStatus(context.Background(), brokers.KafkaOptions{}); up && st.Address == addr {
		wantEnv = "local"
	}
	if r.Scenario.Duration.String() != "3s" || r.Target.Env != wantEnv || r.Target.Emulator || r.Target.Address != addr {
		t.Errorf("scenario duration %s, target %+v", r.Scenario.Duration, r.Target)
	}
	if r.Scenario.Drivers["kafka"] == nil {
		t.Error("the kafka settings (defaults) are not in the result")
	}
	if len(r.Intervals) < 4 {
		t.Errorf("%d intervals for a 4 s run", len(r.Intervals))
	}
	if !strings.Contains(stdout, "sent / received") || !strings.Contains(stdout, fmt.Sprintf("%d / %d", c.Sent, c.Received)) {
		t.Errorf("summary:\n%s", stdout)
	}
}

// TestRunKinesisIsLabelledAnEmulator runs a short scenario on each local Kinesis engine,
// as named by an endpoint, and checks that the result names the engine, labels it an
// emulator with the AWS quotas that applied, and leaks no credential.
func TestRunKinesisIsLabelledAnEmulator(t *testing.T) {
	for engine, kind := range map[string]string{
		brokers.EngineFerrokinesis: "EMULATOR (not the real service), AWS quotas enforced",
		brokers.EngineKinesisMock:  "EMULATOR (not the real service), AWS read quotas kept, write quotas not enforced",
	} {
		t.Run(engine, func(t *testing.T) { testKinesisLabel(t, engine, kind) })
	}
}

func testKinesisLabel(t *testing.T, engine, kind string) {
	endpoint := brokertest.KinesisEngine(t, engine)
	// Credentials in the environment must neither reach the emulator nor any output.
	const secret = "not-a-real-secret-but-must-not-leak"
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", secret)
	out := t.TempDir()
	sc := writeScenario(t, `
name: cli-kinesis
targets: [kinesis]
duration: 2s
warmup: 1s
topology: {partitions: 2}
workload: {rate: 100, keys: random}
kinesis: {linger: 20ms, batch_records: 50}
`)
	stdout, stderr := mustRun(t, "run", sc, "--out", out, "--kinesis-endpoint", endpoint)
	r, path := onlyResult(t, out)
	c := r.Counts
	if c.Requested != 300 || c.Sent != 300 || c.Received != 300 || c.Lost != 0 || c.Duplicated != 0 {
		t.Errorf("counts %+v: want 300 sent and received once", c)
	}
	if !r.Target.Emulator || r.Target.Kind() != kind || r.Target.Address != endpoint || r.Target.Broker.Product != engine {
		t.Errorf("target %+v (%s): want %s at %s, %s", r.Target, r.Target.Kind(), engine, endpoint, kind)
	}
	if !strings.Contains(strings.Join(r.Notes, "\n"), "emulator") {
		t.Errorf("notes do not say the numbers are an emulator's: %q", r.Notes)
	}
	if r.DriverCounts["records_put"] != 300 || r.DriverCounts["put_calls"] == 0 {
		t.Errorf("driver counts %v: want 300 records put", r.DriverCounts)
	}
	if !strings.Contains(stdout, "EMULATOR") {
		t.Errorf("the summary does not label the emulator:\n%s", stdout)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"result": string(raw), "stdout": stdout, "stderr": stderr} {
		if strings.Contains(text, secret) {
			t.Errorf("the secret access key appears in %s", name)
		}
	}
}

func TestRepeatAlternatesTargets(t *testing.T) {
	addr := brokertest.Kafka(t)
	out := t.TempDir()
	sc := writeScenario(t, `
name: cli-repeat
targets: [kafka, loopback]
duration: 1s
warmup: 0s
workload: {rate: 200}
`)
	stdout, stderr := mustRun(t, "run", sc, "--repeat", "2", "--out", out, "--kafka-brokers", addr)
	files, _ := filepath.Glob(filepath.Join(out, "cli-repeat", "*.json"))
	var order []string
	for _, f := range files {
		r, err := report.Read(f)
		if err != nil {
			t.Fatal(err)
		}
		order = append(order, r.StartedAt.Format(time.RFC3339Nano)+" "+r.Target.Name)
	}
	slices.Sort(order)
	var targets []string
	for _, o := range order {
		targets = append(targets, strings.Fields(o)[1])
	}
	if want := []string{"kafka", "loopback", "kafka", "loopback"}; !slices.Equal(targets, want) {
		t.Errorf("runs in the order %v, want %v", targets, want)
	}
	for _, want := range []string{"target kafka (run 2 of 2)", "target loopback (run 1 of 2)"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not name %q:\n%s", want, stderr)
		}
	}
	// The summary groups the repetitions and shows their spread.
	if !strings.Contains(stdout, "runs") || !strings.Contains(stdout, "[") {
		t.Errorf("summary without the spread of the repetitions:\n%s", stdout)
	}
	if code, _, stderr := runBench("run", sc, "--repeat", "0"); code != exitUsage || !strings.Contains(stderr, "--repeat") {
		t.Errorf("--repeat 0: exit %d, stderr %q", code, stderr)
	}
}

func TestRunMatrixWritesOneResultPerPoint(t *testing.T) {
	out := t.TempDir()
	sc := writeScenario(t, `
name: cli-matrix
targets: [loopback]
duration: 1s
warmup: 0s
matrix:
  workload.rate: [100, 300]
  workload.message_size: [64]
`)
	stdout, stderr := mustRun(t, "run", sc, "--out", out)
	files, _ := filepath.Glob(filepath.Join(out, "cli-matrix", "*.json"))
	if len(files) != 2 {
		t.Fatalf("result files %v, want one per point of the matrix", files)
	}
	for _, f := range files {
		r, err := report.Read(f)
		if err != nil {
			t.Fatal(err)
		}
		rate := r.Sweep["workload.rate"]
		if !strings.HasSuffix(f, "-loopback-rate="+rate+",message_size=64.json") || r.Sweep["workload.message_size"] != "64" {
			t.Errorf("%s: sweep %v", f, r.Sweep)
		}
		if want := map[string]int64{"100": 100, "300": 300}[rate]; r.Counts.Requested != want || r.Scenario.Workload.MessageSize != 64 || len(r.Scenario.Matrix) != 0 {
			t.Errorf("%s: requested %d (want %d), message size %d, matrix %v", f, r.Counts.Requested, want, r.Scenario.Workload.MessageSize, r.Scenario.Matrix)
		}
	}
	pages, _ := filepath.Glob(filepath.Join(out, "cli-matrix", "*-report.html"))
	if len(pages) != 1 || !strings.Contains(stderr, "report with charts: "+pages[0]) {
		t.Errorf("HTML report %v, stderr:\n%s", pages, stderr)
	} else if page, err := os.ReadFile(pages[0]); err != nil || !strings.Contains(string(page), "<svg") || !strings.Contains(string(page), "rate=300") {
		t.Errorf("the HTML report has no charts or does not name the points (%v)", err)
	}
	if !strings.Contains(stderr, "matrix: 2 runs per target (workload.rate × workload.message_size)") || !strings.Contains(stdout, "rate=300") {
		t.Errorf("the output does not name the points:\nstdout:\n%s\nstderr:\n%s", stdout, stderr)
	}
	if code, _, stderr := runBench("run", sc, "--rate", "50", "--out", out); code != exitUsage || !strings.Contains(stderr, "sweeps workload.rate") {
		t.Errorf("--rate on a swept rate: exit %d, stderr %q", code, stderr)
	}
}

func TestBadScenarioNamesTheField(t *testing.T) {
	sc := writeScenario(t, "name: x\ntargets: [loopback]\nworkload:\n  mesage_size: 100\n  rate: -5\n")
	for _, cmd := range []string{"validate", "run"} {
		code, _, stderr := runBench(cmd, sc, "--out", t.TempDir())
		if cmd == "validate" {
			code, _, stderr = runBench(cmd, sc)
		}
		if code != exitUsage {
			t.Errorf("%s: exit %d, want %d", cmd, code, exitUsage)
		}
		for _, want := range []string{sc + ":4:3: workload.mesage_size: unknown field", `"message_size"`, sc + ":5:9: workload.rate"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("%s: stderr lacks %q:\n%s", cmd, want, stderr)
			}
		}
	}
}

func TestRunUsageErrors(t *testing.T) {
	sc := writeScenario(t, "name: x\ntargets: [loopback]\n")
	for _, args := range [][]string{
		{"run"},
		{"run", sc, "--target", "kafka"},
		{"run", sc, "--duration", "ten"},
		{"run", sc, "--rate", "-1"},
		{"run", sc, "--nope"},
		{"nope"},
	} {
		if code, _, stderr := runBench(args...); code != exitUsage || stderr == "" {
			t.Errorf("%v: exit %d, stderr %q; want %d and a message", args, code, stderr, exitUsage)
		}
	}
	if code, stdout, _ := runBench("help", "run"); code != exitOK || !strings.Contains(stdout, "Examples:") {
		t.Errorf("help run: exit %d\n%s", code, stdout)
	}
}

// TestBrokerKilledMidRun kills the broker in the middle of a run: bench must not hang,
// must still write what it measured, say what happened, and exit non-zero.
func TestBrokerKilledMidRun(t *testing.T) {
	k, err := brokers.StartKafka(context.Background(), brokers.KafkaOptions{FreePorts: true, HeapMB: 512, Log: t.Output()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Stop(context.Background()) })
	out := t.TempDir()
	sc := writeScenario(t, `
name: broker-dies
targets: [kafka]
duration: 8s
warmup: 1s
workload: {rate: 500}
`)
	// The broker dies once bench says it is measuring and receiving (its progress line,
	// every 5 s), not at a fixed time, which a slow start-up on a loaded machine could
	// make fall before the run began.
	var stdout bytes.Buffer
	w := &killOnLine{line: regexp.MustCompile(`measure \S+, .* received [1-9]`), kill: func() {
		syscall.Kill(k.PID(), syscall.SIGKILL)
	}}
	code := mainCode([]string{"run", sc, "--out", out, "--kafka-brokers", k.Address()}, &stdout, w)
	killed, stderr := w.result()
	if killed.IsZero() {
		t.Fatalf("bench never said it was measuring and receiving, so the broker was not killed\n%s", stderr)
	}
	if took := time.Since(killed); took > 9*time.Second+30*time.Second {
		t.Errorf("bench took %s after the broker died; want at most the run's 9 s + 30 s", took)
	}
	if code != exitFailed {
		t.Errorf("exit %d, want %d\nstderr:\n%s", code, exitFailed, stderr)
	}
	r, _ := onlyResult(t, out)
	if r.Counts.Sent == 0 || r.Counts.Received == 0 {
		t.Errorf("counts %+v: the run measured nothing before the broker died", r.Counts)
	}
	if r.Counts.SendErrors == 0 && r.Counts.Lost == 0 && r.Counts.NotSent == 0 {
		t.Errorf("counts %+v: nothing shows the broker went away", r.Counts)
	}
	if len(r.Errors) == 0 || !strings.Contains(strings.Join(r.Notes, "\n"), "error") {
		t.Errorf("result does not say what happened: errors %+v, notes %q", r.Errors, r.Notes)
	}
	t.Logf("counts %+v, notes %q\nstdout:\n%s", r.Counts, r.Notes, stdout.String())
}

// killOnLine is a run's stderr that calls kill, once, when a line written to it matches
// line, and notes when.
type killOnLine struct {
	line   *regexp.Regexp
	kill   func()
	mu     sync.Mutex
	buf    bytes.Buffer
	killed time.Time
}

func (w *killOnLine) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.killed.IsZero() && w.line.Match(p) {
		w.kill()
		w.killed = time.Now()
	}
	return w.buf.Write(p)
}

// result returns when kill was called (zero if never) and what was written.
func (w *killOnLine) result() (time.Time, string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.killed, w.buf.String()
}

// TestRunTLSOverhead runs the shipped TLS scenario, shortened, against the local broker's
// three listeners.
func TestRunTLSOverhead(t *testing.T) {
	st := brokertest.LocalKafka(t)
	password, err := st.ReadPassword()
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	stdout, stderr := mustRun(t, "run", "../../scenarios/tls-overhead.yaml", "--out", out,
		"--duration", "2s", "--warmup", "500ms", "--rate", "1000")
	files, _ := filepath.Glob(filepath.Join(out, "tls-overhead", "*.json"))
	if len(files) != 3 {
		t.Fatalf("result files %v, want 3", files)
	}
	want := map[string]string{
		"kafka":           "plaintext",
		"kafka-tls":       "TLS (CA broker.pem)",
		"kafka-tls-scram": "TLS (CA broker.pem) + SASL SCRAM-SHA-512 as bench",
	}
	for _, f := range files {
		r, err := report.Read(f)
		if err != nil {
			t.Fatal(err)
		}
		c := r.Counts
		if c.Sent != 2500 || c.Received != c.Sent || c.Lost != 0 || c.Duplicated != 0 {
			t.Errorf("%s: counts %+v, want 2500 (warm-up included) sent and received once", r.Target.Name, c)
		}
		if r.Target.Security != want[r.Target.Name] {
			t.Errorf("%s: security %q, want %q", r.Target.Name, r.Target.Security, want[r.Target.Name])
		}
		delete(want, r.Target.Name)
	}
	if len(want) > 0 {
		t.Errorf("no result for %v", want)
	}
	if !strings.Contains(stdout, "connection") {
		t.Errorf("the summary has no connection row:\n%s", stdout)
	}
	assertNoSecret(t, password, out, stdout+stderr)
}

// TestRunExternalSCRAM points bench at the local broker's SASL_SSL listener as at any
// cluster, with the security flags, and with a wrong password.
func TestRunExternalSCRAM(t *testing.T) {
	st := brokertest.LocalKafka(t)
	password, err := st.ReadPassword()
	if err != nil {
		t.Fatal(err)
	}
	sc := writeScenario(t, `
name: cli-scram
targets: [kafka]
duration: 1s
warmup: 0s
workload: {rate: 200}
`)
	args := []string{"run", sc, "--env", "external", "--kafka-brokers", st.SASLAddress,
		"--kafka-sasl", "scram-sha-512", "--kafka-user", "bench", "--kafka-ca", st.CertFile}

	out := t.TempDir()
	t.Setenv("BENCH_KAFKA_PASSWORD", password)
	stdout, stderr := mustRun(t, append(args, "--out", out)...)
	r, _ := onlyResult(t, out)
	if r.Counts.Received != 200 || r.Target.Env != "external" || r.Target.Security != "TLS (CA broker.pem) + SASL SCRAM-SHA-512 as bench" {
		t.Errorf("result: counts %+v, target %+v", r.Counts, r.Target)
	}
	assertNoSecret(t, password, out, stdout+stderr)

	const wrong = "wrong-password-5e2a"
	t.Setenv("BENCH_KAFKA_PASSWORD", wrong)
	out = t.TempDir()
	code, stdout, stderr := runBench(append(args, "--out", out)...)
	if code != exitFailed || !strings.Contains(stderr, "SASL_AUTHENTICATION_FAILED") || !strings.Contains(stderr, st.SASLAddress) {
		t.Errorf("wrong password: exit %d, stderr:\n%s", code, stderr)
	}
	assertNoSecret(t, wrong, out, stdout+stderr)
	assertNoSecret(t, password, out, stdout+stderr)

	t.Setenv("BENCH_KAFKA_PASSWORD", "")
	if code, _, stderr := runBench(append(args, "--out", out)...); code != exitUsage || !strings.Contains(stderr, "BENCH_KAFKA_PASSWORD") {
		t.Errorf("no password: exit %d, stderr:\n%s", code, stderr)
	}
}

// assertNoSecret fails if secret is in output or in any file under dir.
func assertNoSecret(t *testing.T, secret, dir, output string) {
	t.Helper()
	if strings.Contains(output, secret) {
		t.Error("the output shows a password")
	}
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, _ := os.ReadFile(path); bytes.Contains(b, []byte(secret)) {
				t.Errorf("%s holds a password", path)
			}
		}
		return nil
	})
}

// TestRunDockerWithoutAnEngine: where no Docker engine answers, --env docker fails with
// the places it tried, for every target, and writes nothing.
func TestRunDockerWithoutAnEngine(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix://"+t.TempDir()+"/docker.sock")
	out := t.TempDir()
	code, _, stderr := runBench("run", "../../scenarios/small-msgs.yaml", "--env", "docker", "--out", out)
	if code != exitFailed || strings.Count(stderr, "no Docker engine answers") != 2 || !strings.Contains(stderr, "docker.sock") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
	if files, _ := filepath.Glob(filepath.Join(out, "*", "*")); len(files) > 0 {
		t.Errorf("files written: %v", files)
	}
}

// TestRetentionAndEncryptionProbes runs the C8 and C11 claim scenarios, shortened,
// against the real local Kafka and kinesis-mock, and checks what each broker answered.
func TestRetentionAndEncryptionProbes(t *testing.T) {
	// kinesis-mock: the engine faithful to AWS's retention bounds (see c8-retention.yaml).
	kafkaAddr, kinesisURL := brokertest.Kafka(t), brokertest.KinesisEngine(t, brokers.EngineKinesisMock)
	out := t.TempDir()
	for _, sc := range []string{"c8-retention", "c11-encryption"} {
		mustRun(t, "run", "../../scenarios/claims/"+sc+".yaml", "--out", out, "--duration", "1s",
			"--kafka-brokers", kafkaAddr, "--kinesis-endpoint", kinesisURL)
	}
	files, _ := filepath.Glob(filepath.Join(out, "*", "*.json"))
	answers := map[string]string{} // "scenario/target/probe #i" -> value|answer
	for _, f := range files {
		r, err := report.Read(f)
		if err != nil {
			t.Fatal(err)
		}
		if r.Counts.Received != r.Counts.Sent || r.Counts.Sent == 0 {
			t.Errorf("%s: counts %+v", f, r.Counts)
		}
		for i, p := range r.Probes {
			v := "-"
			if p.Value != nil {
				v = fmt.Sprint(*p.Value)
			}
			answers[fmt.Sprintf("%s/%s/%d", r.Scenario.Name, r.Target.Name, i)] = v + "|" + p.By + "|" + p.Answer
		}
	}
	for key, want := range map[string]string{
		"c8-retention/kafka/0":     "168|broker|7d",
		"c8-retention/kafka/1":     "1|broker|accepted; now 365d",
		"c8-retention/kafka/2":     "1|broker|accepted",
		"c8-retention/kafka/3":     "1|broker|accepted; now unlimited",
		"c8-retention/kafka/4":     "-1|broker|unlimited",
		"c8-retention/kinesis/0":   "24|broker|1d",
		"c8-retention/kinesis/1":   "1|broker|accepted; now 365d",
		"c8-retention/kinesis/2":   "0|broker|refused: ",
		"c8-retention/kinesis/3":   "0|client|refused: the broker's API cannot express this",
		"c8-retention/kinesis/4":   "8760|broker|365d",
		"c11-encryption/kinesis/0": "0|broker|NONE",
		"c11-encryption/kafka/0":   "0|broker|none at rest",
	} {
		if !strings.HasPrefix(answers[key], want) {
			t.Errorf("%s = %q, want it to start %q", key, answers[key], want)
		}
	}
	if !strings.Contains(answers["c8-retention/kinesis/2"], "between 24 and 8760") {
		t.Errorf("kinesis refusal of 8761h does not give the bounds: %q", answers["c8-retention/kinesis/2"])
	}
}

// needUpBrokers skips the test (fails it in CI) unless the brokers of 'bench brokers up'
// run, which scripts/test starts: a test that restarts, pauses or kills the local Kafka
// needs a broker bench runs itself. It unsets the variables that name them, so that
// auto finds them as local ones. why says what the test does to them.
//
// scripts/test runs such tests only once no other test uses those brokers, and sets
// $BENCH_TEST_NO_FAULTS while others may: then a test that calls this fails, naming the
// list in scripts/test it must be added to.
func needUpBrokers(t *testing.T, why string) { t.Helper(); needUp(t, why, true) }

// needUpKafka is needUpBrokers for a test that uses only Kafka: a kinesis-mock still
// busy with an earlier test's streams may miss its status check.
func needUpKafka(t *testing.T, why string) { t.Helper(); needUp(t, why, false) }

func needUp(t *testing.T, why string, kinesis bool) {
	t.Helper()
	if os.Getenv("BENCH_TEST_NO_FAULTS") != "" {
		t.Fatalf("%s disturbs the shared brokers (%s) while other tests may use them: add it to scripts/test's list of the tests that do (faulting)", t.Name(), why)
	}
	_, kafkaUp, kafkaErr := brokers.KafkaStatus(context.Background(), brokers.KafkaOptions{})
	kinesisUp, kinesisErr := true, error(nil)
	if kinesis {
		_, kinesisUp, kinesisErr = brokers.KinesisStatus(context.Background(), brokers.KinesisOptions{})
	}
	if !kafkaUp || !kinesisUp {
		if os.Getenv("CI") != "" {
			t.Fatalf("no 'bench brokers up' brokers in CI (scripts/test must start them): Kafka up %t (%v), kinesis-mock up %t (%v)",
				kafkaUp, kafkaErr, kinesisUp, kinesisErr)
		}
		t.Skip("needs the brokers of 'bench brokers up' (scripts/test starts them): " + why)
	}
	t.Setenv(brokertest.EnvKafkaBrokers, "")
	t.Setenv(brokertest.EnvKinesisEndpoint, "")
}

// TestVerify runs 'bench verify' end to end at a tenth of every scenario's length, on
// the brokers of 'bench brokers up' (which scripts/test starts), and checks that the
// report gives every claim a verdict.
func TestVerify(t *testing.T) {
	needUpBrokers(t, "restart_broker restarts the local Kafka")
	out := t.TempDir()
	code, stdout, stderr := runBench("verify", "--time-scale", "0.1", "--out", out, "../../scenarios/claims/tutorial.yaml")
	if code != exitOK && code != exitFailed {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	reports, _ := filepath.Glob(filepath.Join(out, "verify", "*", "verdicts.*"))
	if len(reports) != 2 {
		t.Fatalf("reports %v, want verdicts.md and verdicts.html\n%s", reports, stderr)
	}
	md, err := os.ReadFile(reports[1])
	if err != nil || !strings.HasSuffix(reports[1], ".md") {
		t.Fatalf("%s: %v", reports[1], err)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 14 {
		t.Errorf("verdict list has %d lines, want 14:\n%s", len(lines), stdout)
	}
	// The verdicts that rest on semantics, not speed, must come out the same on any
	// machine: Kafka keeps what it acknowledged across a restart and reads it all back
	// (C3); a new Kinesis stream keeps 24 hours, not 7 days (C8); it is not encrypted at
	// rest (C11).
	for id, want := range map[string]string{
		"C1": "not measurable", "C3": "supported", "C8": "mixed", "C11": "refuted", "C13": "not measurable",
	} {
		if !slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, fmt.Sprintf("%-4s %s ", id, want)) }) {
			t.Errorf("%s is not %q:\n%s", id, want, stdout)
		}
	}
	for i := 1; i <= 14; i++ {
		if !strings.Contains(string(md), fmt.Sprintf("## C%d: ", i)) {
			t.Errorf("the markdown report has no section for C%d", i)
		}
	}
	if !strings.Contains(string(md), "kinesis-mock 0.6.2 EMULATOR") {
		t.Error("the report does not label the emulator's numbers")
	}
}
