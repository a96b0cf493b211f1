package bench_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"streambench/bench"
	"streambench/drivers"
	"streambench/drivers/loopback"
)

func loopbackScenario(t testing.TB, mutate func(*bench.Scenario)) (*bench.Scenario, drivers.Driver) {
	t.Helper()
	reg := drivers.NewRegistry(loopback.Registration)
	s := bench.NewScenario(reg)
	s.Name = "engine-test"
	s.Targets = []string{"loopback"}
	s.Duration = bench.Duration(time.Second)
	s.Warmup = bench.Duration(200 * time.Millisecond)
	s.Drain = bench.Duration(5 * time.Second)
	s.Topology.Partitions = 4
	s.Workload.Rate = bench.Rate{PerSecond: 20000}
	s.Workload.Producers = 2
	s.Workload.Consumers = 2
	s.Workload.Keys = bench.Keys{Mode: bench.KeysRoundRobin}
	if mutate != nil {
		mutate(&s)
	}
	d, err := loopback.Registration.Open(context.Background(), drivers.Config{
		Topology: drivers.Topology{Name: "t", Partitions: s.Topology.Partitions},
	})
	if err != nil {
		t.Fatal(err)
	}
	return &s, d
}

// checkComplete asserts that every message sent was acknowledged and received once.
func checkComplete(t *testing.T, m *bench.Measurements) {
	t.Helper()
	c := m.Counts
	if c.Sent == 0 || c.Sent != c.Acked || c.Sent != c.Received {
		t.Errorf("sent %d, acked %d, received %d: want all equal and non-zero", c.Sent, c.Acked, c.Received)
	}
	if c.Lost != 0 || c.Duplicated != 0 || c.Reordered != 0 || c.SendErrors != 0 || c.Foreign != 0 {
		t.Errorf("integrity: %+v", c)
	}
	if n := m.EndToEnd.TotalCount(); n == 0 || n > c.Received {
		t.Errorf("end-to-end histogram holds %d values for %d received", n, c.Received)
	}
	if m.EndToEnd.Min() < 0 || m.Publish.TotalCount() == 0 {
		t.Errorf("latencies: e2e min %d, publish count %d", m.EndToEnd.Min(), m.Publish.TotalCount())
	}
}

