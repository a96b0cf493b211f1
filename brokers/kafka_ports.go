package brokers

import "cmp"

// KafkaPorts are the ports of a local Kafka broker's listeners, all on 127.0.0.1.
type KafkaPorts struct {
	// Plain is the PLAINTEXT listener, the bootstrap address clients use.
	Plain int
	// Controller is the KRaft CONTROLLER listener.
	Controller int
	// TLS is the SSL listener (TLS, no authentication).
	TLS int
	// SASL is the SASL_SSL listener (TLS, then PLAIN or SCRAM as KafkaUser).
	SASL int
	// Fault is a PLAINTEXT listener meant to be reached through a fault proxy: it
	// advertises Proxy, where bench's proxy listens during a run with network faults, so
	// that clients that bootstrap through the proxy keep using it. Nothing listens on
	// Proxy outside such a run.
	Fault, Proxy int
}

// KafkaPortsFrom lays a broker's ports out from base, its PLAINTEXT listener: the
// controller on base+1, TLS on base+2, SASL_SSL on base+3, the fault listener on base+4
// and the fault proxy on base+5. The default ports are KafkaPortsFrom(DefaultKafkaPort);
// $BENCH_KAFKA_PORT and 'bench brokers up --port' move them all this way.
func KafkaPortsFrom(base int) KafkaPorts {
	return KafkaPorts{Plain: base, Controller: base + 1, TLS: base + 2, SASL: base + 3, Fault: base + 4, Proxy: base + 5}
}

// or fills each port of p that is zero from q.
func (p KafkaPorts) or(q KafkaPorts) KafkaPorts {
	return KafkaPorts{
		Plain: cmp.Or(p.Plain, q.Plain), Controller: cmp.Or(p.Controller, q.Controller),
		TLS: cmp.Or(p.TLS, q.TLS), SASL: cmp.Or(p.SASL, q.SASL),
		Fault: cmp.Or(p.Fault, q.Fault), Proxy: cmp.Or(p.Proxy, q.Proxy),
	}
}

// named lists the ports with what each is for, in the order of the fields.
func (p KafkaPorts) named() []namedPort {
	return []namedPort{
		{"listener", p.Plain}, {"controller", p.Controller},
		{"TLS listener", p.TLS}, {"SASL_SSL listener", p.SASL},
		{"fault listener", p.Fault}, {"fault proxy", p.Proxy},
	}
}
