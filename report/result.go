// Package report owns result files: what one run of one target writes, how it is
// written and read back, and how results are shown to people.
package report

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"streambench/bench"
	"streambench/drivers"
)

// SchemaVersion is the version of the result file layout written by this program.
// Readers also read version 1, whose hdr fields hold their histogram base64-encoded
// twice (see Latency.HDR), and refuse any other.
//
// Version 2: hdr is the standard form, encoded once.
const SchemaVersion = 2

// oldestSchemaVersion is the oldest version readers still read.
const oldestSchemaVersion = 1

// Result is one run of one target.
type Result struct {
	SchemaVersion int            `json:"schema_version"`
	Scenario      bench.Scenario `json:"scenario"`
	// Overrides lists the command-line flags that changed the scenario, as given.
	Overrides map[string]string `json:"overrides"`
	// Sweep is the point of the scenario's matrix this run measured: each swept
	// setting's path (e.g. "kafka.linger") and its value as the scenario wrote it.
	// Empty for a scenario without a matrix.
	Sweep       map[string]string `json:"sweep,omitempty"`
	Target      Target            `json:"target"`
	Host        Host              `json:"host"`
	StartedAt   time.Time         `json:"started_at"`
	EndedAt     time.Time         `json:"ended_at"`
	Interrupted bool              `json:"interrupted"`
	// Notes say what a reader must know to read the numbers right (an emulator, a
	// broker that went away, a producer that fell behind).
	Notes  []string           `json:"notes"`
	Errors []bench.ErrorCount `json:"errors"`
	Counts bench.Counts       `json:"counts"`
	// DriverCounts are counts the driver's client kept of its own, by name: requests
	// throttled by the broker, retries, records given up on (empty for drivers that
	// keep none).
	DriverCounts map[string]int64 `json:"driver_counts,omitempty"`
	Throughput   Throughput       `json:"throughput"`
	Latency      Latencies        `json:"latency"`
	// ClientCPUSeconds is the CPU time of the bench process during the run.
	ClientCPUSeconds float64 `json:"client_cpu_seconds"`
	// ClientPeakRSSBytes is the most memory the bench process held resident during the
	// run; 0 where it is not known (not Linux, or a result written before it was kept).
	ClientPeakRSSBytes int64            `json:"client_peak_rss_bytes"`
	Intervals          []bench.Interval `json:"intervals"`
	// Probes are the broker's answers to the scenario's probes (retention, encryption).
	Probes []bench.Probe `json:"probes,omitempty"`
	// Actions are the scenario's timeline as it happened (scale, restart the broker,
	// stop and start the consumers).
	Actions []bench.ActionRecord `json:"actions,omitempty"`
	// Partitions says, for a run with actions, when each partition (shard) first
	// delivered and how many messages it delivered.
	Partitions []bench.PartitionReceipt `json:"partitions,omitempty"`
	// Replay is what reading the topology again from its start found, when the scenario
	// asked for it.
	Replay *bench.Replay `json:"replay,omitempty"`
	// Backlog is how fast the consumers read the backlog the load left, when the
	// scenario has them read after the load (workload.consume: after).
	Backlog *bench.Backlog `json:"backlog_read,omitempty"`
	// SLO holds the run's verdicts on the scenario's SLOs that apply to its target
	// (Judge); absent when there are none, and in files written before SLOs were.
	SLO []Verdict `json:"slo,omitempty"`
}

