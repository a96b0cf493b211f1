// Package peer measures bench beside Kafka's own performance tools (ProducerPerformance,
// ConsumerPerformance, EndToEndLatency) on one local broker, in one sitting, the two
// tools taking turns, with the same settings: producer throughput and its CPU cost,
// consumer throughput over the same backlog, end-to-end latency with one message in
// flight, and what each reports of a broker stall. Each tool runs as a process of its
// own, whose CPU time and peak memory come from the kernel (getrusage of the child).
package peer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"streambench/brokers"
	"streambench/report"
)

// The measurements, in the order they run.
const (
	Produce100  = "produce-100"
	Produce1KiB = "produce-1024"
	Consume     = "consume"
	EndToEnd    = "end-to-end"
	Stall       = "stall"
)

// Names lists the measurements.
func Names() []string { return []string{Produce100, Produce1KiB, Consume, EndToEnd, Stall} }

// Settings shared by both sides of a comparison: Kafka's producer defaults (linger.ms 5
// since Kafka 4.0, batch.size 16384, idempotence on, max.in.flight 5), acks=all, no
// compression.
const (
	partitions  = 4
	lingerMs    = 5
	batchBytes  = 16384
	bufferBytes = 32 << 20 // the Java producer's buffer.memory
	// toolHeapMB bounds each Java tool's heap; the broker has its own.
	toolHeapMB = 512
	// stallAt and stallFor place the broker stall in a fixed-rate run; stallRate is the
	// run's rate.
	stallAt, stallFor = 5 * time.Second, time.Second
	stallRate         = 1000
)

// Config says where and how much to measure.
type Config struct {
	// Kafka is the local broker ('bench brokers up') the tools run against: bench runs
	// find it in its state directory, the stall pauses it.
	Kafka   brokers.KafkaOptions
	Address string // its bootstrap address
	// Bench is the bench binary whose 'bench run' is measured.
	Bench string
	// Dir receives the scenarios, each tool's output, bench's results and the report.
	Dir    string
	Repeat int
	// Only names the measurements to take; empty means all.
	Only []string
	// Scale multiplies every run's size (records, durations): 1 for the figures, less
	// for a quick check.
	Scale float64
	Log   io.Writer
}

func (c Config) logf(format string, args ...any) {
	if c.Log != nil {
		fmt.Fprintf(c.Log, "bench peer: "+format+"\n", args...)
	}
}

// Sample is one run of one tool.
type Sample struct {
	Tool string `json:"tool"` // "bench" or the peer's class name
	Rep  int    `json:"rep"`  // 1-based
	// Values are the run's figures by metric key (see Metric).
	Values map[string]float64 `json:"values"`
	// Output is the file holding what the tool printed (and, for bench, its result).
	Output string `json:"output"`
}

// Outcome is one measurement: every sample of both tools.
type Outcome struct {
	Name     string   `json:"name"`
	Title    string   `json:"title"`
	Peer     string   `json:"peer"`
	Settings string   `json:"settings"`
	Metrics  []Metric `json:"metrics"`
	Samples  []Sample `json:"samples"`
	// Err is why the measurement stopped, if it did.
	Err string `json:"error,omitempty"`
}

// Metric is one row of a measurement's table.
type Metric struct {
	Key  string `json:"key"`
	Name string `json:"name"`
	// Better is "higher" or "lower", for reading the ratio.
	Better string `json:"better"`
}

