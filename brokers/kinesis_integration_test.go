package brokers

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// These tests install the real engines (once; they share the user's cache directory, or
// $BENCH_CACHE_DIR): kinesis-mock from npm, ferrokinesis built with cargo. They run each
// engine on free ports. Skipped with -short.

// engines are the local Kinesis engines, with the version each runs.
var engines = []struct{ name, version string }{
	{EngineFerrokinesis, FerrokinesisVersion},
	{EngineKinesisMock, KinesisVersion},
}

// forEachEngine runs test as a subtest per engine, skipped with -short or where the engine
// cannot be had (failed in CI).
func forEachEngine(t *testing.T, test func(t *testing.T, engine, version string)) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			if e.name == EngineKinesisMock {
				integration(t, "node", "npm")
			} else {
				integration(t)
				cache, err := (baseConfig{}).resolve(time.Second)
				if err != nil {
					t.Fatal(err)
				}
				if eng := (ferroEngine{}); !eng.installed(cache.cacheDir) {
					if err := eng.installable(); err != nil {
						if os.Getenv("CI") != "" {
							t.Fatalf("ferrokinesis is required in CI: %v", err)
						}
						t.Skip(err)
					}
				}
			}
			test(t, e.name, e.version)
		})
	}
}

func TestKinesisStartStop(t *testing.T) { forEachEngine(t, testKinesisStartStop) }

func testKinesisStartStop(t *testing.T, engine, version string) {
	ctx := t.Context()
	k, err := StartKinesis(ctx, KinesisOptions{Engine: engine, FreePorts: true, Log: t.Output()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Stop(context.Background()) }) // does nothing after the Stop below
	if k.Product() != engine || k.Version() != version || k.Info().WriteQuotas != (engine == EngineFerrokinesis) {
		t.Errorf("product, version, write quotas = %q, %q, %v", k.Product(), k.Version(), k.Info().WriteQuotas)
	}
	if want := fmt.Sprintf("http://127.0.0.1:%d", k.Info().Port); k.Endpoint() != want {
		t.Errorf("endpoint = %q, want %q", k.Endpoint(), want)
	}
	if !isKinesisProcess(k.Info()) {
		t.Errorf("pid %d does not look like our %s", k.PID(), engine)
	}

	createAndListStream(t, ctx, k.Endpoint())

	// A client's idle keep-alive connection, as an SDK's pool keeps, must not keep the
	// engine from stopping.
	conn, err := net.Dial("tcp", strings.TrimPrefix(k.Endpoint(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\n"+
		"X-Amz-Target: Kinesis_20131202.ListStreams\r\nContent-Length: 2\r\n\r\n{}")
	if resp, err := http.ReadResponse(bufio.NewReader(conn), nil); err != nil {
		t.Fatalf("request on a kept-alive connection: %v", err)
	} else {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}

	info := k.Info()
	if err := k.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	assertEngineGone(t, info)
	if _, err := os.Stat(info.DataDir); !os.IsNotExist(err) {
		t.Errorf("data dir %s still there after Stop (%v)", info.DataDir, err)
	}
	if err := k.Stop(ctx); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

func TestKinesisUpStatusDown(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine, version string) {
		o := KinesisOptions{Engine: engine, StateDir: t.TempDir(), FreePorts: true, Log: t.Output()}
		other := EngineKinesisMock
		if engine == other {
			other = EngineFerrokinesis
		}
		testUpStatusDown(t, o.detached(), func(st KinesisState) {
			if st.DataDir != filepath.Join(o.StateDir, (o.detached()).name) || st.Version != version {
				t.Errorf("detached state = %+v, want version %s with its data dir in the state dir", st, version)
			}
			createAndListStream(t, t.Context(), st.Endpoint)
			// Kafka's state in the same directory is not Kinesis's, nor the other
			// engine's.
			if _, running, err := KafkaStatus(t.Context(), KafkaOptions{StateDir: o.StateDir}); running || err != nil {
				t.Errorf("KafkaStatus beside a detached %s = running %v, err %v", engine, running, err)
			}
			if _, running, err := KinesisStatus(t.Context(), KinesisOptions{Engine: other, StateDir: o.StateDir}); running || err != nil {
				t.Errorf("%s's status beside a detached %s = running %v, err %v", other, engine, running, err)
			}
			if got, ok := KinesisEngineOf(t.Context(), st.Endpoint, KinesisOptions{StateDir: o.StateDir}); !ok || got.Product != engine {
				t.Errorf("KinesisEngineOf(%s) = %+v, %v; want %s", st.Endpoint, got, ok, engine)
			}
		}, func(st KinesisState) { assertEngineGone(t, st) })
	})
}

// TestKinesisDiesWithParent checks that each engine dies with the process that started
// it.
func TestKinesisDiesWithParent(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine, _ string) {
		testKinesisDiesWithParent(t, engine)
	})
}

func testKinesisDiesWithParent(t *testing.T, engine string) {
	testDiesWithParent(t, func() (int, string, error) {
		k, err := StartKinesis(context.Background(), KinesisOptions{Engine: engine, FreePorts: true})
		if err != nil {
			return 0, "", err
		}
		return k.PID(), k.Info().DataDir, nil
	})
}

// createAndListStream creates a stream at endpoint and checks that it is listed.
func createAndListStream(t *testing.T, ctx context.Context, endpoint string) {
	t.Helper()
	// Unique: a detached engine may be shared with earlier runs.
	stream := fmt.Sprintf("streambench-brokers-test-%d", time.Now().UnixNano())
	status, body, err := kinesisCall(ctx, endpoint, "CreateStream",
		fmt.Sprintf(`{"StreamName": %q, "ShardCount": 2}`, stream))
	if err != nil || status != 200 {
		t.Fatalf("CreateStream %s at %s = HTTP %d %s, %v", stream, endpoint, status, body, err)
	}
	status, body, err = kinesisCall(ctx, endpoint, "ListStreams", "{}")
	var list struct{ StreamNames []string }
	if err != nil || status != 200 || json.Unmarshal(body, &list) != nil {
		t.Fatalf("ListStreams at %s = HTTP %d %s, %v", endpoint, status, body, err)
	}
	if !slices.Contains(list.StreamNames, stream) {
		t.Fatalf("streams at %s = %v, want %s among them", endpoint, list.StreamNames, stream)
	}
}

// assertEngineGone checks that nothing is left of a stopped engine: its process group is
// empty and its ports can be bound again.
func assertEngineGone(t *testing.T, st KinesisState) {
	t.Helper()
	if pidAlive(st.PID) {
		t.Errorf("node pid %d still alive after stop", st.PID)
	}
	// kill(-pgid, 0) fails with ESRCH once no process is left in the group. A process
	// that has exited stays in it until reaped, which a detached engine handed over by
	// this test process may not be yet: give the reaper a moment.
	err := syscall.Kill(-st.PID, 0)
	for deadline := time.Now().Add(2 * time.Second); err == nil && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		err = syscall.Kill(-st.PID, 0)
	}
	if !errors.Is(err, syscall.ESRCH) {
		signalGroup(st.PID, syscall.SIGKILL)
		t.Errorf("process group %d not empty after stop (kill: %v)", st.PID, err)
	}
	for _, p := range []int{st.Port, st.TLSPort} {
		if p == 0 {
			continue // no HTTPS port
		}
		if err := portFree("", p); err != nil {
			t.Errorf("port %d still taken after stop: %v", p, err)
		}
	}
}