// Target says what produced the numbers.
type Target struct {
	Name   string             `json:"name"`
	Driver string             `json:"driver"`
	Broker drivers.BrokerInfo `json:"broker"`
	// Address is where the broker was reached (no credentials).
	Address string `json:"address"`
	// Topic is the topic or stream the run used.
	Topic string `json:"topic"`
	// Emulator is true when the broker is a stand-in for the real service, whose
	// latency and throughput say nothing about the real one.
	Emulator bool `json:"emulator"`
	// Env is the environment the broker was found in: local (processes bench
	// manages), docker (containers bench started), compose, external (given by the
	// user), in-process.
	Env string `json:"env"`
	// Security is how the connection was made (plaintext, TLS, SASL mechanism and user),
	// never with a secret.
	Security string `json:"security,omitempty"`
	// WriteQuotas and ReadQuotas are true when AWS's per-shard quotas applied to a run
	// on a Kinesis emulator: the write quotas enforced by the engine, the read quotas
	// kept by bench's consumer.
	WriteQuotas bool `json:"write_quotas,omitempty"`
	ReadQuotas  bool `json:"read_quotas,omitempty"`
}

// Quotas says which of AWS's per-shard quotas applied to a run on a Kinesis emulator;
// empty for any other run (against AWS itself the service enforces them).
func (t Target) Quotas() string {
	switch {
	case !t.Emulator || t.Driver != "kinesis":
		return ""
	case t.WriteQuotas && t.ReadQuotas:
		return "AWS quotas enforced (emulator)"
	case t.ReadQuotas:
		return "AWS read quotas kept, write quotas not enforced (emulator)"
	case t.WriteQuotas:
		return "AWS write quotas enforced, read quotas not kept (emulator)"
	}
	return "no AWS quota enforced (emulator)"
}

// Kind says what produced the numbers: a real broker (and how it was reached), an
// emulator, or no broker at all.
func (t Target) Kind() string {
	switch {
	case t.Emulator && t.Quotas() != "":
		return "EMULATOR (not the real service), " + strings.TrimSuffix(t.Quotas(), " (emulator)")
	case t.Emulator:
		return "EMULATOR (not the real service)"
	case t.Env == "in-process":
		return "no broker (harness only)"
	}
	return "real broker, " + t.Env
}

// Host describes the machine and program that ran the benchmark.
type Host struct {
	Hostname     string `json:"hostname"`
	CPUs         int    `json:"cpus"`
	CPUModel     string `json:"cpu_model"`
	OS           string `json:"os"`
	Arch         string `json:"arch"`
	GoVersion    string `json:"go_version"`
	BenchVersion string `json:"bench_version"`
}

// Throughput is measured over the measured window (warm-up and drain left out).
type Throughput struct {
	// RequestedMsgsPerS is the scenario's rate; null when the rate is max.
	RequestedMsgsPerS *float64 `json:"requested_msgs_per_s"`
	SentMsgsPerS      float64  `json:"sent_msgs_per_s"`
	ReceivedMsgsPerS  float64  `json:"received_msgs_per_s"`
	// ReceivedMBPerS is in megabytes (10^6 bytes) of whole messages per second.
	ReceivedMBPerS float64 `json:"received_mb_per_s"`
}

// Latencies are the run's four latency distributions.
type Latencies struct {
	// Publish is from the intended send time to the broker's acknowledgement.
	Publish Latency `json:"publish"`
	// EndToEnd is from the intended send time to receipt by a consumer.
	EndToEnd Latency `json:"end_to_end"`
	// Service is from the actual send to the acknowledgement.
	Service Latency `json:"service"`
	// SendLag is how late the producer sent, behind its schedule.
	SendLag Latency `json:"send_lag"`
}

// Latency summarises one distribution, in microseconds.
type Latency struct {
	Count int64   `json:"count"`
	Min   float64 `json:"min_us"`
	Mean  float64 `json:"mean_us"`
	P50   float64 `json:"p50_us"`
	P90   float64 `json:"p90_us"`
	P99   float64 `json:"p99_us"`
	P999  float64 `json:"p999_us"`
	P9999 float64 `json:"p9999_us"`
	Max   float64 `json:"max_us"`
	// HDR is the whole histogram (values in nanoseconds) in the standard text form of
	// HdrHistogram's interval logs: base64 of the V2 compressed encoding ("HISTFAAA…"),
	// which HdrHistogram's own decoders read as it is (Java's
	// Histogram.decodeFromCompressedByteBuffer after base64-decoding it, Python's
	// HdrHistogram.decode, Go's hdrhistogram.Decode). Version 1 files encoded that text
	// once more with base64; Decode undoes that on reading them.
	HDR string `json:"hdr"`
}

