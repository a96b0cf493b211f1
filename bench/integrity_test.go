package bench

import "testing"

func TestTrackerObserve(t *testing.T) {
	var tr tracker
	steps := []struct {
		producer  uint16
		seq       uint64
		partition int32
		first     bool
	}{
		{0, 0, 0, true},
		{0, 1, 1, true},
		{0, 2, 0, true},
		{0, 2, 0, false}, // again: duplicate, and not after a later message... of itself
		{1, 5, 0, true},  // another producer, own sequence
		{0, 4, 1, true},
		{0, 3, 1, true}, // after 4 on partition 1: reordered
		{0, 3, 1, false},
	}
	for i, s := range steps {
		if got := tr.observe(s.producer, s.seq, s.partition); got != s.first {
			t.Errorf("step %d %+v: first = %v, want %v", i, s, got, s.first)
		}
	}
	if tr.unique != 6 || tr.duplicated != 2 {
		t.Errorf("unique %d duplicated %d, want 6 and 2", tr.unique, tr.duplicated)
	}
	// 3 after 4 on partition 1; the deliveries again are duplicates only
	if tr.reordered != 1 {
		t.Errorf("reordered %d, want 1", tr.reordered)
	}
}

func TestReconcile(t *testing.T) {
	ack := func(seqs ...uint64) bitset {
		var b bitset
		for _, s := range seqs {
			b.set(s)
		}
		return b
	}
	a, b := &tracker{}, &tracker{}
	// producer 0 sent 0..4, all acked; 3 never arrives; 1 arrives at both consumers
	for _, s := range []uint64{0, 1, 2} {
		a.observe(0, s, 0)
	}
	b.observe(0, 1, 1)
	b.observe(0, 4, 1)
	// producer 1: 0 acked and received; 1 failed to send but was delivered anyway
	a.observe(1, 0, 0)
	a.observe(1, 1, 0)
	got := reconcile([]bitset{ack(0, 1, 2, 3, 4), ack(0)}, []*tracker{a, b})
	want := Integrity{Received: 6, Lost: 1, Duplicated: 1, Reordered: 0, Unacknowledged: 1}
	if got != want {
		t.Errorf("reconcile = %+v, want %+v", got, want)
	}
}

func TestBitsetGrows(t *testing.T) {
	var b bitset
	for _, i := range []uint64{0, 63, 64, 1 << 20} {
		if b.set(i) {
			t.Errorf("set(%d) reported it present before", i)
		}
		if !b.has(i) || !b.set(i) {
			t.Errorf("%d missing after set", i)
		}
	}
	if b.has(1) || b.has(1<<21) {
		t.Error("has reports a value never set")
	}
}

// A consumer observes every delivery; the run reconciles every message once at its
// end, so BenchmarkReconcile's ns/op is that cost per message.
//
//	go test ./bench -run '^$' -bench 'Tracker|Bitset|Reconcile' -benchmem
func BenchmarkTrackerObserve(b *testing.B) {
	// Two producers, their messages spread round robin over four partitions, as a
	// consumer of a whole topic sees them.
	b.Run("in-order", func(b *testing.B) {
		b.ReportAllocs()
		var tr tracker
		var i uint64
		for b.Loop() {
			tr.observe(uint16(i&1), i>>1, int32(i%4))
			i++
		}
	})
	// Every message twice: a consumer restarted from the start of the topic.
	b.Run("duplicates", func(b *testing.B) {
		var tr tracker
		for i := range uint64(1 << 16) {
			tr.observe(0, i, int32(i%4))
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := range uint64(b.N) {
			tr.observe(0, i%(1<<16), int32(i%4))
		}
	})
}

func BenchmarkBitsetSet(b *testing.B) {
	b.ReportAllocs()
	var s bitset
	var i uint64
	for b.Loop() {
		s.set(i)
		i++
	}
}

func BenchmarkReconcile(b *testing.B) {
	// Reconciling b.N messages in one go would need b.N messages' worth of bitsets;
	// instead a million at a time, and what remains of b.N once.
	n := min(b.N, 1_000_000)
	acked, trackers := reconcileData(n)
	restAcked, restTrackers := reconcileData(b.N % n)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N / n {
		reconcile(acked, trackers)
	}
	reconcile(restAcked, restTrackers)
}

// reconcileData is n messages from two producers, all acknowledged, split over two
// consumers by partition; one in a thousand lost, one in a thousand delivered to both.
func reconcileData(n int) ([]bitset, []*tracker) {
	acked := make([]bitset, 2)
	trackers := []*tracker{{}, {}}
	for i := range uint64(n) {
		p, seq := i&1, i>>1
		acked[p].set(seq)
		switch i % 1000 {
		case 1:
		case 2:
			trackers[0].observe(uint16(p), seq, 0)
			trackers[1].observe(uint16(p), seq, 1)
		default:
			trackers[i/2%2].observe(uint16(p), seq, int32(i/2%2))
		}
	}
	return acked, trackers
}
