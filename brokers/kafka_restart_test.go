package brokers

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// sleeper starts a stand-in broker bound to the test process, as a run-scoped one is.
func sleeper(t *testing.T) *child {
	t.Helper()
	c, err := startChild(exec.Command("sleep", "60"), true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.stop(context.Background(), 0) })
	return c
}

// startWith is a restart's prepare step that succeeds and whose start runs start.
func startWith(start func(context.Context) (*child, error)) func(context.Context) (func(context.Context) (*child, error), error) {
	return func(context.Context) (func(context.Context) (*child, error), error) { return start, nil }
}

// TestRunScopedRestart drives the restart and stop logic with sleep standing in for the
// broker: what each outcome leaves running, and Stop in the middle of a restart.
func TestRunScopedRestart(t *testing.T) {
	newRun := func(t *testing.T) *runScoped {
		dataDir := filepath.Join(t.TempDir(), "fake-data")
		os.MkdirAll(dataDir, 0o755)
		os.WriteFile(filepath.Join(dataDir, logFileName("fake")), []byte("first broker's output\n"), 0o644)
		return &runScoped{c: baseConfig{name: "fake", log: io.Discard, stopGrace: 2 * time.Second},
			where: "127.0.0.1:1", dataDir: dataDir, proc: sleeper(t)}
	}
	assertStopped := func(t *testing.T, r *runScoped, pids ...int) {
		t.Helper()
		if err := r.stop(t.Context()); err != nil {
			t.Fatalf("stop: %v", err)
		}
		for _, pid := range pids {
			if pidAlive(pid) {
				t.Errorf("pid %d alive after stop", pid)
			}
		}
		if _, err := os.Stat(r.dataDir); !os.IsNotExist(err) {
			t.Errorf("data directory still there after stop (%v)", err)
		}
		err := r.restart(t.Context(), startWith(func(context.Context) (*child, error) {
			t.Error("restart after stop started a broker")
			return nil, errors.New("unreachable")
		}))
		errMentions(t, "restart after stop", err, "has been stopped")
	}

	t.Run("succeeds", func(t *testing.T) {
		r := newRun(t)
		old := r.proc.pid
		var next *child
		if err := r.restart(t.Context(), startWith(func(context.Context) (*child, error) {
			if pidAlive(old) {
				t.Error("new broker started before the old one was gone")
			}
			if _, err := os.Stat(r.dataDir); err != nil {
				t.Errorf("data directory gone before the new start: %v", err)
			}
			next = sleeper(t)
			return next, nil
		})); err != nil {
			t.Fatal(err)
		}
		if r.proc != next {
			t.Fatal("restart did not record the new broker")
		}
		assertStopped(t, r, old, next.pid)
	})

	t.Run("prepare fails", func(t *testing.T) {
		r := newRun(t)
		err := r.restart(t.Context(), func(context.Context) (func(context.Context) (*child, error), error) {
			return nil, errors.New("no java today")
		})
		errMentions(t, "restart", err, "left running", "no java today")
		if !pidAlive(r.proc.pid) {
			t.Error("a failed prepare stopped the broker")
		}
		assertStopped(t, r, r.proc.pid)
	})

	t.Run("start fails", func(t *testing.T) {
		r := newRun(t)
		old := r.proc.pid
		err := r.restart(t.Context(), startWith(func(context.Context) (*child, error) {
			return nil, errors.New("fake broker would not start")
		}))
		kept := filepath.Join(filepath.Dir(r.dataDir), failedLogFileName("fake"))
		errMentions(t, "restart", err, "did not start again", "nothing is running now",
			"fake broker would not start", "full broker log: "+kept)
		if b, _ := os.ReadFile(kept); string(b) != "first broker's output\n" {
			t.Errorf("kept log = %q", b)
		}
		if r.proc != nil || pidAlive(old) {
			t.Errorf("after a failed restart: proc %v, old pid alive %v", r.proc, pidAlive(old))
		}
		if _, err := os.Stat(r.dataDir); err != nil {
			t.Errorf("data directory removed by a failed restart: %v", err)
		}
		assertStopped(t, r, old)
	})

	t.Run("stop during restart", func(t *testing.T) {
		r := newRun(t)
		old := r.proc.pid
		starting := make(chan struct{})
		done := make(chan error, 1)
		go func() {
			done <- r.restart(context.Background(), startWith(func(ctx context.Context) (*child, error) {
				close(starting)
				<-ctx.Done() // a start that would take long, as a JVM's does
				return nil, ctx.Err()
			}))
		}()
		<-starting
		stopped := time.Now()
		assertStopped(t, r, old)
		if d := time.Since(stopped); d > 2*time.Second {
			t.Errorf("stop waited %v for the restart", d)
		}
		errMentions(t, "restart", <-done, "interrupted by Stop")
	})
}

