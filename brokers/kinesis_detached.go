package brokers

import (
	"context"
	"time"
)

// KinesisState describes a kinesis-mock started by this package. For a detached engine
// (UpKinesis) it is what the state file records, so a later bench process can find and
// stop it.
type KinesisState struct {
	Product   string    `json:"product"`  // "kinesis-mock"
	Version   string    `json:"version"`  // "0.6.2"
	Endpoint  string    `json:"endpoint"` // plain HTTP, "http://127.0.0.1:4568"
	Port      int       `json:"port"`     // of Endpoint
	TLSPort   int       `json:"tls_port"` // HTTPS, self-signed
	PID       int       `json:"pid"`      // of node, which also leads its process group
	DataDir   string    `json:"data_dir"` // node's working directory; also identifies it
	Script    string    `json:"script"`   // kinesis-mock's main.js, run by node
	LogPath   string    `json:"log_path"` // the engine's stdout and stderr
	StartedAt time.Time `json:"started_at"`
}

func (s KinesisState) pid() int      { return s.PID }
func (s KinesisState) where() string { return s.Endpoint }
func (s KinesisState) label() string { return s.Product + " " + s.Version }

// UpKinesis starts a detached kinesis-mock that outlives the calling process and records
// it in the state directory. If one is already running there it is returned as is,
// whatever ports o asks for, with started false; state left by an engine that has died is
// removed first. Its data directory (its working directory and log) lives in the state
// directory until DownKinesis; its streams live in its memory only.
func UpKinesis(ctx context.Context, o KinesisOptions) (st KinesisState, started bool, err error) {
	return o.detached().up(ctx)
}

// KinesisStatus reports the detached kinesis-mock recorded in the state directory.
// running is true when its process is alive, is node running our kinesis-mock in the
// recorded data directory, and answers at its endpoint. With no engine recorded it returns
// running false and no error. State left by an engine that has died is removed. A live
// engine that does not answer is returned with running false and an error saying so.
func KinesisStatus(ctx context.Context, o KinesisOptions) (st KinesisState, running bool, err error) {
	return o.detached().status(ctx, false)
}

// DownKinesis stops the detached kinesis-mock recorded in the state directory (SIGTERM, up
// to 3s, then SIGKILL: see Kinesis.Stop) and removes its state and data directory; every
// stream it held goes with it. With none recorded it does nothing.
func DownKinesis(ctx context.Context, o KinesisOptions) error {
	return o.detached().down(ctx)
}

func (o KinesisOptions) detached() detached[KinesisState] {
	c, err := o.resolve()
	return detached[KinesisState]{
		err:        err,
		baseConfig: c.baseConfig,
		product:    KinesisProduct,
		ours:       isKinesisProcess,
		ping: func(ctx context.Context, st KinesisState) error {
			ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			return pingKinesis(ctx, st.Endpoint)
		},
		launch: func(ctx context.Context, dataDir string) (*child, KinesisState, error) {
			return c.launch(ctx, dataDir, o.Bound)
		},
	}
}

// isKinesisProcess reports whether st.PID runs st.Script in st.DataDir. The script alone
// would not do: every kinesis-mock started from one cache runs the same one.
func isKinesisProcess(st KinesisState) bool {
	return st.DataDir != "" && processMatches(st.PID, st.DataDir, st.Script)
}
