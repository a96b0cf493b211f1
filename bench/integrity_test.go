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