// fakeRelaunch sets up what relaunch checks for, with fake java and mvn, and returns the
// config and the state of a broker that ran in a data directory before.
func fakeRelaunch(t *testing.T) (kafkaConfig, KafkaState) {
	t.Helper()
	t.Setenv("FAKE_MVN_RUNS", filepath.Join(t.TempDir(), "runs"))
	t.Setenv("PATH", pathWith(t, map[string]string{"java": fakeJava, "mvn": fakeMaven}))
	c, err := KafkaOptions{CacheDir: t.TempDir(), StartTimeout: time.Second}.resolve()
	if err != nil {
		t.Fatal(err)
	}
	dataDir := t.TempDir()
	os.MkdirAll(filepath.Join(dataDir, kraftLogDir), 0o755)
	os.WriteFile(filepath.Join(dataDir, kraftLogDir, metaFile), []byte("version=1\n"), 0o644)
	os.WriteFile(filepath.Join(dataDir, configFile), []byte("# fake\n"), 0o600)
	os.WriteFile(filepath.Join(dataDir, logFileName("kafka")), []byte("old JVM output\n"), 0o644)
	p, err := freePorts("127.0.0.1", 4)
	if err != nil {
		t.Fatal(err)
	}
	return c, KafkaState{
		Product: KafkaProduct, Version: KafkaVersion, Address: "127.0.0.1:" + strconv.Itoa(p[0]),
		Port: p[0], ControllerPort: p[1],
		TLSAddress: "127.0.0.1:" + strconv.Itoa(p[2]), SASLAddress: "127.0.0.1:" + strconv.Itoa(p[3]),
		HeapMB: minHeapMB, DataDir: dataDir, PID: 4242,
		ConfigPath: filepath.Join(dataDir, configFile), LogPath: filepath.Join(dataDir, logFileName("kafka")),
	}
}

func TestKafkaRelaunchFailures(t *testing.T) {
	tests := []struct {
		name     string
		change   func(t *testing.T, st *KafkaState)
		broker   string
		early    bool // relaunch refuses before the old broker would be stopped
		want     []string
		wantLogs []string
	}{
		{"other version", func(_ *testing.T, st *KafkaState) { st.Version = "3.9.0" }, "", true,
			[]string{"the broker runs Kafka 3.9.0; this bench runs 4.1.2"}, nil},
		{"not formatted", func(_ *testing.T, st *KafkaState) {
			os.Remove(filepath.Join(st.DataDir, kraftLogDir, metaFile))
		}, "", true, []string{"not ready for a restart", metaFile}, nil},
		{"port taken", func(t *testing.T, st *KafkaState) {
			l, err := net.Listen("tcp", st.SASLAddress)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { l.Close() })
		}, "", false, []string{"SASL_SSL listener port", "was taken while it was stopped"}, nil},
		{"JVM dies", nil, `echo "[ERROR] fake broker: cannot come back"; exit 3`, false,
			[]string{"java exited before the broker answered (exit status 3)", "fake broker: cannot come back"},
			[]string{"old JVM output\n", "starting the broker again in this data directory", "fake broker: cannot come back"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, st := fakeRelaunch(t)
			formats := toolRuns(t, "FAKE_FORMAT_RUNS")
			t.Setenv("FAKE_FORMAT", `echo run >> "$FAKE_FORMAT_RUNS"`)
			t.Setenv("FAKE_BROKER", tt.broker)
			if tt.change != nil {
				tt.change(t, &st)
			}
			start, err := c.relaunch(t.Context(), st, true)
			if tt.early {
				errMentions(t, "relaunch", err, tt.want...)
				return
			}
			if err != nil {
				t.Fatalf("relaunch: %v", err)
			}
			_, _, err = start(t.Context())
			errMentions(t, "start", err, tt.want...)
			if n := formats(); n != 0 {
				t.Errorf("the storage tool ran %d times on a restart", n)
			}
			if left := processesMentioning(st.DataDir); len(left) > 0 {
				t.Errorf("processes left running: %v", left)
			}
			log, _ := os.ReadFile(st.LogPath)
			for _, w := range tt.wantLogs {
				if !strings.Contains(string(log), w) {
					t.Errorf("log lacks %q:\n%s", w, log)
				}
			}
		})
	}
}

