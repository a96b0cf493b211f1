package kinesis

import (
	"context"
	"os"
	"testing"
	"time"

	"streambench/drivers"
)

// Local Kinesis engines the integration tests know, as $BENCH_KINESIS_ENGINE names
// them. Where an engine departs from AWS, a test asserts the departure on that engine
// (so that a fixed engine shows up as a failing test) and AWS's behaviour on the
// others.
const (
	engineKinesisMock  = "kinesis-mock"
	engineFerrokinesis = "ferrokinesis"
)

// Engine is the engine behind the integration tests' endpoint: $BENCH_KINESIS_ENGINE,
// kinesis-mock when it is empty (the engine brokertest starts).
func Engine(t testing.TB) string {
	switch e := os.Getenv("BENCH_KINESIS_ENGINE"); e {
	case "", engineKinesisMock:
		return engineKinesisMock
	case engineFerrokinesis:
		return e
	default:
		t.Fatalf("BENCH_KINESIS_ENGINE=%q: want %s or %s (empty means %s)", e, engineKinesisMock, engineFerrokinesis, engineKinesisMock)
		return ""
	}
}

// Ferrokinesis reports whether the tests run against ferrokinesis.
func Ferrokinesis(t testing.TB) bool { return Engine(t) == engineFerrokinesis }

// testStream opens the driver at endpoint on a new one-shard stream named after
// prefix, sets the stream up, and removes it when the test ends.
func testStream(t *testing.T, endpoint, prefix string, set *Settings) *Driver {
	t.Helper()
	ctx := context.Background()
	dr, err := Open(ctx, drivers.Config{Address: endpoint, Settings: set,
		Topology: drivers.Topology{Name: prefix + "-" + time.Now().Format("150405.000000"), Partitions: 1}})
	if err != nil {
		t.Fatal(err)
	}
	d := dr.(*Driver)
	t.Cleanup(d.Close)
	if err := d.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Teardown(context.Background()) })
	return d
}
