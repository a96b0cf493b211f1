package brokers

import (
	"crypto/rand"
	_ "embed" // log4j2XML
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf16"
)

// log4j2XML sends all broker logging to stdout, which is redirected into kafka.log.
//
//go:embed log4j2.xml
var log4j2XML []byte

// kafkaNodeID is the node id of the single combined broker+controller.
const kafkaNodeID = 1

// serverProperties renders server.properties for a single node in KRaft combined mode with
// a one-voter dynamic quorum (formatted with --standalone), with four client listeners:
// PLAINTEXT, SSL and SASL_SSL (see kafkaSecurity), and FAULTS, a PLAINTEXT listener that
// advertises the fault proxy's port instead of its own. Everything listens on 127.0.0.1 only:
// the broker is for local benchmarks, never for the network.
func serverProperties(p KafkaPorts, logDir string, sec kafkaSecurity) (string, error) {
	for _, path := range []string{logDir, sec.keystore} {
		if strings.ContainsAny(path, "\n\r") {
			return "", fmt.Errorf("kafka file path %q contains a line break", path)
		}
	}
	ctrl := fmt.Sprintf("127.0.0.1:%d", p.Controller)
	listeners := fmt.Sprintf("PLAINTEXT://127.0.0.1:%d,SSL://127.0.0.1:%d,SASL_SSL://127.0.0.1:%d,FAULTS://127.0.0.1:%d,CONTROLLER://%s",
		p.Plain, p.TLS, p.SASL, p.Fault, ctrl)
	advertised := fmt.Sprintf("PLAINTEXT://127.0.0.1:%d,SSL://127.0.0.1:%d,SASL_SSL://127.0.0.1:%d,FAULTS://127.0.0.1:%d,CONTROLLER://%s",
		p.Plain, p.TLS, p.SASL, p.Proxy, ctrl)
	props := [][2]string{
		{"process.roles", "broker,controller"},
		{"node.id", fmt.Sprint(kafkaNodeID)},
		// A bootstrap server rather than controller.quorum.voters: `format --standalone`
		// requires the dynamic-quorum form.
		{"controller.quorum.bootstrap.servers", ctrl},
		{"listeners", listeners},
		{"advertised.listeners", advertised},
		{"inter.broker.listener.name", "PLAINTEXT"},
		{"controller.listener.names", "CONTROLLER"},
		{"listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL,FAULTS:PLAINTEXT"},
		{"log.dirs", logDir},
		{"num.partitions", "1"},
		// Internal topics default to replication factor 3, which one broker cannot host:
		// consumer groups and transactions would never become available.
		{"offsets.topic.replication.factor", "1"},
		{"transaction.state.log.replication.factor", "1"},
		{"transaction.state.log.min.isr", "1"},
		{"share.coordinator.state.topic.replication.factor", "1"},
		{"share.coordinator.state.topic.min.isr", "1"},
		// The default 3s delay only helps groups whose members join one by one; a benchmark
		// would measure it as start-up latency.
		{"group.initial.rebalance.delay.ms", "0"},
	}
	props = append(props, sec.properties()...)
	var b strings.Builder
	b.WriteString("# Written by streambench for a local single-node Kafka broker.\n")
	for _, kv := range props {
		fmt.Fprintf(&b, "%s=%s\n", kv[0], escapeProperty(kv[1]))
	}
	return b.String(), nil
}

// escapeProperty escapes a value for java.util.Properties.load, which Kafka uses to read
// server.properties: backslashes are escapes, leading blanks are dropped, and the file is
// read as ISO-8859-1, so anything outside printable ASCII becomes a \uXXXX escape.
func escapeProperty(v string) string {
	var b strings.Builder
	for i, r := range v {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == ' ' && i == 0:
			b.WriteString(`\ `)
		case r < 0x20 || r > 0x7e:
			for _, u := range utf16.Encode([]rune{r}) {
				fmt.Fprintf(&b, `\u%04x`, u)
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// newClusterID returns a random Kafka cluster id: 16 random bytes in unpadded URL-safe
// base64, as Kafka's Uuid.randomUuid makes them. Like Kafka, it avoids a leading '-', which
// a command line would take for a flag.
func newClusterID() (string, error) {
	var raw [16]byte
	for {
		if _, err := rand.Read(raw[:]); err != nil {
			return "", fmt.Errorf("generate kafka cluster id: %w", err)
		}
		id := base64.RawURLEncoding.EncodeToString(raw[:])
		if id[0] != '-' {
			return id, nil
		}
	}
}
