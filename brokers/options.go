// Package brokers gets a broker to talk to: a local Apache Kafka or kinesis-mock process
// started by streambench itself, either for the length of one run (StartKafka,
// StartKinesis) or detached so that it outlives the command that started it (UpKafka,
// KafkaStatus, DownKafka and their Kinesis twins).
//
// Each broker is fetched once into a cache directory by its ecosystem's own tool: Kafka's
// jars from Maven Central through Maven (see EnsureKafkaJars), kinesis-mock from the npm
// registry through npm (see EnsureKinesisMock). So the only things a machine needs are a
// JDK (17 or later) and Maven for Kafka, and Node.js (18 or later) with npm for Kinesis.
package brokers

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// Product names of the brokers this package starts, as shown in reports.
const (
	// KafkaProduct is the product name of the broker StartKafka and UpKafka run.
	KafkaProduct = "Apache Kafka"
	// KafkaVersion is the Kafka release this package fetches and runs by default.
	KafkaVersion = "4.1.2"
)

// Environment variables that override default directories or name existing brokers.
const (
	// EnvCacheDir overrides the cache directory (default: os.UserCacheDir()/streambench).
	EnvCacheDir = "BENCH_CACHE_DIR"
	// EnvStateDir overrides where a detached broker keeps its state file and data
	// (default: <cache dir>/state).
	EnvStateDir = "BENCH_STATE_DIR"
	// EnvKafkaBrokers names an existing Kafka cluster (comma-separated host:port) to use
	// instead of a local broker.
	EnvKafkaBrokers = "BENCH_KAFKA_BROKERS"
)

// Defaults for KafkaOptions fields left zero.
const (
	// DefaultKafkaPort is the PLAINTEXT listener's port; the others follow it, as
	// KafkaPortsFrom lays them out.
	DefaultKafkaPort         = 9092
	DefaultKafkaHeapMB       = 1024
	DefaultKafkaStartTimeout = 90 * time.Second

	// minHeapMB is far below what a benchmark wants, but enough for the broker to start;
	// tests use it to stay light on small machines.
	minHeapMB = 256
	// maxHeapMB keeps a local broker from crowding out the benchmark on the same machine.
	maxHeapMB = 1024
	// kafkaStopGrace is how long Kafka gets to shut down cleanly after SIGTERM.
	kafkaStopGrace = 15 * time.Second
)

// KafkaOptions configures a local Kafka broker. The zero value asks for the defaults:
// Kafka 4.1.2 on 127.0.0.1:9092 (controller on 9093, TLS on 9094, SASL over TLS on 9095,
// the listener behind a fault proxy on 9096, advertised as the proxy's 9097) with a 1 GiB
// heap.
type KafkaOptions struct {
	// Version of Apache Kafka to run; empty means KafkaVersion. Only KafkaVersion is
	// supported: the embedded POM and logging setup are written for it.
	Version string
	// CacheDir holds the fetched jars. Empty means $BENCH_CACHE_DIR, or
	// os.UserCacheDir()/streambench when that is unset.
	CacheDir string
	// StateDir holds the state file and data of a detached broker, and the data
	// directories of run-scoped ones (under run/). Empty means
	// $BENCH_STATE_DIR, or <CacheDir>/state when that is unset.
	StateDir string
	// Ports are the broker's listeners. A port left zero takes its place in the layout
	// of KafkaPortsFrom: from $BENCH_KAFKA_PORT when Ports.Plain is zero and that is
	// set, else from 9092.
	Ports KafkaPorts
	// FreePorts picks unused ports instead of the six of Ports, so that tests can run
	// beside a broker on the default ports.
	FreePorts bool
	// HeapMB is the JVM's maximum heap in MiB; 0 means 1024. Allowed: 256 to 1024.
	HeapMB int
	// StartTimeout bounds the wait for the broker to answer; 0 means 90s.
	StartTimeout time.Duration
	// Bound ties a broker UpKafka starts to the calling process, as StartKafka's is: it
	// dies with it (on Linux) even though its state file lets other bench processes use
	// it meanwhile. For a caller that shares one broker among its runs and must not
	// leave it behind if killed (bench verify). A Restart starts it detached again.
	Bound bool
	// Log receives progress messages, one per line; nil discards them.
	Log io.Writer
}

// baseConfig holds what every kind of local broker is configured with, resolved.
type baseConfig struct {
	// name is the broker's short name, "kafka", "ferrokinesis" or "kinesis" (kinesis-mock):
	// it names its files and directories (kafka.json, kafka.log, run/kafka-*) and starts
	// its error messages.
	name string
	// kind is the kind of broker it is, "kafka" or "kinesis", by which the processes
	// benches record are listed and cleaned up; empty means name.
	kind         string
	cacheDir     string
	stateDir     string
	freePorts    bool
	startTimeout time.Duration
	log          io.Writer
	// stopGrace is how long the broker gets to shut down cleanly after SIGTERM before
	// SIGKILL, and killNote what to add when it needed the SIGKILL.
	stopGrace time.Duration
	killNote  string
}