// Run takes the measurements, each Repeat times, bench and its peer in turn, and
// returns what was measured even when it stops early (ctx ended, a tool failed).
func Run(ctx context.Context, cfg Config) ([]Outcome, error) {
	if cfg.Repeat < 1 {
		cfg.Repeat = 1
	}
	if cfg.Scale <= 0 {
		cfg.Scale = 1
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(cfg.Address))
	if err != nil {
		return nil, fmt.Errorf("kafka at %s: %w", cfg.Address, err)
	}
	defer cl.Close()
	r := &runner{cfg: cfg, admin: kadm.NewClient(cl)}
	for _, dir := range []string{"scenarios", "output", "results"} {
		if err := os.MkdirAll(filepath.Join(cfg.Dir, dir), 0o755); err != nil {
			return nil, err
		}
	}
	var outs []Outcome
	for _, m := range r.measurements() {
		if len(cfg.Only) > 0 && !slices.Contains(cfg.Only, m.name) {
			continue
		}
		o := Outcome{Name: m.name, Title: m.title, Peer: shortName(m.peer), Settings: m.settings, Metrics: m.metrics}
		for rep := 1; rep <= cfg.Repeat; rep++ {
			cfg.logf("%s, repetition %d of %d", m.name, rep, cfg.Repeat)
			samples, err := m.run(ctx, rep)
			o.Samples = append(o.Samples, samples...)
			if err != nil {
				o.Err = err.Error()
				outs = append(outs, o)
				return outs, fmt.Errorf("%s, repetition %d: %w", m.name, rep, err)
			}
		}
		outs = append(outs, o)
	}
	return outs, nil
}

type runner struct {
	cfg   Config
	admin *kadm.Client
}

type measurement struct {
	name, title, peer, settings string
	metrics                     []Metric
	run                         func(ctx context.Context, rep int) ([]Sample, error)
}

// Metric keys shared by several measurements.
const (
	kRecordsPerS = "records_per_s"
	kMBPerS      = "mb_per_s"
	kCPUPerM     = "cpu_s_per_million"
	kRSS         = "peak_rss_mib"
	kRecords     = "records"
	kWall        = "wall_s"
)

func costMetrics() []Metric {
	return []Metric{
		{kCPUPerM, "CPU s per million records (whole process)", "lower"},
		{kRSS, "peak memory, MiB (RSS)", "lower"},
		{kRecords, "records", ""},
		{kWall, "process wall time, s", ""},
	}
}

