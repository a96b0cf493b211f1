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

// Files inside a broker's data directory.
const (
	configFile  = "server.properties"
	log4jFile   = "log4j2.xml"
	logFile     = "kafka.log"
	kraftLogDir = "kraft-logs"
	// ownerFile names the pid of the bench process that owns a run-scoped data directory,
	// so that directories left by a killed bench can be recognised and removed.
	ownerFile = "owner.pid"
	// failedLogFile, beside the data directories, keeps the log of the last broker that
	// failed to start, since its data directory is removed.
	failedLogFile = "kafka-failed-start.log"
)

// Kafka is a broker started by StartKafka for the length of one run. It is tied to the
// calling process: Stop ends it, and on Linux it is killed if that process dies first.
type Kafka struct {
	info KafkaState
	proc *child
	log  func(format string, args ...any)

	stopOnce sync.Once
	stopErr  error
}

// Address returns the bootstrap address, such as "127.0.0.1:9092".
func (k *Kafka) Address() string { return k.info.Address }

// PID returns the process id of the broker's JVM.
func (k *Kafka) PID() int { return k.info.PID }

// LogPath returns the file that receives the broker's stdout and stderr.
func (k *Kafka) LogPath() string { return k.info.LogPath }

// Version returns the Kafka release running, such as "4.1.2".
func (k *Kafka) Version() string { return k.info.Version }

// Product returns "Apache Kafka".
func (k *Kafka) Product() string { return k.info.Product }

// Info returns everything known about the running broker.
func (k *Kafka) Info() KafkaState { return k.info }

