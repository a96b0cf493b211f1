package brokers

import (
	"fmt"
	"os"
	"strconv"
)

// Environment variables that move a local broker off its default ports, for every bench
// command that starts one: 'bench run' (whose run-scoped brokers have no port flags),
// 'bench brokers up' and 'bench verify'. Options and flags that name a port win.
const (
	// EnvKafkaPort is Kafka's PLAINTEXT listener port; the controller, TLS, SASL_SSL and
	// fault listeners and the fault proxy take the next five.
	EnvKafkaPort = "BENCH_KAFKA_PORT"
	// EnvKinesisPort is kinesis-mock's plain HTTP port; HTTPS takes the one below.
	EnvKinesisPort = "BENCH_KINESIS_PORT"
)

// portFromEnv reads a port from the environment variable name: 0 when it is unset or
// empty.
func portFromEnv(name string) (int, error) {
	v := os.Getenv(name)
	if v == "" {
		return 0, nil
	}
	p, err := strconv.Atoi(v)
	if err != nil || p < 1 || p > 65535 {
		return 0, fmt.Errorf("$%s=%q: want a port from 1 to 65535", name, v)
	}
	return p, nil
}