func (r *runner) measurements() []measurement {
	s := r.cfg.Scale
	produce := func(size int, records int) measurement {
		n := scaled(records, s)
		return measurement{
			name:  fmt.Sprintf("produce-%d", size),
			title: fmt.Sprintf("Producer throughput, %d-byte records", size),
			peer:  ProducerPerformance,
			settings: fmt.Sprintf("as fast as acknowledgements allow (ProducerPerformance --throughput -1; bench rate max), %d-byte records, "+
				"one producer, a new topic of %d partitions each run, acks=all, idempotence on, linger %d ms, batch %d bytes, no compression, "+
				"no key; %d records for ProducerPerformance, then bench for as long as ProducerPerformance took to send them; at most "+
				"32 MiB of records waiting in the Java producer (buffer.memory), %d records in bench (max_in_flight); no consumer on either side. "+
				"records/s = records acknowledged / time from the first send to the last acknowledgement, as ProducerPerformance computes it.",
				size, partitions, lingerMs, batchBytes, n, inFlight),
			metrics: append([]Metric{{kRecordsPerS, "records/s", "higher"}, {kMBPerS, "MB/s (10^6 bytes of record values)", "higher"}}, costMetrics()...),
			run:     func(ctx context.Context, rep int) ([]Sample, error) { return r.produce(ctx, size, n, rep) },
		}
	}
	return []measurement{
		produce(100, 3_000_000),
		produce(1024, 1_000_000),
		{
			name:  Consume,
			title: "Consumer throughput over the same backlog",
			peer:  ConsumerPerformance,
			settings: fmt.Sprintf("bench fills a new topic of %d partitions for %s at its maximum rate (100-byte records, acks=all) with no consumer, "+
				"then starts one consumer and reads it all (workload.consume: after); ConsumerPerformance then reads the same topic with a "+
				"group of its own. One consumer each, fetch settings at their defaults (fetch.min.bytes 1, fetch.max.wait 500 ms, 1 MiB per partition). "+
				"records/s runs from the consumer's start, joining the group included, to the last record.",
				partitions, time.Duration(float64(10*time.Second)*s).Round(time.Millisecond)),
			metrics: []Metric{
				{kRecordsPerS, "records/s (group join included)", "higher"},
				{kMBPerS, "MB/s (10^6 bytes of record values)", "higher"},
				{"fetch_records_per_s", "records/s after the join (ConsumerPerformance's fetch.nMsg.sec)", "higher"},
				{kRecords, "records", ""},
			},
			run: r.consume,
		},
		{
			name:  EndToEnd,
			title: "End-to-end latency, one message in flight",
			peer:  EndToEndLatency,
			settings: fmt.Sprintf("one producer and one consumer on a new topic of 1 partition, 100-byte records, acks=all, linger 0, "+
				"fetch.max.wait 0 for EndToEndLatency (it sets both, whatever its properties file says), 10 ms for bench (the least "+
				"franz-go accepts; with fetch.min.bytes 1 the broker answers a waiting fetch as soon as the record is written); each message "+
				"sent once the previous one is acknowledged (bench: rate max, max_in_flight 1; EndToEndLatency sends, waits for the "+
				"acknowledgement, then for the consumer to return the record); latency from the send to the consumer's receipt, every "+
				"message counted from the first (bench warm-up 0 s). %d messages for EndToEndLatency, then bench for as long as it took. "+
				"EndToEndLatency keeps each latency in whole milliseconds, truncated: its percentiles are multiples of 1 ms; its mean is exact.",
				scaled(10_000, s)),
			metrics: []Metric{
				{"mean_ms", "mean, ms", "lower"},
				{"p50_ms", "p50, ms", "lower"},
				{"p50_whole_ms", "p50 in whole ms, truncated (EndToEndLatency's resolution)", "lower"},
				{"p99_ms", "p99, ms", "lower"},
				{"p999_ms", "p99.9, ms", "lower"},
				{"ack_mean_ms", "acknowledgement mean, ms (bench only: send to ack)", "lower"},
				{"ack_p50_ms", "acknowledgement p50, ms (bench only)", "lower"},
				{kRecords, "messages", ""},
			},
			run: r.endToEnd,
		},
		{
			name:  Stall,
			title: fmt.Sprintf("A broker stall: SIGSTOP for %s during a %d msg/s run", stallFor, stallRate),
			peer:  ProducerPerformance,
			settings: fmt.Sprintf("%d records/s for %s (ProducerPerformance --throughput %d), 100-byte records, acks=all, a new topic of "+
				"%d partitions; the broker is stopped (SIGSTOP) %s after the tool starts and continued (SIGCONT) %s later (bench: "+
				"pause_broker at %s of the run). bench's latency runs from each message's intended send time (open loop); "+
				"ProducerPerformance's from its send() call; its percentiles are whole milliseconds.",
				stallRate, stallLength(s), stallRate, partitions, stallAt, stallFor, stallAt),
			metrics: []Metric{
				{"p50_ms", "publish p50, ms", "lower"},
				{"p999_ms", "publish p99.9, ms", "lower"},
				{"max_ms", "publish max, ms", "lower"},
				{"e2e_p999_ms", "end-to-end p99.9, ms (bench only)", "lower"},
				{"e2e_max_ms", "end-to-end max, ms (bench only)", "lower"},
				{kRecords, "records", ""},
			},
			run: r.stall,
		},
	}
}

// scaled is n times s, at least 1000.
func scaled(n int, s float64) int { return max(1000, int(float64(n)*s)) }

// stallLength is how long the stall runs last: 15 s, scaled, and long enough for the
// stall and a recovery.
func stallLength(scale float64) time.Duration {
	d := time.Duration(float64(15*time.Second) * scale).Round(time.Millisecond)
	return max(d, stallAt+stallFor+2*time.Second)
}

// inFlight is bench's bound on unacknowledged records (workload.max_in_flight). The
// Java producer bounds them by bytes (buffer.memory, 32 MiB): as many at 1 KiB
// records; at 100 bytes fewer than its 335,544, which only wait in the client since one
// connection carries at most 5 requests of one 16 KiB batch per partition.
const inFlight = 32768

