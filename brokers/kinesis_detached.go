package brokers

import (
	"context"
	"time"
)

// KinesisState describes a local Kinesis engine started by this package. For a detached
// engine (UpKinesis) it is what the state file records, so a later bench process can find
// and stop it.
type KinesisState struct {
	Product  string `json:"product"`            // "ferrokinesis" or "kinesis-mock"
	Version  string `json:"version"`            // "0.7.0"
	Endpoint string `json:"endpoint"`           // plain HTTP, "http://127.0.0.1:4569"
	Port     int    `json:"port"`               // of Endpoint
	TLSPort  int    `json:"tls_port,omitempty"` // HTTPS, self-signed (kinesis-mock only)
	// WriteQuotas is true when the engine enforces AWS's per-shard write quotas
	// (1 MiB/s and 1,000 records/s), answering ProvisionedThroughputExceededException.
	WriteQuotas bool      `json:"write_quotas"`
	PID         int       `json:"pid"`      // of the engine, which also leads its process group
	DataDir     string    `json:"data_dir"` // its working directory; also identifies it
	Script      string    `json:"script"`   // the program: kinesis-mock's main.js (run by node) or ferrokinesis's binary
	LogPath     string    `json:"log_path"` // the engine's stdout and stderr
	StartedAt   time.Time `json:"started_at"`
}

func (s KinesisState) pid() int      { return s.PID }
func (s KinesisState) where() string { return s.Endpoint }
func (s KinesisState) label() string { return s.Product + " " + s.Version }

// QuotaText says whether the engine enforces AWS's write quotas, for messages.
func (s KinesisState) QuotaText() string {
	if s.WriteQuotas {
		return "AWS's per-shard write quotas enforced"
	}
	return "no AWS quota enforced"
}

// UpKinesis starts a detached engine (o.Engine's) that outlives the calling process and records
// it in the state directory. If one is already running there it is returned as is,
// whatever ports o asks for, with started false; state left by an engine that has died is
// removed first. Its data directory (its working directory and log) lives in the state
// directory until DownKinesis; its streams live in its memory only.
func UpKinesis(ctx context.Context, o KinesisOptions) (st KinesisState, started bool, err error) {
	return o.detached().up(ctx)
}

// KinesisStatus reports the detached engine of o.Engine's kind recorded in the state
// directory. running is true when its process is alive, runs our engine in the recorded
// data directory, and answers at its endpoint. With no engine recorded it returns
// running false and no error. State left by an engine that has died is removed. A live
// engine that does not answer is returned with running false and an error saying so.
func KinesisStatus(ctx context.Context, o KinesisOptions) (st KinesisState, running bool, err error) {
	return o.detached().status(ctx, false)
}

// DownKinesis stops the detached engine of o.Engine's kind recorded in the state directory
// (SIGTERM, a few seconds, then SIGKILL: see Kinesis.Stop) and removes its state and data directory; every
// stream it held goes with it. With none recorded it does nothing.
func DownKinesis(ctx context.Context, o KinesisOptions) error {
	return o.detached().down(ctx)
}

func (o KinesisOptions) detached() detached[KinesisState] {
	c, err := o.resolve()
	product := KinesisProduct
	if err == nil {
		product = c.engine.product()
	}
	return detached[KinesisState]{err: err, baseConfig: c.baseConfig, product: product, bound: o.Bound, engine: c}
}

func (s KinesisState) ours() bool { return isKinesisProcess(s) }

func (s KinesisState) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return pingKinesis(ctx, s.Endpoint)
}

// isKinesisProcess reports whether st.PID runs st.Script in st.DataDir. The program alone
// would not do: every engine of a kind started from one cache runs the same one.
func isKinesisProcess(st KinesisState) bool {
	return st.DataDir != "" && processMatches(st.PID, st.DataDir, st.Script)
}
