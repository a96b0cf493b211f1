package brokers

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// These tests fetch the real jars (once; they share the user's cache directory, or
// $BENCH_CACHE_DIR) and run real brokers on free ports. Skipped with -short.

func TestKafkaStartStop(t *testing.T) {
	integration(t, "java")
	ctx := t.Context()
	k, err := StartKafka(ctx, KafkaOptions{FreePorts: true, HeapMB: 512, Log: t.Output()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Stop(context.Background()) }) // does nothing after the Stop below
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
	integration(t, "java")
	o := KafkaOptions{StateDir: t.TempDir(), FreePorts: true, HeapMB: 512, Log: t.Output()}
	testUpStatusDown(t, o.detached(), func(st KafkaState) {
		if !isKafkaProcess(st.PID, st.ConfigPath) || st.Version != "4.1.2" {
			t.Errorf("pid %d (version %s) does not look like our kafka.Kafka 4.1.2", st.PID, st.Version)
		}
		createAndListTopic(t, t.Context(), st.Address)
	}, func(st KafkaState) {
		if left := processesMentioning(st.DataDir); len(left) > 0 {
			t.Errorf("processes still using %s after down: %v", st.DataDir, left)
		}
	})
}

// testUpStatusDown runs a detached broker through up, status, a second up, use, down and
// status again, checking each step; gone checks what down must have stopped.
func testUpStatusDown[S record](t *testing.T, d detached[S], use, gone func(st S)) {
	t.Helper()
	ctx := t.Context()
	t.Cleanup(func() { d.down(context.Background()) })

	st, started, err := d.up(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !started {
		t.Fatal("up on an empty state dir reports started = false")
	}
	got, running, err := d.status(ctx, false)
	if err != nil || !running {
		t.Fatalf("status = running %v, err %v; want running", running, err)
	}
	if got.pid() != st.pid() || got.where() != st.where() || got.label() != st.label() {
		t.Errorf("status = %+v, want %+v", got, st)
	}
	again, started, err := d.up(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if started || again.pid() != st.pid() {
		t.Errorf("second up = pid %d started %v; want the running pid %d reused", again.pid(), started, st.pid())
	}
	use(st)

	if err := d.down(ctx); err != nil {
		t.Fatal(err)
	}
	if pidAlive(st.pid()) {
		t.Errorf("pid %d still alive after down", st.pid())
	}
	gone(st)
	if _, running, err := d.status(ctx, false); running || err != nil {
		t.Errorf("status after down = running %v, err %v", running, err)
	}
	for _, p := range []string{d.statePath(), d.dataDir()} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s still there after down (%v)", p, err)
		}
	}
}

// TestKafkaDiesWithParent checks that a broker dies with the process that started it.
func TestKafkaDiesWithParent(t *testing.T) {
	integration(t, "java")
	testDiesWithParent(t, func() (int, string, error) {
		k, err := StartKafka(context.Background(), KafkaOptions{FreePorts: true, HeapMB: 256})
		if err != nil {
			return 0, "", err
		}
		return k.PID(), k.Info().DataDir, nil
	})
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
	// CreateTopics answers once the controller has committed the topic; the broker's
	// metadata, which ListTopics reads, follows a moment later (seen empty once on a
	// loaded machine), so the listing is asked again for up to 10 s.
	var topics kadm.TopicDetails
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		topics, err = adm.ListTopics(ctx)
		if err != nil {
			t.Fatalf("list topics at %s: %v", addr, err)
		}
		if slices.Contains(topics.Names(), topic) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("topics at %s = %v 10 s after creating it, want %s among them", addr, topics.Names(), topic)
		}
	}
	if got := len(topics[topic].Partitions); got != 3 {
		t.Errorf("topic %s has %d partitions, want 3", topic, got)
	}
}

func tail(s string) string {
	return strings.Join(lastLines(s, 30), "\n")
}
