package brokers

import (
	"context"
	"time"
)

// Lifecycle is the life of a local broker that outlives the command that starts it
// ('bench brokers up'), the same for every engine: Apache Kafka (see UpKafka) and the
// Kinesis engines ferrokinesis and kinesis-mock (see UpKinesis).
type Lifecycle interface {
	// Product names the broker in messages: "Apache Kafka", "ferrokinesis".
	Product() string
	// Up starts the broker unless one is already running, and describes the one that
	// runs; started says which. See UpKafka.
	Up(ctx context.Context) (b Running, started bool, err error)
	// Status describes the broker recorded in the state directory; running is false
	// when there is none, or it does not answer (then with an error). See KafkaStatus.
	Status(ctx context.Context) (b Running, running bool, err error)
	// Down stops the recorded broker, if any, and removes its state and data.
	Down(ctx context.Context) error
}

// Detached is a local broker that outlives the command that starts it: its lifecycle,
// and the faults a benchmark injects into it while it runs.
type Detached interface {
	Lifecycle
	Faults
}

// Running describes a local broker that runs, whatever its engine, for messages.
type Running struct {
	Product, Version string
	// Address is where clients connect: "127.0.0.1:9092", "http://127.0.0.1:4569".
	Address   string
	LogPath   string
	PID       int
	StartedAt time.Time
	// Note, if not empty, says what else a reader of its numbers should know: whether a
	// Kinesis engine enforces AWS's write quotas.
	Note string
}

// Detached returns the detached broker o describes, the one UpKafka records.
func (o KafkaOptions) Detached() Detached { return o.detached() }

// Detached returns the detached engine o describes, the one UpKinesis records. It
// refuses a restart (ErrKinesisRestart): it keeps its streams in memory only.
func (o KinesisOptions) Detached() Detached {
	d := o.detached()
	return struct {
		Lifecycle
		Faults
	}{d, KinesisFaults(d)}
}

// Product names the broker in messages.
func (d detached[S]) Product() string { return d.product }

// Up starts the broker unless one is running; see UpKafka.
func (d detached[S]) Up(ctx context.Context) (Running, bool, error) {
	st, started, err := d.up(ctx)
	return st.running(), started, err
}

// Status reports the recorded broker; see KafkaStatus.
func (d detached[S]) Status(ctx context.Context) (Running, bool, error) {
	st, running, err := d.status(ctx, false)
	return st.running(), running, err
}

// Down stops the recorded broker and removes its state; see DownKafka.
func (d detached[S]) Down(ctx context.Context) error { return d.down(ctx) }

func (s KafkaState) running() Running {
	return Running{Product: s.Product, Version: s.Version, Address: s.Address, LogPath: s.LogPath,
		PID: s.PID, StartedAt: s.StartedAt}
}

func (s KinesisState) running() Running {
	return Running{Product: s.Product, Version: s.Version, Address: s.Endpoint, LogPath: s.LogPath,
		PID: s.PID, StartedAt: s.StartedAt, Note: s.QuotaText()}
}