func TestRestartKafkaNotRunning(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, stateDir string)
	}{
		{"no state directory", func(t *testing.T, stateDir string) { os.Remove(stateDir) }},
		{"no state file", func(*testing.T, string) {}},
		{"broker died", func(t *testing.T, stateDir string) {
			dataDir := filepath.Join(stateDir, "kafka")
			os.MkdirAll(dataDir, 0o755)
			st := KafkaState{Product: KafkaProduct, Version: KafkaVersion, Address: "127.0.0.1:1", PID: deadPID(t),
				DataDir: dataDir, ConfigPath: filepath.Join(dataDir, configFile)}
			if err := writeState(filepath.Join(stateDir, "kafka.json"), "kafka", st); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stateDir := t.TempDir()
			tt.setup(t, stateDir)
			_, err := RestartKafka(t.Context(), KafkaOptions{CacheDir: t.TempDir(), StateDir: stateDir})
			errMentions(t, "RestartKafka", err, "no detached Apache Kafka running", "bench brokers up kafka")
			for _, p := range []string{"kafka.json", "kafka"} {
				if _, err := os.Stat(filepath.Join(stateDir, p)); !os.IsNotExist(err) {
					t.Errorf("%s still there (%v)", p, err)
				}
			}
		})
	}
}

// TestKafkaRestart restarts a real run-scoped broker between acknowledged writes and
// checks that the records, ports, certificate and SCRAM user all survive.
func TestKafkaRestart(t *testing.T) {
	integration(t, "java")
	ctx := t.Context()
	k, err := StartKafka(ctx, KafkaOptions{FreePorts: true, HeapMB: 512, Log: t.Output()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Stop(context.Background()) })
	before := k.Info()
	const topic, n = "streambench-restart", 500
	createTopic(t, ctx, before.Address, topic, 3)
	want := produceAcked(t, ctx, before.Address, topic, "before", n)

	restarted := time.Now()
	if err := k.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("restart took %v", time.Since(restarted).Round(time.Millisecond))
	after := k.Info()
	if after.PID == before.PID || k.PID() != after.PID {
		t.Errorf("pid %d before the restart, %d (PID() %d) after", before.PID, after.PID, k.PID())
	}
	if pidAlive(before.PID) {
		t.Errorf("old JVM pid %d still alive after Restart", before.PID)
	}
	if !isKafkaProcess(after.PID, after.ConfigPath) {
		t.Errorf("new pid %d is not our kafka.Kafka", after.PID)
	}
	if left := processesMentioning(after.DataDir); !slices.Equal(left, []int{after.PID}) {
		t.Errorf("processes using %s: %v, want only the new JVM %d", after.DataDir, left, after.PID)
	}
	same := func(s KafkaState) KafkaState { s.PID, s.StartedAt = 0, time.Time{}; return s }
	if same(after) != same(before) {
		t.Errorf("state after restart = %+v\nwant as before but pid and start time: %+v", after, before)
	}

	checkRecords(t, ctx, after.Address, topic, want)
	want = append(want, produceAcked(t, ctx, after.Address, topic, "after", n)...)
	checkRecords(t, ctx, after.Address, topic, want)
	checkSecureListeners(t, ctx, after, topic)

	log, err := os.ReadFile(k.LogPath())
	if err != nil {
		t.Fatal(err)
	}
	if c := strings.Count(string(log), "Kafka Server started"); c != 2 || !strings.Contains(string(log), "starting the broker again") {
		t.Errorf("log %s has %d starts and no restart note; want the first JVM's output, the note, then the second's:\n%s",
			k.LogPath(), c, tail(string(log)))
	}

	// Stop from another goroutine once a second restart has started the new JVM, before
	// that answers.
	pid := k.PID()
	done := make(chan error, 1)
	go func() { done <- k.Restart(ctx) }()
	newJVM := func() bool {
		left := processesMentioning(after.DataDir)
		return len(left) > 0 && !slices.Contains(left, pid)
	}
	for deadline := time.Now().Add(30 * time.Second); !newJVM(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no new JVM 30s into a restart (old pid %d alive: %v)", pid, pidAlive(pid))
		}
	}
	if err := k.Stop(ctx); err != nil {
		t.Fatalf("Stop during Restart: %v", err)
	}
	if err := <-done; err != nil && !strings.Contains(err.Error(), "interrupted by Stop") {
		t.Errorf("Restart interrupted by Stop: %v", err)
	} else {
		t.Logf("Restart ended with %v", err)
	}
	if left := processesMentioning(after.DataDir); len(left) > 0 {
		t.Errorf("processes still using %s after Stop: %v", after.DataDir, left)
	}
	if _, err := os.Stat(after.DataDir); !os.IsNotExist(err) {
		t.Errorf("data dir still there after Stop (%v)", err)
	}
}