// produce runs ProducerPerformance, then bench for as long.
func (r *runner) produce(ctx context.Context, size, records, rep int) ([]Sample, error) {
	name := fmt.Sprintf("produce-%d", size)
	topic, err := r.topic(ctx, name, rep, partitions)
	if err != nil {
		return nil, err
	}
	defer r.dropTopic(topic)
	run, err := r.java(ctx, name, rep, ProducerPerformance, "--topic", topic, "--num-records", fmt.Sprint(records),
		"--record-size", fmt.Sprint(size), "--throughput", "-1", "--producer-props",
		"bootstrap.servers="+r.cfg.Address, "acks=all", fmt.Sprintf("linger.ms=%d", lingerMs), fmt.Sprintf("batch.size=%d", batchBytes),
		"enable.idempotence=true", "max.in.flight.requests.per.connection=5", "compression.type=none", "buffer.memory="+fmt.Sprint(bufferBytes))
	if err != nil {
		return nil, err
	}
	pp, err := parseProducer(run.Output)
	if err != nil {
		return nil, err
	}
	peer := costs(Sample{Tool: ProducerPerformance, Rep: rep, Output: run.file, Values: map[string]float64{
		kRecordsPerS: pp.RecordsPerS, kMBPerS: pp.RecordsPerS * float64(size) / 1e6, kRecords: float64(pp.Records),
	}}, run)
	samples := []Sample{peer}

	sending := time.Duration(float64(pp.Records) / pp.RecordsPerS * float64(time.Second)).Round(100 * time.Millisecond)
	sc := fmt.Sprintf(`name: peer-%s
description: bench's side of bench peer's %s comparison.
targets: [kafka]
duration: %s
warmup: 0s
drain: 1m
topology:
  partitions: %d
workload:
  message_size: %d
  rate: max
  producers: 1
  consumers: 0
  max_in_flight: %d
kafka:
  acks: all
  idempotence: true
  linger: %dms
  batch_max_bytes: %d
  compression: none
`, name, name, max(sending, time.Second), partitions, size, inFlight, lingerMs, batchBytes)
	b, res, err := r.bench(ctx, name, rep, sc)
	if err != nil {
		return samples, err
	}
	secs := res.EndedAt.Sub(res.StartedAt).Seconds()
	rate := float64(res.Counts.Acked) / secs
	samples = append(samples, costs(Sample{Tool: "bench", Rep: rep, Output: b.file, Values: map[string]float64{
		kRecordsPerS: rate, kMBPerS: rate * float64(size) / 1e6, kRecords: float64(res.Counts.Acked),
	}}, b))
	return samples, nil
}

// costs adds what the process cost to s.
func costs(s Sample, run measuredRun) Sample {
	s.Values[kWall] = run.Wall.Seconds()
	s.Values[kRSS] = float64(run.MaxRSS) / (1 << 20)
	if n := s.Values[kRecords]; n > 0 {
		s.Values[kCPUPerM] = run.CPU.Seconds() / (n / 1e6)
	}
	return s
}

