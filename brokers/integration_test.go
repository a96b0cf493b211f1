package brokers

import (
	"context"
	"fmt"
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
)

// These tests fetch the real jars (once; they share the user's cache directory, or
// $BENCH_CACHE_DIR) and run real brokers on free ports. Skipped with -short.

func integration(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a real Kafka broker; skipped with -short")
	}
	if _, err := exec.LookPath("java"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("java is required in CI: %v", err)
		}
		t.Skip("java not on PATH")
	}
}

func TestKafkaStartStop(t *testing.T) {
	integration(t)
	ctx := t.Context()
	k, err := StartKafka(ctx, KafkaOptions{FreePorts: true, HeapMB: 512, Log: t.Output()})
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			k.Stop(context.Background())
		}
	})
	if k.Product() != "Apache Kafka" || k.Version() != "4.1.2" {
		t.Errorf("product, version = %q, %q", k.Product(), k.Version())
	}
	if !strings.HasPrefix(k.Address(), "127.0.0.1:") {
		t.Errorf("address = %q", k.Address())
	}

	createAndListTopic(t, ctx, k.Address())

	// The broker logs through log4j2: a missing SLF4J binding would leave the log
	// nearly empty, with SLF4J's own complaint at the top.
	log, err := os.ReadFile(k.LogPath())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(log), "Kafka Server started") {
		t.Errorf("broker log %s lacks \"Kafka Server started\":\n%s", k.LogPath(), tail(string(log)))
	}
	if strings.Contains(string(log), "SLF4J") {
		t.Errorf("broker log %s has SLF4J warnings:\n%s", k.LogPath(), tail(string(log)))
	}

	pid, dataDir := k.PID(), k.Info().DataDir
	if err := k.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	stopped = true
	if pidAlive(pid) {
		t.Errorf("JVM pid %d still alive after Stop", pid)
	}
	if _, err := os.Stat(dataDir); !os.IsNotExist(err) {
		t.Errorf("data dir %s still there after Stop (%v)", dataDir, err)
	}
	if left := processesMentioning(dataDir); len(left) > 0 {
		t.Errorf("processes still using %s after Stop: %v", dataDir, left)
	}
	if err := k.Stop(ctx); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

func TestKafkaUpStatusDown(t *testing.T) {
	integration(t)
	ctx := t.Context()
	o := KafkaOptions{StateDir: t.TempDir(), FreePorts: true, HeapMB: 512, Log: t.Output()}
	t.Cleanup(func() { DownKafka(context.Background(), o) })

	st, started, err := UpKafka(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if !started {
		t.Fatal("UpKafka on an empty state dir reports started = false")
	}
	got, running, err := KafkaStatus(ctx, o)
	if err != nil || !running {
		t.Fatalf("KafkaStatus = running %v, err %v; want running", running, err)
	}
	if got.PID != st.PID || got.Address != st.Address || got.Version != "4.1.2" {
		t.Errorf("KafkaStatus = %+v, want %+v", got, st)
	}
	if !isKafkaProcess(st.PID, st.ConfigPath) {
		t.Errorf("pid %d does not look like our kafka.Kafka", st.PID)
	}

	again, started, err := UpKafka(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if started || again.PID != st.PID {
		t.Errorf("second UpKafka = pid %d started %v; want the running pid %d reused", again.PID, started, st.PID)
	}
	createAndListTopic(t, ctx, st.Address)

	if err := DownKafka(ctx, o); err != nil {
		t.Fatal(err)
	}
	if pidAlive(st.PID) {
		t.Errorf("JVM pid %d still alive after DownKafka", st.PID)
	}
	if _, running, err := KafkaStatus(ctx, o); running || err != nil {
		t.Errorf("KafkaStatus after DownKafka = running %v, err %v", running, err)
	}
	for _, name := range []string{stateFile, detachedDataDir} {
		if _, err := os.Stat(filepath.Join(o.StateDir, name)); !os.IsNotExist(err) {
			t.Errorf("%s still in state dir after DownKafka (%v)", name, err)
		}
	}
	if left := processesMentioning(st.DataDir); len(left) > 0 {
		t.Errorf("processes still using %s after DownKafka: %v", st.DataDir, left)
	}
}

// TestKafkaDiesWithParent runs a child test process that starts a broker and exits without
// stopping it; the parent-death signal must take the JVM down with it.
func TestKafkaDiesWithParent(t *testing.T) {
	integration(t)
	if !parentDeathSignal {
		t.Skip("no parent-death signal on this OS")
	}
	if os.Getenv("BROKERS_TEST_ORPHAN") == "1" {
		k, err := StartKafka(context.Background(), KafkaOptions{FreePorts: true, HeapMB: 256})
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(2)
		}
		// Busy goroutines that lock and leave threads: the thread that started the JVM
		// must not be among those retired.
		for range 8 {
			go func() { runtimeLockAndExit() }()
		}
		time.Sleep(500 * time.Millisecond)
		fmt.Printf("pid=%d dir=%s\n", k.PID(), k.Info().DataDir)
		os.Exit(0) // no Stop: that is the point
	}
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestKafkaDiesWithParent$", "-test.v=false")
	cmd.Env = append(os.Environ(), "BROKERS_TEST_ORPHAN=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	var pid int
	var dir string
	for _, line := range strings.Split(string(out), "\n") {
		if _, err := fmt.Sscanf(line, "pid=%d dir=%s", &pid, &dir); err == nil {
			break
		}
	}
	if pid == 0 {
		t.Fatalf("child printed no pid:\n%s", out)
	}
	if !waitGone(t.Context(), pid, 10*time.Second) {
		syscallKill(pid)
		t.Fatalf("JVM pid %d outlived the process that started it", pid)
	}
	// The next start sweeps the data directory the dead bench left behind.
	sweepRunDirs(filepath.Dir(dir))
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("orphaned data dir %s not swept (%v)", dir, err)
	}
}

func createAndListTopic(t *testing.T, ctx context.Context, addr string) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	const topic = "streambench-brokers-test"
	resp, err := adm.CreateTopic(ctx, 3, 1, nil, topic)
	if err != nil || resp.Err != nil {
		t.Fatalf("create topic %s at %s: %v %v", topic, addr, err, resp.Err)
	}
	topics, err := adm.ListTopics(ctx)
	if err != nil {
		t.Fatalf("list topics at %s: %v", addr, err)
	}
	if !slices.Contains(topics.Names(), topic) {
		t.Fatalf("topics at %s = %v, want %s among them", addr, topics.Names(), topic)
	}
	if got := len(topics[topic].Partitions); got != 3 {
		t.Errorf("topic %s has %d partitions, want 3", topic, got)
	}
}

// processesMentioning lists pids whose command line contains s.
func processesMentioning(s string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(b), s) {
			pids = append(pids, pid)
		}
	}
	return pids
}

func tail(s string) string {
	return strings.Join(lastLines(s, 30), "\n")
}