// TestKafkaRestartFails restarts a real broker with a java that refuses to run again.
func TestKafkaRestartFails(t *testing.T) {
	integration(t, "java")
	ctx := t.Context()
	realJava, _ := exec.LookPath("java")
	// The real jars, in a cache directory of the test's own, so that the log a failed
	// restart keeps lands there.
	if _, err := EnsureKafkaJars(ctx, KafkaOptions{Log: t.Output()}); err != nil {
		t.Fatal(err)
	}
	shared, err := KafkaOptions{}.resolve()
	if err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	if err := os.Symlink(shared.versionDir(), filepath.Join(cache, filepath.Base(shared.versionDir()))); err != nil {
		t.Fatal(err)
	}
	failFlag := filepath.Join(t.TempDir(), "fail")
	t.Setenv("FAKE_JAVA_FAIL", failFlag)
	t.Setenv("REAL_JAVA", realJava)
	wrapper := pathWith(t, map[string]string{"java": `if [ -e "$FAKE_JAVA_FAIL" ]; then
  echo "[ERROR] fake java: this JVM cannot come back"; exit 3
fi
exec "$REAL_JAVA" "$@"`})
	t.Setenv("PATH", wrapper+string(os.PathListSeparator)+os.Getenv("PATH"))

	state := t.TempDir()
	k, err := StartKafka(ctx, KafkaOptions{CacheDir: cache, StateDir: state, FreePorts: true, HeapMB: 512, Log: t.Output()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Stop(context.Background()) })
	old, dataDir := k.PID(), k.Info().DataDir
	if err := os.WriteFile(failFlag, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	err = k.Restart(ctx)
	kept := filepath.Join(state, runDirName, failedLogFileName("kafka"))
	errMentions(t, "Restart", err, "stopped it, but it did not start again", "nothing is running now",
		"java exited before the broker answered (exit status 3)", "fake java: this JVM cannot come back",
		"last lines of the broker log", "full broker log: "+kept)
	t.Log(err)
	if pidAlive(old) || k.PID() != 0 {
		t.Errorf("after a failed restart: old pid %d alive %v, PID() = %d", old, pidAlive(old), k.PID())
	}
	if left := processesMentioning(dataDir); len(left) > 0 {
		t.Errorf("processes left running: %v", left)
	}
	if err := k.Stop(ctx); err != nil {
		t.Fatalf("Stop after a failed restart: %v", err)
	}
	if _, err := os.Stat(dataDir); !os.IsNotExist(err) {
		t.Errorf("data dir still there after Stop (%v)", err)
	}
	b, _ := os.ReadFile(kept)
	for _, w := range []string{"Kafka Server started", "fake java: this JVM cannot come back"} {
		if !strings.Contains(string(b), w) {
			t.Errorf("kept log %s lacks %q", kept, w)
		}
	}
}

// TestRestartKafkaDetached restarts a real detached broker and checks its state and data.
func TestRestartKafkaDetached(t *testing.T) {
	integration(t, "java")
	ctx := t.Context()
	o := KafkaOptions{StateDir: t.TempDir(), FreePorts: true, HeapMB: 512, Log: t.Output()}
	t.Cleanup(func() { DownKafka(context.Background(), o) })
	before, _, err := UpKafka(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	const topic, n = "streambench-restart", 300
	createTopic(t, ctx, before.Address, topic, 1)
	want := produceAcked(t, ctx, before.Address, topic, "before", n)

	restarted := time.Now()
	after, err := RestartKafka(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("restart took %v", time.Since(restarted).Round(time.Millisecond))
	if after.PID == before.PID || pidAlive(before.PID) {
		t.Errorf("pid %d before, %d after; old alive %v", before.PID, after.PID, pidAlive(before.PID))
	}
	same := func(s KafkaState) KafkaState { s.PID, s.StartedAt = 0, time.Time{}; return s }
	if same(after) != same(before) {
		t.Errorf("state after restart = %+v\nwant as before but pid and start time: %+v", after, before)
	}
	st, running, err := KafkaStatus(ctx, o)
	if err != nil || !running || st != after {
		t.Fatalf("status = %+v, running %v, err %v; want running %+v", st, running, err, after)
	}
	checkRecords(t, ctx, after.Address, topic, want)
	checkSecureListeners(t, ctx, after, topic)

	if err := DownKafka(ctx, o); err != nil {
		t.Fatal(err)
	}
	if pidAlive(after.PID) {
		t.Errorf("pid %d alive after down", after.PID)
	}
	if left := processesMentioning(after.DataDir); len(left) > 0 {
		t.Errorf("processes still using %s after down: %v", after.DataDir, left)
	}
	if left, _ := os.ReadDir(o.StateDir); slices.ContainsFunc(left, func(e os.DirEntry) bool { return e.Name() != "kafka.lock" }) {
		t.Errorf("state directory after down holds %v", left)
	}
}

func createTopic(t *testing.T, ctx context.Context, addr, topic string, partitions int32) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	resp, err := kadm.NewClient(cl).CreateTopic(ctx, partitions, 1, nil, topic)
	if err != nil || resp.Err != nil {
		t.Fatalf("create topic %s at %s: %v %v", topic, addr, err, resp.Err)
	}
}

// produceAcked writes n records "prefix-i" with acks=all and fails unless every one is
// acknowledged; it returns their values.
func produceAcked(t *testing.T, ctx context.Context, addr, topic, prefix string, n int) []string {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic(topic), kgo.RequiredAcks(kgo.AllISRAcks()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	values := make([]string, n)
	recs := make([]*kgo.Record, n)
	for i := range n {
		values[i] = fmt.Sprintf("%s-%d", prefix, i)
		recs[i] = &kgo.Record{Key: []byte(strconv.Itoa(i)), Value: []byte(values[i])}
	}
	for _, r := range cl.ProduceSync(ctx, recs...) {
		if r.Err != nil {
			t.Fatalf("produce %s to %s at %s: %v", r.Record.Value, topic, addr, r.Err)
		}
	}
	return values
}

// checkRecords reads topic from the start up to its end offsets and fails unless it
// holds exactly the values in want, each once.
func checkRecords(t *testing.T, ctx context.Context, addr, topic string, want []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	admCl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer admCl.Close()
	ends, err := kadm.NewClient(admCl).ListEndOffsets(ctx, topic)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		t.Fatalf("end offsets of %s at %s: %v", topic, addr, err)
	}
	end := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) { end[o.Partition] = o.Offset })

	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	next := map[int32]int64{}
	caughtUp := func() bool {
		for p, o := range end {
			if next[p] < o {
				return false
			}
		}
		return true
	}
	var got []string
	for !caughtUp() {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("consume %s at %s: read %d records, up to %v of %v: %v", topic, addr, len(got), next, end, err)
		}
		fs.EachError(func(topic string, p int32, err error) {
			t.Fatalf("consume %s/%d at %s: %v", topic, p, addr, err)
		})
		fs.EachRecord(func(r *kgo.Record) {
			got = append(got, string(r.Value))
			next[r.Partition] = r.Offset + 1
		})
	}
	slices.Sort(got)
	sorted := slices.Sorted(slices.Values(want))
	if !slices.Equal(got, sorted) {
		t.Fatalf("topic %s at %s holds %d records, want exactly the %d acknowledged ones", topic, addr, len(got), len(want))
	}
}