// consume has bench fill a topic and read it back, then ConsumerPerformance read it.
func (r *runner) consume(ctx context.Context, rep int) ([]Sample, error) {
	d := time.Duration(float64(10*time.Second) * r.cfg.Scale).Round(time.Millisecond)
	sc := fmt.Sprintf(`name: peer-consume
description: bench's side of bench peer's consumer comparison.
targets: [kafka]
duration: %s
warmup: 0s
drain: 5m
topology:
  partitions: %d
workload:
  message_size: 100
  rate: max
  producers: 1
  consumers: 1
  consume: after
  max_in_flight: %d
kafka:
  acks: all
  linger: %dms
  batch_max_bytes: %d
`, max(d, time.Second), partitions, inFlight, lingerMs, batchBytes)
	b, res, err := r.bench(ctx, Consume, rep, sc, "--keep")
	if res != nil {
		// --keep kept the topic and the group, which the Kafka driver names after it.
		defer r.dropGroup(res.Target.Topic + "-group")
		defer r.dropTopic(res.Target.Topic)
	}
	if err != nil {
		return nil, err
	}
	if res.Backlog == nil || res.Backlog.Messages != res.Counts.Acked {
		return nil, fmt.Errorf("bench read %v of the %d records it wrote (see %s)", res.Backlog, res.Counts.Acked, b.file)
	}
	samples := []Sample{{Tool: "bench", Rep: rep, Output: b.file, Values: map[string]float64{
		kRecordsPerS: res.Backlog.MsgsPerS, kMBPerS: res.Backlog.MBPerS, kRecords: float64(res.Backlog.Messages),
	}}}
	group := fmt.Sprintf("bench-peer-consume-%d-%d", time.Now().UnixNano(), rep)
	defer r.dropGroup(group)
	run, err := r.java(ctx, Consume, rep, ConsumerPerformance, "--bootstrap-server", r.cfg.Address, "--topic", res.Target.Topic,
		"--messages", fmt.Sprint(res.Counts.Acked), "--group", group, "--timeout", "60000")
	if err != nil {
		return samples, err
	}
	cp, err := parseConsumer(run.Output)
	if err != nil {
		return samples, err
	}
	return append(samples, Sample{Tool: ConsumerPerformance, Rep: rep, Output: run.file, Values: map[string]float64{
		kRecordsPerS: cp.RecordsPerS, kMBPerS: cp.RecordsPerS * 100 / 1e6, "fetch_records_per_s": cp.FetchRecordsPerS, kRecords: float64(cp.Records),
	}}), nil
}

// endToEnd runs EndToEndLatency, then bench for as long.
func (r *runner) endToEnd(ctx context.Context, rep int) ([]Sample, error) {
	topic, err := r.topic(ctx, EndToEnd, rep, 1)
	if err != nil {
		return nil, err
	}
	defer r.dropTopic(topic)
	n := scaled(10_000, r.cfg.Scale)
	run, err := r.java(ctx, EndToEnd, rep, EndToEndLatency, r.cfg.Address, topic, fmt.Sprint(n), "all", "100")
	if err != nil {
		return nil, err
	}
	e, err := parseE2E(run.Output)
	if err != nil {
		return nil, err
	}
	samples := []Sample{{Tool: EndToEndLatency, Rep: rep, Output: run.file, Values: map[string]float64{
		"mean_ms": e.AvgMs, "p50_whole_ms": e.P50Ms, "p99_ms": e.P99Ms, "p999_ms": e.P999Ms, kRecords: float64(n),
	}}}
	sending := time.Duration(float64(n) * e.AvgMs * float64(time.Millisecond)).Round(100 * time.Millisecond)
	sc := fmt.Sprintf(`name: peer-end-to-end
description: bench's side of bench peer's end-to-end latency comparison.
targets: [kafka]
duration: %s
warmup: 0s
drain: 30s
topology:
  partitions: 1
workload:
  message_size: 100
  rate: max
  producers: 1
  consumers: 1
  max_in_flight: 1
kafka:
  acks: all
  idempotence: true
  linger: 0s
  fetch_max_wait: 10ms
`, max(sending, time.Second))
	b, res, err := r.bench(ctx, EndToEnd, rep, sc)
	if err != nil {
		return samples, err
	}
	l, ack := res.Latency.EndToEnd, res.Latency.Publish
	return append(samples, Sample{Tool: "bench", Rep: rep, Output: b.file, Values: map[string]float64{
		"mean_ms": l.Mean / 1e3, "p50_ms": l.P50 / 1e3, "p50_whole_ms": math.Floor(l.P50 / 1e3),
		"p99_ms": l.P99 / 1e3, "p999_ms": l.P999 / 1e3, kRecords: float64(l.Count),
		"ack_mean_ms": ack.Mean / 1e3, "ack_p50_ms": ack.P50 / 1e3,
	}}), nil
}

