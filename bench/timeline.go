package bench

// Probe is one question a run asked the broker about its fresh topology, with the
// broker's answer: what retention it reports, whether it accepts another, what
// encryption a stream has. Probes are asked after the topology is created and before
// the load starts.
type Probe struct {
	// Name is the probe as the scenario wrote it: "retention", "set_retention 8760h",
	// "encryption".
	Name string `json:"name"`
	// Value is the numeric answer: a retention in hours (-1: no time limit); for a
	// set_retention probe 1 when the broker accepted the change, 0 when it refused.
	Value *float64 `json:"value,omitempty"`
	// Answer is the answer as text: "24h", "NONE", or the broker's refusal.
	Answer string `json:"answer"`
	// By says who answered: "broker", or "client" where the API cannot express the
	// question (Kinesis has no unlimited retention to ask for).
	By string `json:"by"`
}

// ActionRecord is one action of the scenario's timeline as it happened.
type ActionRecord struct {
	// Do is the action ("scale", "restart_broker", "stop_consumers", "start_consumers")
	// and Detail what it was asked to do ("to 8 partitions").
	Do     string `json:"do"`
	Detail string `json:"detail,omitempty"`
	// AtS is when it started, and TookS how long it took, in seconds since the first
	// send (warm-up included), on the same clock as the intervals.
	AtS   float64 `json:"at_s"`
	TookS float64 `json:"took_s"`
	// Error is why it failed, if it did.
	Error string `json:"error,omitempty"`
}