// Summarize turns a histogram of nanoseconds into a Latency.
func Summarize(h *hdrhistogram.Histogram) (Latency, error) {
	enc, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return Latency{}, fmt.Errorf("encoding histogram: %w", err)
	}
	// Encode's output is already base64 text: it is the standard form as it is.
	l := Latency{Count: h.TotalCount(), HDR: string(enc)}
	if l.Count == 0 {
		return l, nil
	}
	us := func(ns int64) float64 { return float64(ns) / 1e3 }
	l.Min, l.Mean, l.Max = us(h.Min()), h.Mean()/1e3, us(h.Max())
	l.P50, l.P90, l.P99 = us(h.ValueAtQuantile(50)), us(h.ValueAtQuantile(90)), us(h.ValueAtQuantile(99))
	l.P999, l.P9999 = us(h.ValueAtQuantile(99.9)), us(h.ValueAtQuantile(99.99))
	return l, nil
}

// Histogram decodes the stored histogram.
func (l Latency) Histogram() (*hdrhistogram.Histogram, error) {
	h, err := hdrhistogram.Decode([]byte(l.HDR))
	if err != nil {
		return nil, fmt.Errorf("histogram does not decode (base64 of an HdrHistogram V2 compressed encoding): %w", err)
	}
	return h, nil
}

// FromMeasurements fills the measured part of r.
func (r *Result) FromMeasurements(m *bench.Measurements) error {
	r.StartedAt, r.EndedAt = m.StartedAt.UTC(), m.EndedAt.UTC()
	r.Interrupted = m.Interrupted
	r.Counts = m.Counts
	r.DriverCounts = m.DriverCounts
	r.Errors = m.Errors
	r.Intervals = m.Intervals
	r.ClientCPUSeconds = m.CPUSeconds
	r.ClientPeakRSSBytes = m.PeakRSSBytes
	r.Probes, r.Actions, r.Partitions, r.Replay, r.Backlog = m.Probes, m.Actions, m.Partitions, m.Replay, m.Backlog
	if !r.Scenario.Workload.Rate.Max {
		rate := r.Scenario.Workload.Rate.Mean()
		r.Throughput.RequestedMsgsPerS = &rate
	}
	if secs := m.MeasuredSeconds; secs > 0 {
		r.Throughput.SentMsgsPerS = float64(m.SentInWindow) / secs
		r.Throughput.ReceivedMsgsPerS = float64(m.ReceivedInWindow) / secs
		r.Throughput.ReceivedMBPerS = r.Throughput.ReceivedMsgsPerS * float64(r.Scenario.Workload.MessageSize) / 1e6
	}
	for _, x := range []struct {
		dst *Latency
		h   *hdrhistogram.Histogram
	}{
		{&r.Latency.Publish, m.Publish},
		{&r.Latency.EndToEnd, m.EndToEnd},
		{&r.Latency.Service, m.Service},
		{&r.Latency.SendLag, m.SendLag},
	} {
		l, err := Summarize(x.h)
		if err != nil {
			return err
		}
		*x.dst = l
	}
	r.Notes = append(r.Notes, notes(r, m)...)
	return nil
}