// stall runs ProducerPerformance at a fixed rate and stops the broker for a second in
// the middle, then bench with the same stall on its timeline.
func (r *runner) stall(ctx context.Context, rep int) ([]Sample, error) {
	topic, err := r.topic(ctx, Stall, rep, partitions)
	if err != nil {
		return nil, err
	}
	defer r.dropTopic(topic)
	d := stallLength(r.cfg.Scale)
	records := int(d.Seconds() * stallRate)

	paused := make(chan error, 1)
	pctx, cancel := context.WithCancel(ctx)
	go func() { paused <- r.pauseAfter(pctx, stallAt, stallFor) }()
	run, err := r.java(ctx, Stall, rep, ProducerPerformance, "--topic", topic, "--num-records", fmt.Sprint(records),
		"--record-size", "100", "--throughput", fmt.Sprint(stallRate), "--producer-props",
		"bootstrap.servers="+r.cfg.Address, "acks=all", fmt.Sprintf("linger.ms=%d", lingerMs), fmt.Sprintf("batch.size=%d", batchBytes))
	cancel()
	if perr := <-paused; perr != nil {
		return nil, perr
	}
	if err != nil {
		return nil, err
	}
	pp, err := parseProducer(run.Output)
	if err != nil {
		return nil, err
	}
	samples := []Sample{{Tool: ProducerPerformance, Rep: rep, Output: run.file, Values: map[string]float64{
		"p50_ms": pp.P50Ms, "p999_ms": pp.P999Ms, "max_ms": pp.MaxMs, kRecords: float64(pp.Records),
	}}}
	sc := fmt.Sprintf(`name: peer-stall
description: bench's side of bench peer's broker stall comparison.
targets: [kafka]
duration: %s
warmup: 0s
drain: 30s
topology:
  partitions: %d
workload:
  message_size: 100
  rate: %d
  producers: 1
  consumers: 1
kafka:
  acks: all
  linger: %dms
  batch_max_bytes: %d
actions:
  - at: %s
    do: pause_broker
    for: %s
`, d, partitions, stallRate, lingerMs, batchBytes, stallAt, stallFor)
	b, res, err := r.bench(ctx, Stall, rep, sc)
	if err != nil {
		return samples, err
	}
	p, e := res.Latency.Publish, res.Latency.EndToEnd
	return append(samples, Sample{Tool: "bench", Rep: rep, Output: b.file, Values: map[string]float64{
		"p50_ms": p.P50 / 1e3, "p999_ms": p.P999 / 1e3, "max_ms": p.Max / 1e3,
		"e2e_p999_ms": e.P999 / 1e3, "e2e_max_ms": e.Max / 1e3, kRecords: float64(p.Count),
	}}), nil
}

