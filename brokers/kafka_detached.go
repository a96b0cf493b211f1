package brokers

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// KafkaState describes a broker started by this package. For a detached broker (UpKafka)
// it is what the state file records, so a later bench process can find and stop it.
type KafkaState struct {
	Product        string `json:"product"` // "Apache Kafka"
	Version        string `json:"version"` // "4.1.2"
	Address        string `json:"address"` // bootstrap address, "127.0.0.1:9092"
	Port           int    `json:"port"`
	ControllerPort int    `json:"controller_port"`
	// TLSAddress is the SSL listener, SASLAddress the SASL_SSL one; both present the
	// self-signed certificate in CertFile. PasswordFile holds KafkaUser's password.
	TLSAddress   string `json:"tls_address"`
	SASLAddress  string `json:"sasl_ssl_address"`
	CertFile     string `json:"cert_file"`
	PasswordFile string `json:"password_file"`
	// FaultListener is a PLAINTEXT listener that advertises ProxyAddress: clients that
	// connect to a fault proxy at ProxyAddress forwarding to FaultListener keep going
	// through the proxy. Empty for a broker started by an older bench.
	FaultListener string    `json:"fault_listener,omitempty"`
	ProxyAddress  string    `json:"proxy_address,omitempty"`
	PID           int       `json:"pid"` // of the JVM, which also leads its process group
	HeapMB        int       `json:"heap_mb"`
	DataDir       string    `json:"data_dir"`
	ConfigPath    string    `json:"config_path"` // server.properties; also identifies the JVM
	LogPath       string    `json:"log_path"`    // the broker's stdout and stderr
	StartedAt     time.Time `json:"started_at"`
}

func (s KafkaState) pid() int      { return s.PID }
func (s KafkaState) where() string { return s.Address }
func (s KafkaState) label() string { return s.Product + " " + s.Version }

// UpKafka starts a detached broker that outlives the calling process and records it in
// the state directory. If one is already running there it is returned as is, whatever
// ports or heap o asks for, with started false; state left by a broker that has died is
// removed first. The data directory lives in the state directory until DownKafka.
func UpKafka(ctx context.Context, o KafkaOptions) (st KafkaState, started bool, err error) {
	return o.detached().up(ctx)
}

// KafkaStatus reports the detached broker recorded in the state directory. running is
// true when its JVM is alive, is our kafka.Kafka process, and answers at its address.
// With no broker recorded it returns running false and no error. State left by a broker
// that has died is removed. A live broker that does not answer is returned with running
// false and an error saying so.
func KafkaStatus(ctx context.Context, o KafkaOptions) (st KafkaState, running bool, err error) {
	return o.detached().status(ctx, false)
}

// DownKafka stops the detached broker recorded in the state directory (SIGTERM, up to 15s,
// then SIGKILL) and removes its state and data. With none recorded it does nothing.
func DownKafka(ctx context.Context, o KafkaOptions) error {
	return o.detached().down(ctx)
}

func (o KafkaOptions) detached() detached[KafkaState] {
	c, err := o.resolve()
	return detached[KafkaState]{err: err, baseConfig: c.baseConfig, product: KafkaProduct, bound: o.Bound, engine: c}
}

func (s KafkaState) ours() bool                     { return isKafkaProcess(s.PID, s.ConfigPath) }
func (s KafkaState) ping(ctx context.Context) error { return PingKafka(ctx, s.Address) }

// relaunchIn is relaunch for the detached broker st describes, in dataDir.
func (c kafkaConfig) relaunchIn(ctx context.Context, dataDir string, st KafkaState) (func(context.Context) (*child, KafkaState, error), error) {
	// The data directory is where this state directory keeps it, whatever the state file
	// says, as for removeState.
	st.DataDir = dataDir
	st.ConfigPath = filepath.Join(dataDir, configFile)
	st.LogPath = filepath.Join(dataDir, logFileName(c.name))
	return c.relaunch(ctx, st, false)
}

// isKafkaProcess reports whether pid runs kafka.Kafka with the given server.properties.
func isKafkaProcess(pid int, configPath string) bool {
	return processMatches(pid, "", kafkaMainClass, configPath)
}

// PingKafka asks the Kafka API at addr (Apache Kafka, Redpanda) for metadata, giving up
// after 5s.
func PingKafka(ctx context.Context, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DialTimeout(2*time.Second))
	if err != nil {
		return fmt.Errorf("create kafka client: %w", err)
	}
	defer cl.Close()
	return cl.Ping(ctx)
}
