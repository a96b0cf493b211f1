package kinesis

import (
	"context"
	"testing"
	"time"

	"streambench/brokers"
	"streambench/brokers/brokertest"
	"streambench/drivers"
)

// Ferrokinesis reports whether the integration tests' endpoint is ferrokinesis's (see
// brokertest.Engine). Where an engine departs from AWS, a test asserts the departure on
// that engine (so that a fixed engine shows up as a failing test) and AWS's behaviour on
// the others.
func Ferrokinesis(t testing.TB) bool { return brokertest.Engine(t) == brokers.EngineFerrokinesis }

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