// notes are the facts a reader of these numbers must not miss.
func notes(r *Result, m *bench.Measurements) []string {
	var out []string
	c := m.Counts
	switch w := r.Scenario.Workload; {
	case w.Consumers == 0:
		out = append(out, "no consumers (workload.consumers: 0): the run measured producing only; "+
			"nothing was read, so loss, duplicates, order and end-to-end latency were not measured")
	case m.Backlog != nil:
		b := m.Backlog
		out = append(out, fmt.Sprintf("the consumers read the backlog after the load (workload.consume: after): "+
			"%d messages in %.2f s from their start, group join included (%.0f msg/s, %.1f MB/s); end-to-end latency is not measured this way",
			b.Messages, b.Seconds, b.MsgsPerS, b.MBPerS))
	}
	if r.Interrupted {
		out = append(out, fmt.Sprintf("interrupted: the load stopped after %.1f s of the %s measured window", m.MeasuredSeconds, r.Scenario.Duration))
	}
	if c.NotSent > 0 {
		out = append(out, fmt.Sprintf("the producers fell behind the schedule: %d of %d requested messages were never sent", c.NotSent, c.Requested))
	}
	if c.SendErrors > 0 {
		out = append(out, fmt.Sprintf("%d messages failed to send%s (see errors)", c.SendErrors, when(m.Errors, "send")))
	}
	for _, e := range m.Errors {
		if e.Where == "consume" {
			out = append(out, fmt.Sprintf("the consumers' reads failed %d times%s (see errors)", e.Count, when(m.Errors, e.Where)))
		}
	}
	if c.Lost > 0 {
		out = append(out, fmt.Sprintf("%d acknowledged messages were never received", c.Lost))
		if m.DrainExpired && m.StillArriving {
			out = append(out, fmt.Sprintf("the drain time (%s) ran out while messages were still arriving: "+
				"some of the %d counted as lost may only have been late; a longer drain would tell", r.Scenario.Drain, c.Lost))
		}
	}
	if m.Clamped > 0 {
		out = append(out, fmt.Sprintf("%d latencies above one hour were recorded as one hour", m.Clamped))
	}
	for _, a := range m.Actions {
		out = append(out, actionNote(a))
	}
	return out
}

// when says when the errors of a place happened, if the run recorded it: a broker that
// went away mid-run shows as errors from then on.
func when(errs []bench.ErrorCount, where string) string {
	for _, e := range errs {
		if e.Where == where && e.LastS > 0 {
			return fmt.Sprintf(", from %.1f s to %.1f s of the run", e.FirstS, e.LastS)
		}
	}
	return ""
}

// actionNote says what one action of the timeline did: for a fault, its window, the
// highest latencies from its start, and when the run was back to its latency before it.
func actionNote(a bench.ActionRecord) string {
	what := strings.TrimSpace(a.Do + " " + a.Detail)
	switch {
	case a.Error != "":
		return fmt.Sprintf("action %s at %.1f s failed: %s", what, a.AtS, a.Error)
	case a.Effect == nil:
		return fmt.Sprintf("action %s at %.1f s took %.1f s", what, a.AtS, a.TookS)
	}
	e := a.Effect
	s := fmt.Sprintf("fault %s from %.1f s to %.1f s: highest latency publish %s ms, end-to-end %s ms",
		what, a.AtS, a.AtS+a.TookS, ms(e.MaxPublishMs*1e3), ms(e.MaxEndToEndMs*1e3))
	switch {
	case e.BaselineP99Ms == 0:
		s += "; no recovery time: nothing had been received before it to compare with"
	case e.RecoveredAfterS == nil:
		s += fmt.Sprintf("; not back within 2× the end-to-end p99 before it (%s ms) before the run ended", ms(e.BaselineP99Ms*1e3))
	default:
		s += fmt.Sprintf("; back within 2× the end-to-end p99 before it (%s ms) %.1f s after it ended (to the second)",
			ms(e.BaselineP99Ms*1e3), *e.RecoveredAfterS)
	}
	return s
}

// Path is where a result of this scenario and target, started at t, goes under dir.
func Path(dir, scenario, target string, t time.Time) string {
	return filepath.Join(dir, scenario, t.UTC().Format("20060102T150405Z")+"-"+target+".json")
}

