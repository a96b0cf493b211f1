// Package brokers gets a broker to talk to: a local Apache Kafka process started by
// streambench itself, either for the length of one run (StartKafka) or detached so that it
// outlives the command that started it (UpKafka, KafkaStatus, DownKafka).
//
// The broker's jars come from Maven Central through Maven (see EnsureKafkaJars), so the only
// things a machine needs are a JDK (17 or later) and Maven.
package brokers

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Product names of the brokers this package starts, as shown in reports.
const (
	// KafkaProduct is the product name of the broker StartKafka and UpKafka run.
	KafkaProduct = "Apache Kafka"
	// KafkaVersion is the Kafka release this package fetches and runs by default.
	KafkaVersion = "4.1.2"
)

// Environment variables that override default directories.
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
	DefaultKafkaPort           = 9092
	DefaultKafkaControllerPort = 9093
	DefaultKafkaHeapMB         = 1024
	DefaultKafkaStartTimeout   = 90 * time.Second

	// minHeapMB is far below what a benchmark wants, but enough for the broker to start;
	// tests use it to stay light on small machines.
	minHeapMB = 256
	// maxHeapMB keeps a local broker from crowding out the benchmark on the same machine.
	maxHeapMB = 1024
	// stopGrace is how long a broker gets to shut down cleanly after SIGTERM.
	stopGrace = 15 * time.Second
)

// KafkaOptions configures a local Kafka broker. The zero value asks for the defaults:
// Kafka 4.1.2 on 127.0.0.1:9092 (controller on 9093) with a 1 GiB heap.
type KafkaOptions struct {
	// Version of Apache Kafka to run; empty means KafkaVersion. Only KafkaVersion is
	// supported: the embedded POM and logging setup are written for it.
	Version string
	// CacheDir holds the fetched jars and run-scoped data directories. Empty means
	// $BENCH_CACHE_DIR, or os.UserCacheDir()/streambench when that is unset.
	CacheDir string
	// StateDir holds the state file and data of a detached broker. Empty means
	// $BENCH_STATE_DIR, or <CacheDir>/state when that is unset.
	StateDir string
	// Port is the PLAINTEXT listener on 127.0.0.1; 0 means 9092.
	Port int
	// ControllerPort is the KRaft CONTROLLER listener on 127.0.0.1; 0 means 9093.
	ControllerPort int
	// FreePorts picks two unused ports instead of Port and ControllerPort, so that tests
	// can run beside a broker on the default ports.
	FreePorts bool
	// HeapMB is the JVM's maximum heap in MiB; 0 means 1024. Allowed: 256 to 1024.
	HeapMB int
	// StartTimeout bounds the wait for the broker to answer; 0 means 90s.
	StartTimeout time.Duration
	// Log receives progress messages, one per line; nil discards them.
	Log io.Writer
}

// kafkaConfig is KafkaOptions with every default resolved and every value checked.
type kafkaConfig struct {
	version        string
	cacheDir       string
	stateDir       string
	port           int
	controllerPort int
	freePorts      bool
	heapMB         int
	startTimeout   time.Duration
	log            io.Writer
}

// resolve fills in defaults and rejects values that cannot work. Ports are not checked
// for availability here: that happens just before the broker starts.
func (o KafkaOptions) resolve() (kafkaConfig, error) {
	c := kafkaConfig{
		version:        o.Version,
		cacheDir:       o.CacheDir,
		stateDir:       o.StateDir,
		port:           o.Port,
		controllerPort: o.ControllerPort,
		freePorts:      o.FreePorts,
		heapMB:         o.HeapMB,
		startTimeout:   o.StartTimeout,
		log:            o.Log,
	}
	if c.version == "" {
		c.version = KafkaVersion
	}
	if c.version != KafkaVersion {
		return c, fmt.Errorf("kafka version %q is not supported (supported: %s)", c.version, KafkaVersion)
	}
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
	// Absolute paths: they end up in server.properties and in a state file read later
	// from another working directory.
	var err error
	if c.cacheDir, err = filepath.Abs(c.cacheDir); err != nil {
		return c, fmt.Errorf("cache directory %q: %w", c.cacheDir, err)
	}
	if c.stateDir, err = filepath.Abs(c.stateDir); err != nil {
		return c, fmt.Errorf("state directory %q: %w", c.stateDir, err)
	}
	if c.port == 0 {
		c.port = DefaultKafkaPort
	}
	if c.controllerPort == 0 {
		c.controllerPort = DefaultKafkaControllerPort
	}
	if !c.freePorts {
		for _, p := range []int{c.port, c.controllerPort} {
			if p < 1 || p > 65535 {
				return c, fmt.Errorf("kafka port %d out of range 1-65535", p)
			}
		}
		if c.port == c.controllerPort {
			return c, fmt.Errorf("kafka port and controller port are both %d", c.port)
		}
	}
	if c.heapMB == 0 {
		c.heapMB = DefaultKafkaHeapMB
	}
	if c.heapMB < minHeapMB || c.heapMB > maxHeapMB {
		return c, fmt.Errorf("kafka heap %d MiB out of range %d-%d", c.heapMB, minHeapMB, maxHeapMB)
	}
	if c.startTimeout == 0 {
		c.startTimeout = DefaultKafkaStartTimeout
	}
	if c.startTimeout < 0 {
		return c, fmt.Errorf("kafka start timeout %v is negative", c.startTimeout)
	}
	if c.log == nil {
		c.log = io.Discard
	}
	return c, nil
}

// versionDir is where the jars of this Kafka version are cached.
func (c kafkaConfig) versionDir() string {
	return filepath.Join(c.cacheDir, "kafka-"+c.version)
}

// logf writes one progress line.
func (c kafkaConfig) logf(format string, args ...any) {
	fmt.Fprintf(c.log, format+"\n", args...)
}

// choosePorts returns the listener and controller ports to use, checking that both can be
// bound on 127.0.0.1 right now.
func (c kafkaConfig) choosePorts() (port, controllerPort int, err error) {
	if c.freePorts {
		ports, err := freePorts(2)
		if err != nil {
			return 0, 0, err
		}
		return ports[0], ports[1], nil
	}
	for _, p := range []struct {
		name string
		port int
	}{{"listener", c.port}, {"controller", c.controllerPort}} {
		if err := portFree(p.port); err != nil {
			return 0, 0, fmt.Errorf("kafka %s port %d on 127.0.0.1 is already in use "+
				"(another broker running? try `bench brokers status`, or choose other ports): %w",
				p.name, p.port, err)
		}
	}
	return c.port, c.controllerPort, nil
}

// portFree reports whether port can be bound on 127.0.0.1.
func portFree(port int) error {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return err
	}
	return l.Close()
}

// freePorts asks the kernel for n distinct unused ports on 127.0.0.1. The listeners are
// held open until all n are chosen so that the kernel cannot hand out the same port twice;
// another process could still take one before the broker binds it, which the broker then
// reports as a bind error in its log.
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("pick a free port on 127.0.0.1: %w", err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
