package brokers

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLogTailNamesTheFirstError: a broker that failed to start logs its reason and then
// a page of shutting down; the error shows its first error line too, unless that line
// is already among the last ones.
func TestLogTailNamesTheFirstError(t *testing.T) {
	bind := "[2026-12-03 20:14:40,101] ERROR [KafkaRaftServer nodeId=1] Fatal error during startup (kafka.server.KafkaRaftServer$) org.apache.kafka.common.KafkaException: Socket server failed to bind to 127.0.0.1:38299: Address already in use."
	var log strings.Builder
	log.WriteString("[2026-12-03 20:14:39,000] INFO starting (kafka.Kafka$)\n" + bind + "\n")
	for i := range 40 {
		fmt.Fprintf(&log, "[2026-12-03 20:14:41,%03d] INFO shutting down part %d\n", i, i)
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		name, log string
		want      bool
	}{
		{"error before the last lines", log.String(), true},
		{"error among the last lines", "[x] INFO starting\n" + bind + "\n[y] INFO shut down\n", false},
		{"no error", "[x] INFO starting\n[y] INFO shut down\n", false},
	} {
		path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-"))
		if err := os.WriteFile(path, []byte(tc.log), 0o644); err != nil {
			t.Fatal(err)
		}
		got := logTail(path, 30)
		if strings.Contains(got, "first error in the broker log:\n    | "+bind) != tc.want {
			t.Errorf("%s: first error shown %v, want %v:\n%s", tc.name, !tc.want, tc.want, got)
		}
		lines := strings.Split(strings.TrimSpace(tc.log), "\n")
		if !strings.Contains(got, "last lines of the broker log:") || !strings.HasSuffix(got, "| "+lines[len(lines)-1]) {
			t.Errorf("%s: the last lines are missing:\n%s", tc.name, got)
		}
	}
}