// pauseAfter stops the broker after at, for d, and always lets it go on again, even
// when ctx ends meanwhile.
func (r *runner) pauseAfter(ctx context.Context, at, d time.Duration) error {
	select {
	case <-ctx.Done():
		return nil // the tool ended (failed) first
	case <-time.After(at):
	}
	if err := brokers.PauseKafka(ctx, r.cfg.Kafka); err != nil {
		return fmt.Errorf("pausing the broker: %w", err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
	if err := brokers.ResumeKafka(context.WithoutCancel(ctx), r.cfg.Kafka); err != nil {
		return fmt.Errorf("resuming the broker: %w", err)
	}
	return nil
}

// measuredRun is a finished process and the file its output went to.
type measuredRun struct {
	brokers.ToolRun
	file string
}

// java runs one of Kafka's tools and keeps its output.
func (r *runner) java(ctx context.Context, name string, rep int, class string, args ...string) (measuredRun, error) {
	prog, argv, err := brokers.KafkaToolCommand(ctx, r.cfg.Kafka, toolHeapMB, class, args...)
	if err != nil {
		return measuredRun{}, err
	}
	return r.measure(ctx, name, rep, shortName(class), prog, argv...)
}

// bench runs 'bench run' on the scenario sc (written into the output directory) and
// reads its result. The result is returned whenever there is one, even with an error.
func (r *runner) bench(ctx context.Context, name string, rep int, sc string, flags ...string) (measuredRun, *report.Result, error) {
	file := filepath.Join(r.cfg.Dir, "scenarios", "peer-"+name+".yaml")
	if err := os.WriteFile(file, []byte(sc), 0o644); err != nil {
		return measuredRun{}, nil, err
	}
	out := filepath.Join(r.cfg.Dir, "results", fmt.Sprintf("%s-%d", name, rep))
	args := append([]string{"run", "--env", "local", "--out", out}, flags...)
	run, err := r.measure(ctx, name, rep, "bench", r.cfg.Bench, append(args, file)...)
	files, _ := filepath.Glob(filepath.Join(out, "*", "*-kafka.json"))
	if len(files) != 1 {
		return run, nil, errors.Join(err, fmt.Errorf("bench run wrote %d result files under %s, want 1 (see %s)", len(files), out, run.file))
	}
	loaded, lerr := report.Load(files[0])
	if lerr != nil {
		return run, nil, errors.Join(err, lerr)
	}
	res := report.Results(loaded)[0]
	if err == nil && res.Counts.SendErrors > 0 {
		err = fmt.Errorf("bench: %d records failed to send (see %s)", res.Counts.SendErrors, files[0])
	}
	return run, res, err
}

// measure runs a program, keeps its output in a file, and says what it cost.
func (r *runner) measure(ctx context.Context, name string, rep int, tool, prog string, args ...string) (measuredRun, error) {
	run, err := brokers.RunMeasured(ctx, r.cfg.Kafka, prog, args...)
	m := measuredRun{ToolRun: run, file: filepath.Join(r.cfg.Dir, "output", fmt.Sprintf("%s-%d-%s.txt", name, rep, tool))}
	cmdline := strings.Join(append([]string{filepath.Base(prog)}, redactClasspath(args)...), " ")
	header := fmt.Sprintf("$ %s\n# wall %.2f s, CPU %.2f s, peak RSS %.0f MiB, exit: %v\n\n",
		cmdline, run.Wall.Seconds(), run.CPU.Seconds(), float64(run.MaxRSS)/(1<<20), errText(err))
	if werr := os.WriteFile(m.file, []byte(header+run.Output), 0o644); werr != nil {
		return m, errors.Join(err, werr)
	}
	if err != nil {
		return m, fmt.Errorf("%s failed: %w%s", tool, err, tail(run.Output))
	}
	return m, nil
}

func errText(err error) string {
	if err == nil {
		return "0"
	}
	return err.Error()
}

// redactClasspath shortens java's -cp argument, a few hundred jar paths, to its count.
func redactClasspath(args []string) []string {
	out := slices.Clone(args)
	for i := range out {
		if i > 0 && out[i-1] == "-cp" {
			out[i] = fmt.Sprintf("<%d jars>", strings.Count(out[i], string(os.PathListSeparator))+1)
		}
	}
	return out
}

// topic creates a fresh topic for a peer tool.
func (r *runner) topic(ctx context.Context, name string, rep, parts int) (string, error) {
	topic := fmt.Sprintf("bench-peer-%s-%d-%d", name, rep, time.Now().UnixNano())
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if _, err := r.admin.CreateTopic(cctx, int32(parts), 1, nil, topic); err != nil {
		return "", fmt.Errorf("kafka at %s: creating topic %s: %w", r.cfg.Address, topic, err)
	}
	return topic, nil
}

func (r *runner) dropTopic(topic string) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if _, err := r.admin.DeleteTopic(ctx, topic); err != nil {
		r.cfg.logf("deleting topic %s: %v", topic, err)
	}
}

func (r *runner) dropGroup(group string) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if _, err := r.admin.DeleteGroup(ctx, group); err != nil {
		r.cfg.logf("deleting group %s: %v", group, err)
	}
}
