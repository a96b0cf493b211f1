package brokers

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Java entry points, from kafka_2.13.
const (
	kafkaMainClass   = "kafka.Kafka"
	storageToolClass = "kafka.tools.StorageTool"
)

// Files inside a broker's data directory (and its log, kafka.log).
const (
	configFile  = "server.properties"
	log4jFile   = "log4j2.xml"
	kraftLogDir = "kraft-logs"
)

// Kafka is a broker started by StartKafka for the length of one run. It is tied to the
// calling process: Stop ends it, and on Linux it is killed if that process dies first.
// Its methods may be called from several goroutines.
type Kafka struct {
	c   kafkaConfig
	run *runScoped

	mu   sync.Mutex // guards info, which Restart changes
	info KafkaState
}

// Address returns the bootstrap address, such as "127.0.0.1:9092".
func (k *Kafka) Address() string { return k.Info().Address }

// PID returns the process id of the broker's JVM: after a Restart, of the new JVM; after a
// Restart that could not start the broker again, 0.
func (k *Kafka) PID() int { return k.Info().PID }

// LogPath returns the file that receives the broker's stdout and stderr (of every JVM
// Restart starts, too).
func (k *Kafka) LogPath() string { return k.Info().LogPath }

// Version returns the Kafka release running, such as "4.1.2".
func (k *Kafka) Version() string { return k.Info().Version }

// Product returns "Apache Kafka".
func (k *Kafka) Product() string { return k.Info().Product }

// Info returns everything known about the running broker.
func (k *Kafka) Info() KafkaState {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.info
}

// setInfo records the broker Restart has started, or the lack of one.
func (k *Kafka) setInfo(info KafkaState) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.info = info
}

// StartKafka fetches the jars if needed (see EnsureKafkaJars), starts a single-node KRaft
// broker in a fresh data directory under the cache directory and returns once it answers
// metadata requests. ctx bounds the start only (fetch, format, wait); the broker then runs
// until Stop, which also removes the data directory. The caller must call Stop.
func StartKafka(ctx context.Context, o KafkaOptions) (*Kafka, error) {
	c, err := o.resolve()
	if err != nil {
		return nil, err
	}
	run, info, err := startRunScoped(c.baseConfig, func(dataDir string) (*child, KafkaState, error) {
		return c.launch(ctx, dataDir, true)
	})
	if err != nil {
		return nil, err
	}
	return &Kafka{c: c, run: run, info: info}, nil
}

// Stop shuts the broker down: SIGTERM, up to 15s (or until ctx ends) for a clean shutdown,
// then SIGKILL to its whole process group. It then removes the data directory. Calling Stop
// again does nothing more. Called during a Restart, from another goroutine, it interrupts
// the restart and stops whatever JVM that left running.
func (k *Kafka) Stop(ctx context.Context) error {
	return k.run.stop(ctx)
}

// launch formats dataDir and starts the broker there, returning once it answers. bound
// ties the JVM to this process (run-scoped); otherwise it is detached. On error nothing is
// left running.
func (c kafkaConfig) launch(ctx context.Context, dataDir string, bound bool) (*child, KafkaState, error) {
	java, err := c.tools(ctx)
	if err != nil {
		return nil, KafkaState{}, err
	}
	info, err := c.prepare(ctx, java, dataDir)
	if err != nil {
		return nil, info, err
	}
	return c.startJVM(ctx, java, info, bound)
}

// tools finds java and makes sure the jars are cached, returning the path of java.
func (c kafkaConfig) tools(ctx context.Context) (java string, err error) {
	if java, err = lookJava(); err != nil {
		return "", err
	}
	if _, err := c.ensureJars(ctx); err != nil {
		return "", err
	}
	return java, nil
}