func TestRunOpenLoop(t *testing.T) {
	s, d := loopbackScenario(t, nil)
	m, err := bench.Run(context.Background(), s, d, bench.Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkComplete(t, m)
	c := m.Counts
	// 1.2 s at 20,000/s
	if c.Requested != 24000 {
		t.Errorf("requested %d, want 24000", c.Requested)
	}
	if c.Sent+c.NotSent != c.Requested {
		t.Errorf("sent %d + not sent %d != requested %d", c.Sent, c.NotSent, c.Requested)
	}
	// The warm-up is left out of the latencies: 1 s of the 1.2 s is measured, and any
	// message never sent is one of the last the schedule asked for.
	if n := m.SendLag.TotalCount(); n != 20000-c.NotSent {
		t.Errorf("send lag recorded for %d messages, want the 20000 of the measured second less %d not sent", n, c.NotSent)
	}
	if m.Interrupted {
		t.Error("run marked interrupted")
	}
	if runtime.GOOS == "linux" && m.PeakRSSBytes <= 0 {
		t.Errorf("peak resident memory %d, want the process's", m.PeakRSSBytes)
	}
	var phases = map[bench.Phase]int{}
	var sent int64
	for _, iv := range m.Intervals {
		phases[iv.Phase]++
		sent += iv.Sent
	}
	if phases[bench.PhaseWarmup] == 0 || phases[bench.PhaseMeasure] == 0 {
		t.Errorf("intervals by phase: %v", phases)
	}
	if sent != c.Sent {
		t.Errorf("intervals add up to %d sent, counts say %d", sent, c.Sent)
	}
}

func TestRunClosedLoop(t *testing.T) {
	s, d := loopbackScenario(t, func(s *bench.Scenario) {
		s.Workload.Rate = bench.Rate{Max: true}
		s.Workload.MaxInFlight = 64
		s.Workload.Keys = bench.Keys{Mode: bench.KeysFixed, Count: 10}
		s.Duration = bench.Duration(300 * time.Millisecond)
	})
	m, err := bench.Run(context.Background(), s, d, bench.Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkComplete(t, m)
	if m.Counts.NotSent != 0 || m.Counts.Requested != m.Counts.Sent {
		t.Errorf("closed loop owes nothing: %+v", m.Counts)
	}
}

func TestRunInterrupted(t *testing.T) {
	s, d := loopbackScenario(t, func(s *bench.Scenario) {
		s.Duration = bench.Duration(time.Minute)
	})
	stop := make(chan struct{})
	time.AfterFunc(500*time.Millisecond, func() { close(stop) })
	start := time.Now()
	m, err := bench.Run(context.Background(), s, d, bench.Options{Interrupt: stop})
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("interrupted run took %s", took)
	}
	if !m.Interrupted {
		t.Error("not marked interrupted")
	}
	checkComplete(t, m)
	// requested only counts up to the interrupt
	if m.Counts.Requested > 20000*2 {
		t.Errorf("requested %d after a 0.5 s run", m.Counts.Requested)
	}
}

// slowDriver is the loopback driver with consumers that take 2 ms per message, so that
// they fall behind a faster load.
type slowDriver struct{ drivers.Driver }

func (d slowDriver) NewConsumer(ctx context.Context, id int) (drivers.Consumer, error) {
	c, err := d.Driver.NewConsumer(ctx, id)
	return slowConsumer{c}, err
}

type slowConsumer struct{ drivers.Consumer }

func (c slowConsumer) Poll(ctx context.Context, fn drivers.DeliverFunc) error {
	return c.Consumer.Poll(ctx, func(v []byte, p int32, o int64) {
		time.Sleep(2 * time.Millisecond)
		fn(v, p, o)
	})
}

func TestDrainThatRunsOutWhileMessagesArriveSaysSo(t *testing.T) {
	s, d := loopbackScenario(t, func(s *bench.Scenario) {
		s.Workload.Rate = bench.Rate{PerSecond: 2000} // the consumers take about 1,000/s
		s.Workload.Consumers, s.Topology.Partitions = 1, 1
		s.Drain = bench.Duration(500 * time.Millisecond)
	})
	m, err := bench.Run(context.Background(), s, slowDriver{d}, bench.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Counts.Lost == 0 || !m.DrainExpired || !m.StillArriving {
		t.Errorf("lost %d, drain expired %v, still arriving %v: want messages not received in time, still arriving",
			m.Counts.Lost, m.DrainExpired, m.StillArriving)
	}

	s, d = loopbackScenario(t, nil)
	if m, err = bench.Run(context.Background(), s, d, bench.Options{}); err != nil {
		t.Fatal(err)
	}
	if m.DrainExpired || m.StillArriving {
		t.Errorf("a run that delivered everything: drain expired %v, still arriving %v", m.DrainExpired, m.StillArriving)
	}
}

func TestRunNoConsumers(t *testing.T) {
	s, d := loopbackScenario(t, func(s *bench.Scenario) { s.Workload.Consumers = 0 })
	m, err := bench.Run(context.Background(), s, d, bench.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := m.Counts
	if c.Sent == 0 || c.Acked != c.Sent || c.Received != 0 || c.Lost != 0 || c.Duplicated != 0 {
		t.Errorf("counts %+v: want every message sent acknowledged, none received and none counted lost", c)
	}
	if m.Publish.TotalCount() == 0 || m.EndToEnd.TotalCount() != 0 {
		t.Errorf("publish latencies %d, end-to-end %d: want some and none", m.Publish.TotalCount(), m.EndToEnd.TotalCount())
	}
}