// Write writes r to path atomically: to a temporary file in the same directory, then
// linked into place, so that a reader never sees half a file and two runs never
// overwrite each other (a taken name gets a -2, -3, … suffix). It returns the path
// written.
func Write(path string, r *Result) (string, error) {
	r.SchemaVersion = SchemaVersion
	data, err := encode(r)
	if err != nil {
		return "", err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("creating result directory: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".result-*.tmp")
	if err != nil {
		return "", fmt.Errorf("writing result: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return "", fmt.Errorf("writing result %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", fmt.Errorf("writing result %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("writing result %s: %w", tmp.Name(), err)
	}
	base := strings.TrimSuffix(path, ".json")
	for i := 1; i < 1000; i++ {
		dst := path
		if i > 1 {
			dst = fmt.Sprintf("%s-%d.json", base, i)
		}
		err := os.Link(tmp.Name(), dst)
		if err == nil {
			return dst, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("writing result %s: %w", dst, err)
		}
	}
	return "", fmt.Errorf("writing result %s: too many results of that name", path)
}

// CheckDir makes dir if it is missing and checks that a file can be made in it, as Write
// will, so that a run can be refused before it starts rather than lose its result.
func CheckDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".result-check-*.tmp")
	if err != nil {
		return err
	}
	f.Close()
	return os.Remove(f.Name())
}

// encode is a result file's bytes, as Write writes them.
func encode(r *Result) ([]byte, error) {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding result: %w", err)
	}
	return append(data, '\n'), nil
}

// Read reads and checks a result file.
func Read(path string) (*Result, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading result: %w", err)
	}
	return Decode(path, data)
}

// Decode parses a result file's bytes; name is used in messages.
func Decode(name string, data []byte) (*Result, error) {
	var probe struct {
		SchemaVersion json.RawMessage `json:"schema_version"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		var notObject *json.UnmarshalTypeError
		if errors.As(err, &notObject) {
			return nil, fmt.Errorf("%s: not a result file (JSON, but %s, not an object)", name, notObject.Value)
		}
		return nil, fmt.Errorf("%s: not a result file (not JSON: %w)", name, err)
	}
	if len(probe.SchemaVersion) == 0 || string(probe.SchemaVersion) == "null" {
		return nil, fmt.Errorf("%s: not a result file (no schema_version)", name)
	}
	var version int
	if err := json.Unmarshal(probe.SchemaVersion, &version); err != nil {
		return nil, fmt.Errorf("%s: not a result file (schema_version %s is not a version number)", name, probe.SchemaVersion)
	}
	if version < oldestSchemaVersion || version > SchemaVersion {
		return nil, fmt.Errorf("%s: result schema_version %d, this bench reads versions %d to %d", name, version, oldestSchemaVersion, SchemaVersion)
	}
	var r Result
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("%s: corrupt result file: %w", name, err)
	}
	if version == 1 {
		if err := r.upgradeV1(); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	if err := r.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &r, nil
}

// latencies names the four distributions of r by their place in the file.
func (r *Result) latencies() []struct {
	field string
	l     *Latency
} {
	return []struct {
		field string
		l     *Latency
	}{
		{"latency.publish", &r.Latency.Publish},
		{"latency.end_to_end", &r.Latency.EndToEnd},
		{"latency.service", &r.Latency.Service},
		{"latency.send_lag", &r.Latency.SendLag},
	}
}

// upgradeV1 turns a version 1 result into the current version: its hdr fields were the
// standard text encoded again with base64.
func (r *Result) upgradeV1() error {
	for _, x := range r.latencies() {
		inner, err := base64.StdEncoding.DecodeString(x.l.HDR)
		if err != nil {
			return fmt.Errorf("%s.hdr: not base64 (schema_version 1 holds the histogram base64-encoded twice): %w", x.field, err)
		}
		x.l.HDR = string(inner)
	}
	r.SchemaVersion = SchemaVersion
	return nil
}