// StartKafka fetches the jars if needed (see EnsureKafkaJars), starts a single-node KRaft
// broker in a fresh data directory under the cache directory and returns once it answers
// metadata requests. ctx bounds the start only (fetch, format, wait); the broker then runs
// until Stop, which also removes the data directory. The caller must call Stop.
func StartKafka(ctx context.Context, o KafkaOptions) (*Kafka, error) {
	c, err := o.resolve()
	if err != nil {
		return nil, err
	}
	runDir := filepath.Join(c.cacheDir, "run")
	if err := os.MkdirAll(runDir, 0o755); err != nil {
		return nil, fmt.Errorf("create kafka run directory: %w", err)
	}
	sweepRunDirs(runDir)
	dataDir, err := os.MkdirTemp(runDir, "kafka-")
	if err != nil {
		return nil, fmt.Errorf("create kafka data directory: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dataDir, ownerFile), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		os.RemoveAll(dataDir)
		return nil, fmt.Errorf("write kafka data directory owner: %w", err)
	}
	proc, info, err := c.launch(ctx, dataDir, true)
	if err != nil {
		err = keepFailedLog(err, filepath.Join(dataDir, logFile), filepath.Join(runDir, failedLogFile))
		os.RemoveAll(dataDir)
		return nil, err
	}
	return &Kafka{info: info, proc: proc, log: c.logf}, nil
}

// Stop shuts the broker down: SIGTERM, up to 15s (or until ctx ends) for a clean shutdown,
// then SIGKILL to its whole process group. It then removes the data directory. Calling Stop
// again does nothing more.
func (k *Kafka) Stop(ctx context.Context) error {
	k.stopOnce.Do(func() { k.stopErr = k.stop(ctx) })
	return k.stopErr
}

func (k *Kafka) stop(ctx context.Context) error {
	killed, err := k.proc.stop(ctx, stopGrace)
	if err != nil {
		return fmt.Errorf("stop kafka at %s: %w", k.info.Address, err)
	}
	if killed {
		k.log("kafka at %s (pid %d) did not shut down within %s; killed it", k.info.Address, k.info.PID, stopGrace)
	}
	if err := os.RemoveAll(k.info.DataDir); err != nil {
		return fmt.Errorf("remove kafka data directory: %w", err)
	}
	return nil
}

// launch formats dataDir and starts the broker there, returning once it answers. bound
// ties the JVM to this process (run-scoped); otherwise it is detached. On error nothing is
// left running.
func (c kafkaConfig) launch(ctx context.Context, dataDir string, bound bool) (*child, KafkaState, error) {
	java, err := lookJava()
	if err != nil {
		return nil, KafkaState{}, err
	}
	if _, err := c.ensureJars(ctx); err != nil {
		return nil, KafkaState{}, err
	}
	port, controllerPort, err := c.choosePorts()
	if err != nil {
		return nil, KafkaState{}, err
	}
	info := KafkaState{
		Product:        KafkaProduct,
		Version:        c.version,
		Address:        "127.0.0.1:" + strconv.Itoa(port),
		Port:           port,
		ControllerPort: controllerPort,
		HeapMB:         c.heapMB,
		DataDir:        dataDir,
		ConfigPath:     filepath.Join(dataDir, configFile),
		LogPath:        filepath.Join(dataDir, logFile),
	}
	props, err := serverProperties(port, controllerPort, filepath.Join(dataDir, kraftLogDir))
	if err != nil {
		return nil, info, err
	}
	if err := os.WriteFile(info.ConfigPath, []byte(props), 0o644); err != nil {
		return nil, info, fmt.Errorf("write kafka config: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dataDir, log4jFile), log4j2XML, 0o644); err != nil {
		return nil, info, fmt.Errorf("write kafka logging config: %w", err)
	}
	if err := c.formatStorage(ctx, java, dataDir, info.ConfigPath); err != nil {
		return nil, info, err
	}

	logOut, err := os.OpenFile(info.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, info, fmt.Errorf("open kafka log: %w", err)
	}
	defer logOut.Close() // the JVM has its own copy of the descriptor
	args := append(c.jvmArgs(dataDir, c.heapMB), kafkaMainClass, info.ConfigPath)
	cmd := exec.Command(java, args...)
	cmd.Dir = dataDir
	cmd.Stdout = logOut
	cmd.Stderr = logOut
	c.logf("starting %s %s on %s (heap %d MiB, log %s)…", KafkaProduct, c.version, info.Address, c.heapMB, info.LogPath)
	start := time.Now()
	proc, err := startChild(cmd, bound)
	if err != nil {
		return nil, info, fmt.Errorf("start kafka JVM: %w", err)
	}
	info.PID = proc.pid
	info.StartedAt = time.Now().UTC().Truncate(time.Second)

	if err := waitReady(ctx, info.Address, proc, c.startTimeout); err != nil {
		if _, serr := proc.stop(context.Background(), 5*time.Second); serr != nil {
			err = errors.Join(err, serr)
		}
		return nil, info, fmt.Errorf("start kafka at %s (pid %d): %w%s", info.Address, info.PID, err, logTail(info.LogPath, 30))
	}
	c.logf("%s %s ready at %s in %s (pid %d)", KafkaProduct, c.version, info.Address,
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

// formatStorage writes the KRaft metadata (cluster id, one-voter quorum) into log.dirs,
// which Kafka requires before its first start.
func (c kafkaConfig) formatStorage(ctx context.Context, java, dataDir, configPath string) error {
	id, err := newClusterID()
	if err != nil {
		return err
	}
	// The tool is short-lived; a small heap keeps it from reserving a quarter of RAM.
	args := append(c.jvmArgs(dataDir, minHeapMB), storageToolClass, "format",
		"--standalone", "--cluster-id", id, "--config", configPath)
	cmd := exec.CommandContext(ctx, java, args...)
	cmd.Dir = dataDir
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return fmt.Errorf("format kafka storage in %s: %w%s", dataDir, err, indentTail(string(out), 25))
	}
	return nil
}

// waitReady polls the broker at addr until its metadata lists at least one broker, which
// KRaft reports only once the node has joined its own quorum and is unfenced.
func waitReady(ctx context.Context, addr string, proc *child, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(addr),
		kgo.DialTimeout(time.Second),
		kgo.RetryTimeout(time.Second),
	)
	if err != nil {
		return fmt.Errorf("create kafka client: %w", err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		actx, acancel := context.WithTimeout(ctx, 2*time.Second)
		md, err := adm.BrokerMetadata(actx)
		acancel()
		switch {
		case err == nil && len(md.Brokers) > 0:
			return nil
		case err == nil:
			last = errors.New("metadata lists no brokers yet")
		case last == nil || ctx.Err() == nil:
			// Keep the last reason from the broker, not our own deadline cutting off the
			// final attempt.
			last = err
		}
		select {
		case <-proc.exited:
			return fmt.Errorf("JVM exited before the broker answered (%v)", exitText(proc.waitErr))
		case <-ctx.Done():
			if ctx.Err() == context.DeadlineExceeded {
				return fmt.Errorf("no answer within %s (last: %w)", timeout, last)
			}
			return ctx.Err()
		case <-tick.C:
		}
	}
}

func exitText(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

// sweepRunDirs removes run-scoped data directories whose owning bench process is gone:
// what a killed bench leaves behind (its broker died with it, by the parent-death signal).
func sweepRunDirs(runDir string) {
	if !parentDeathSignal {
		return // the broker may outlive its bench here, still using the directory
	}
	entries, err := os.ReadDir(runDir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), "kafka-") {
			continue
		}
		dir := filepath.Join(runDir, e.Name())
		b, err := os.ReadFile(filepath.Join(dir, ownerFile))
		if err != nil {
			continue // being created right now, or not ours to judge
		}
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && !pidAlive(pid) {
			os.RemoveAll(dir)
		}
	}
}