// resolve fills in the default directories, timeout and log.
func (c baseConfig) resolve(defaultTimeout time.Duration) (baseConfig, error) {
	if c.cacheDir == "" {
		c.cacheDir = os.Getenv(EnvCacheDir)
	}
	if c.cacheDir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return c, fmt.Errorf("locate cache directory (set %s to choose one): %w", EnvCacheDir, err)
		}
		c.cacheDir = filepath.Join(base, "streambench")
	}
	if c.stateDir == "" {
		c.stateDir = os.Getenv(EnvStateDir)
	}
	if c.stateDir == "" {
		c.stateDir = filepath.Join(c.cacheDir, "state")
	}
	// Absolute paths: they end up in broker configuration and in a state file read later
	// from another working directory.
	var err error
	if c.cacheDir, err = filepath.Abs(c.cacheDir); err != nil {
		return c, fmt.Errorf("cache directory %q: %w", c.cacheDir, err)
	}
	if c.stateDir, err = filepath.Abs(c.stateDir); err != nil {
		return c, fmt.Errorf("state directory %q: %w", c.stateDir, err)
	}
	if c.startTimeout == 0 {
		c.startTimeout = defaultTimeout
	}
	if c.startTimeout < 0 {
		return c, fmt.Errorf("%s start timeout %v is negative", c.name, c.startTimeout)
	}
	if c.log == nil {
		c.log = io.Discard
	}
	return c, nil
}

// logf writes one progress line.
func (c baseConfig) logf(format string, args ...any) {
	fmt.Fprintf(c.log, format+"\n", args...)
}

// stop stops a broker that is or was our child (proc) or, with proc nil, one started
// by another bench (pid): SIGTERM, up to stopGrace (or until ctx ends), then SIGKILL to
// its whole process group. It says so when the SIGKILL was needed.
func (c baseConfig) stop(ctx context.Context, proc *child, pid int, where string) error {
	var killed bool
	var err error
	if proc != nil {
		killed, err = proc.stop(ctx, c.stopGrace)
	} else {
		killed, err = stopPID(ctx, pid, c.stopGrace)
	}
	if err != nil {
		return fmt.Errorf("stop %s at %s: %w", c.name, where, err)
	}
	switch {
	case killed && ctx.Err() != nil:
		c.logf("%s at %s (pid %d): killed it without waiting for a clean shutdown", c.name, where, pid)
	case killed:
		c.logf("%s at %s (pid %d) did not shut down within %s; killed it%s", c.name, where, pid, c.stopGrace, c.killNote)
	}
	return nil
}

// kafkaConfig is KafkaOptions with every default resolved and every value checked.
type kafkaConfig struct {
	baseConfig
	version string
	ports   KafkaPorts
	heapMB  int
}

// resolve fills in defaults and rejects values that cannot work. Ports are not checked
// for availability here: that happens just before the broker starts.
func (o KafkaOptions) resolve() (kafkaConfig, error) {
	c := kafkaConfig{
		baseConfig: baseConfig{
			name:         "kafka",
			cacheDir:     o.CacheDir,
			stateDir:     o.StateDir,
			freePorts:    o.FreePorts,
			startTimeout: o.StartTimeout,
			log:          o.Log,
			stopGrace:    kafkaStopGrace,
		},
		version: o.Version,
		heapMB:  o.HeapMB,
	}
	if c.version == "" {
		c.version = KafkaVersion
	}
	if c.version != KafkaVersion {
		return c, fmt.Errorf("kafka version %q is not supported (supported: %s)", c.version, KafkaVersion)
	}
	var err error
	if c.baseConfig, err = c.baseConfig.resolve(DefaultKafkaStartTimeout); err != nil {
		return c, err
	}
	base := DefaultKafkaPort
	if o.Ports.Plain == 0 {
		p, err := portFromEnv(EnvKafkaPort)
		if err != nil {
			return c, err
		}
		base = cmp.Or(p, base)
	}
	c.ports = o.Ports.or(KafkaPortsFrom(base))
	if !c.freePorts {
		if err := checkPorts(c.name, c.ports.named()); err != nil {
			return c, err
		}
	}
	if c.heapMB == 0 {
		c.heapMB = DefaultKafkaHeapMB
	}
	if c.heapMB < minHeapMB || c.heapMB > maxHeapMB {
		return c, fmt.Errorf("kafka heap %d MiB out of range %d-%d", c.heapMB, minHeapMB, maxHeapMB)
	}
	return c, nil
}

// versionDir is where the jars of this Kafka version are cached.
func (c kafkaConfig) versionDir() string {
	return filepath.Join(c.cacheDir, "kafka-"+c.version)
}

// choosePorts returns the ports to use, checking that each can be bound on 127.0.0.1
// right now.
func (c kafkaConfig) choosePorts() (KafkaPorts, error) {
	p, err := choosePorts(c.name, "127.0.0.1", c.freePorts, c.ports.named())
	if err != nil {
		return KafkaPorts{}, err
	}
	return KafkaPorts{Plain: p[0], Controller: p[1], TLS: p[2], SASL: p[3], Fault: p[4], Proxy: p[5]}, nil
}
