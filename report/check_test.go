package report

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDecodeRejectsNonsense: a result whose values cannot be (a negative count, more
// received than sent, a histogram that does not decode or disagrees with its count) is
// refused by Decode, which every reader of result files uses, naming the file and the
// field (issue 17: 'bench report' printed "-5 / 44000", and a broken hdr with exit 0).
func TestDecodeRejectsNonsense(t *testing.T) {
	good, err := os.ReadFile(mustWrite(t, sampleResult(t)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Decode("x.json", good); err != nil {
		t.Fatalf("the good result is refused: %v", err)
	}
	notHistogram := base64.StdEncoding.EncodeToString([]byte("HISTFAAA but no histogram"))
	for _, tc := range []struct {
		name string
		edit func(*Result)
		want string
	}{
		{"negative sent", func(r *Result) { r.Counts.Sent = -5 }, "counts.sent: -5 is negative"},
		{"negative lost", func(r *Result) { r.Counts.Lost = -1 }, "counts.lost: -1 is negative"},
		{"negative driver count", func(r *Result) { r.DriverCounts = map[string]int64{"retries": -2} }, "driver_counts.retries: -2 is negative"},
		{"received over sent", func(r *Result) { r.Counts.Received = 101 },
			"counts.received: 101 is more than were sent (counts.sent 100) plus the copies (counts.duplicated 0)"},
		{"hdr not base64", func(r *Result) { r.Latency.Service.HDR = "not base64!" }, "latency.service.hdr: histogram does not decode"},
		{"hdr not a histogram", func(r *Result) { r.Latency.EndToEnd.HDR = notHistogram }, "latency.end_to_end.hdr: histogram does not decode"},
		{"hdr encoded twice", func(r *Result) {
			r.Latency.EndToEnd.HDR = base64.StdEncoding.EncodeToString([]byte(r.Latency.EndToEnd.HDR))
		}, "latency.end_to_end.hdr: histogram does not decode"},
		{"count not the histogram's", func(r *Result) { r.Latency.EndToEnd.Count = 99 },
			"latency.end_to_end.count: 99, but its histogram (hdr) holds 100 values"},
		{"more latencies than acks", func(r *Result) {
			r.Counts.Acked = 10
			r.Latency.Publish = r.Latency.EndToEnd
		}, "latency.publish.count: 100 latencies, more than the messages acknowledged (counts.acked 10)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Decode("x.json", good)
			if err != nil {
				t.Fatal(err)
			}
			tc.edit(r)
			data, err := encode(r)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Decode("x.json", data)
			if err == nil || !strings.HasPrefix(err.Error(), "x.json: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one naming x.json and containing %q", err, tc.want)
			}
		})
	}
}

// TestDecodeVersion1: a result file of schema_version 1, whose hdr fields hold the
// histogram base64-encoded twice, still reads, as the same result the current version
// holds for the same run (testdata/v1 is a fixture as version 1 wrote it).
func TestDecodeVersion1(t *testing.T) {
	const name = "20261124T140000Z-kafka.json"
	old, err := Read(filepath.Join("testdata", "v1", name))
	if err != nil {
		t.Fatal(err)
	}
	cur, err := Read(filepath.Join(resultsDir, "small-msgs", name))
	if err != nil {
		t.Fatal(err)
	}
	if old.SchemaVersion != SchemaVersion {
		t.Errorf("version 1 read as schema_version %d, want it upgraded to %d", old.SchemaVersion, SchemaVersion)
	}
	if old.Latency != cur.Latency {
		t.Errorf("version 1 latencies differ from the current version's:\n%+v\n%+v", old.Latency, cur.Latency)
	}
}

// TestHDRStandardForm: the hdr field is the standard text of HdrHistogram's interval
// logs, base64 of the V2 compressed encoding, whose first four bytes are its cookie
// 0x1c849314 (HdrHistogram's V2CompressedEncodingCookieBase 0x1c849304, plus the word
// size 0x10 that every V2 encoder adds), and not that text encoded again.
func TestHDRStandardForm(t *testing.T) {
	data, err := os.ReadFile(mustWrite(t, sampleResult(t)))
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Latency map[string]struct {
			HDR string `json:"hdr"`
		} `json:"latency"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	for name, l := range file.Latency {
		raw, err := base64.StdEncoding.DecodeString(l.HDR)
		if err != nil || !bytes.HasPrefix(raw, []byte{0x1c, 0x84, 0x93, 0x14}) {
			t.Errorf("latency.%s.hdr = %.20q…: want base64 of a V2 compressed encoding (cookie 1c849314), got %x… (%v)", name, l.HDR, raw[:min(len(raw), 8)], err)
		}
	}
}