// prepare makes dataDir ready for a broker's first start: it chooses the ports, makes the
// TLS certificate and KafkaUser's password, writes server.properties and the logging
// config, and formats the storage. The KafkaState it returns has everything but the PID
// and start time, which startJVM fills in.
func (c kafkaConfig) prepare(ctx context.Context, java, dataDir string) (KafkaState, error) {
	ports, err := c.choosePorts()
	if err != nil {
		return KafkaState{}, err
	}
	sec, err := c.makeKafkaSecurity(ctx, java, dataDir)
	if err != nil {
		return KafkaState{}, err
	}
	info := KafkaState{
		Product:        KafkaProduct,
		Version:        c.version,
		Address:        "127.0.0.1:" + strconv.Itoa(ports.Plain),
		Port:           ports.Plain,
		ControllerPort: ports.Controller,
		TLSAddress:     "127.0.0.1:" + strconv.Itoa(ports.TLS),
		SASLAddress:    "127.0.0.1:" + strconv.Itoa(ports.SASL),
		FaultListener:  "127.0.0.1:" + strconv.Itoa(ports.Fault),
		ProxyAddress:   "127.0.0.1:" + strconv.Itoa(ports.Proxy),
		CertFile:       sec.certFile,
		PasswordFile:   sec.passFile,
		HeapMB:         c.heapMB,
		DataDir:        dataDir,
		ConfigPath:     filepath.Join(dataDir, configFile),
		LogPath:        filepath.Join(dataDir, logFileName(c.name)),
	}
	props, err := serverProperties(ports, filepath.Join(dataDir, kraftLogDir), sec)
	if err != nil {
		return info, err
	}
	// Mode 0600: the file holds the keystore's and KafkaUser's passwords.
	if err := os.WriteFile(info.ConfigPath, []byte(props), 0o600); err != nil {
		return info, fmt.Errorf("write kafka config: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dataDir, log4jFile), log4j2XML, 0o644); err != nil {
		return info, fmt.Errorf("write kafka logging config: %w", err)
	}
	if err := c.formatStorage(ctx, java, dataDir, info.ConfigPath, sec); err != nil {
		return info, err
	}
	return info, nil
}

// startJVM starts the broker that info describes in its data directory, which prepare has
// made ready (and an earlier JVM may have used), and returns once it answers, with info's
// PID and StartedAt filled in. Its stdout and stderr are appended to info.LogPath. bound is
// as for launch. On error nothing is left running.
func (c kafkaConfig) startJVM(ctx context.Context, java string, info KafkaState, bound bool) (*child, KafkaState, error) {
	// One client for all the readiness polls; it dials only when asked.
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(info.Address),
		kgo.DialTimeout(time.Second),
		kgo.RetryTimeout(time.Second),
	)
	if err != nil {
		return nil, info, fmt.Errorf("create kafka client: %w", err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	// KRaft lists the broker in its metadata only once the node has joined its own quorum
	// and is unfenced.
	ready := func(ctx context.Context) error {
		md, err := adm.BrokerMetadata(ctx)
		if err == nil && len(md.Brokers) == 0 {
			return errors.New("metadata lists no brokers yet")
		}
		return err
	}

	args := append(c.jvmArgs(info.DataDir, info.HeapMB), kafkaMainClass, info.ConfigPath)
	cmd := exec.Command(java, args...)
	cmd.Dir = info.DataDir
	c.logf("starting %s %s on %s (heap %d MiB, log %s)…", KafkaProduct, info.Version, info.Address, info.HeapMB, info.LogPath)
	start := time.Now()
	proc, err := c.spawn(ctx, cmd, info.Address, info.LogPath, bound, ready)
	if err != nil {
		return nil, info, err
	}
	info.PID = proc.pid
	info.StartedAt = start.UTC().Truncate(time.Second)
	c.logf("%s %s ready at %s in %s (pid %d)", KafkaProduct, info.Version, info.Address,
		time.Since(start).Round(100*time.Millisecond), info.PID)
	return proc, info, nil
}

// jvmArgs are the JVM options shared by the broker and the storage tool: a bounded heap,
// the garbage-collector settings of Kafka's own start scripts, and our logging config.
func (c kafkaConfig) jvmArgs(dataDir string, heapMB int) []string {
	initial := min(256, heapMB)
	return []string{
		fmt.Sprintf("-Xms%dm", initial),
		fmt.Sprintf("-Xmx%dm", heapMB),
		"-XX:+UseG1GC",
		"-XX:MaxGCPauseMillis=20",
		"-XX:InitiatingHeapOccupancyPercent=35",
		"-XX:+ExplicitGCInvokesConcurrent",
		"-Djava.awt.headless=true",
		"-Dlog4j2.configurationFile=" + filepath.Join(dataDir, log4jFile),
		"-Dkafka.logs.dir=" + dataDir,
		// A wildcard keeps the command line (and ps output) short; Java expands it.
		"-cp", filepath.Join(c.versionDir(), libsDir, "*"),
	}
}

// formatStorage writes the KRaft metadata (cluster id, one-voter quorum, KafkaUser's SCRAM
// credentials) into log.dirs, which Kafka requires before its first start.
func (c kafkaConfig) formatStorage(ctx context.Context, java, dataDir, configPath string, sec kafkaSecurity) error {
	id, err := newClusterID()
	if err != nil {
		return err
	}
	// The tool is short-lived; a small heap keeps it from reserving a quarter of RAM.
	args := append(c.jvmArgs(dataDir, minHeapMB), storageToolClass, "format",
		"--standalone", "--cluster-id", id, "--config", configPath)
	args = append(args, sec.scramArgs()...)
	if out, err := runTool(ctx, c.note("kafka storage tool"), dataDir, java, args...); err != nil {
		out = strings.ReplaceAll(out, sec.password, "[hidden]")
		return fmt.Errorf("format kafka storage in %s: %w%s", dataDir, err, OutputTail(out, 25))
	}
	return nil
}