// checkSecureListeners lists topics over the TLS listener and, as KafkaUser with
// SCRAM-SHA-512, over the SASL_SSL one, trusting only the broker's own certificate.
func checkSecureListeners(t *testing.T, ctx context.Context, st KafkaState, topic string) {
	t.Helper()
	pem, err := os.ReadFile(st.CertFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		t.Fatalf("no certificate in %s", st.CertFile)
	}
	password, err := st.ReadPassword()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []struct {
		name, addr string
		opts       []kgo.Opt
	}{
		{"TLS", st.TLSAddress, nil},
		{"SASL_SSL with SCRAM-SHA-512", st.SASLAddress,
			[]kgo.Opt{kgo.SASL(scram.Auth{User: KafkaUser, Pass: password}.AsSha512Mechanism())}},
	} {
		opts := append([]kgo.Opt{kgo.SeedBrokers(l.addr), kgo.DialTLSConfig(&tls.Config{RootCAs: roots})}, l.opts...)
		cl, err := kgo.NewClient(opts...)
		if err != nil {
			t.Fatal(err)
		}
		lctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		topics, err := kadm.NewClient(cl).ListTopics(lctx)
		cancel()
		cl.Close()
		if err != nil {
			t.Errorf("list topics over %s at %s: %v", l.name, l.addr, err)
		} else if !topics.Has(topic) {
			t.Errorf("topics over %s at %s = %v, want %s among them", l.name, l.addr, topics.Names(), topic)
		}
	}
}
