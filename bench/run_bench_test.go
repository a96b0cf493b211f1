package bench_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"streambench/bench"
)

// BenchmarkLoopback measures the engine's ceiling with the in-process loopback driver:
// 100-byte messages, 2 producers, 2 consumers, every latency recorded. Each iteration
// is one run of one second (after a 200 ms warm-up); msgs/s is what was received (an
// open loop that falls behind its rate receives less in the second), and
// allocs/msg and B/msg what the whole process allocated during the runs per message
// sent (setting up a run's histograms included); cpu-ns/msg is the process's CPU time
// per message sent.
//
//	go test ./bench -run '^$' -bench Loopback -benchtime 3x
func BenchmarkLoopback(b *testing.B) {
	for _, tc := range []struct {
		name string
		rate bench.Rate
	}{
		{"closed-loop", bench.Rate{Max: true}},
		{"open-loop-1M", bench.Rate{PerSecond: 1e6}},
		{"open-loop-2M", bench.Rate{PerSecond: 2e6}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var received, notSent, sent int64
			var secs, cpu float64
			var mem0, mem1 runtime.MemStats
			runtime.ReadMemStats(&mem0)
			for range b.N {
				s, d := loopbackScenario(b, func(s *bench.Scenario) {
					s.Workload.Rate = tc.rate
					s.Workload.MaxInFlight = 4096
					s.Duration = bench.Duration(time.Second)
				})
				m, err := bench.Run(context.Background(), s, d, bench.Options{})
				if err != nil {
					b.Fatal(err)
				}
				if m.Counts.Lost != 0 || m.Counts.Received != m.Counts.Sent {
					b.Fatalf("integrity: %+v", m.Counts)
				}
				received += m.ReceivedInWindow
				sent += m.Counts.Sent
				notSent += m.Counts.NotSent
				secs += m.MeasuredSeconds
				cpu += m.CPUSeconds
			}
			b.ReportMetric(float64(received)/secs, "msgs/s")
			b.ReportMetric(float64(notSent)/float64(sent+notSent)*100, "%not-sent")
			b.ReportMetric(cpu/float64(b.N), "cpu-s/run")
			// On a busy machine msgs/s says more about the neighbours than about the
			// engine; the CPU time per message much less so.
			b.ReportMetric(cpu*1e9/float64(sent), "cpu-ns/msg")
			runtime.ReadMemStats(&mem1)
			b.ReportMetric(float64(mem1.Mallocs-mem0.Mallocs)/float64(sent), "allocs/msg")
			b.ReportMetric(float64(mem1.TotalAlloc-mem0.TotalAlloc)/float64(sent), "B/msg")
		})
	}
}

// BenchmarkTickerFloor measures what one goroutine woken every millisecond costs this
// machine, with nothing else to do: the floor under any open-loop producer that sends
// 1,000 messages a second at their intended times.
//
//	go test ./bench -run '^$' -bench TickerFloor -benchtime 5000x
func BenchmarkTickerFloor(b *testing.B) {
	tk := time.NewTicker(time.Millisecond)
	defer tk.Stop()
	cpu0, t0 := bench.ProcessCPU(), time.Now()
	for range b.N {
		<-tk.C
	}
	b.ReportMetric(100*(bench.ProcessCPU()-cpu0).Seconds()/time.Since(t0).Seconds(), "%core")
}
