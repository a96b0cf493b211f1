package bench

import "math/bits"

// bitset is a growable set of sequence numbers.
type bitset []uint64

// set adds i and reports whether it was there already.
func (b *bitset) set(i uint64) (was bool) {
	w := i / 64
	if w >= uint64(len(*b)) {
		grown := make(bitset, max(2*len(*b), int(w)+1, 1024))
		copy(grown, *b)
		*b = grown
	}
	mask := uint64(1) << (i % 64)
	was = (*b)[w]&mask != 0
	(*b)[w] |= mask
	return was
}

func (b bitset) has(i uint64) bool {
	w := i / 64
	return w < uint64(len(b)) && b[w]&(1<<(i%64)) != 0
}

// tracker checks one consumer's deliveries: which sequence numbers of each producer
// arrived, how many arrived again, and how many arrived after a higher sequence number
// of the same producer on the same partition (order is only promised per partition).
type tracker struct {
	seen []bitset   // by producer
	next [][]uint64 // by producer, then partition: highest sequence seen + 1
	// unique deliveries, repeated deliveries, deliveries out of order
	unique, duplicated, reordered int64
}

// observe records one delivery and reports whether it is the first of that message.
func (t *tracker) observe(producer uint16, seq uint64, partition int32) (first bool) {
	p := int(producer)
	if p >= len(t.seen) {
		t.seen = append(t.seen, make([]bitset, p+1-len(t.seen))...)
		t.next = append(t.next, make([][]uint64, p+1-len(t.next))...)
	}
	part := max(int(partition), 0)
	if part >= len(t.next[p]) {
		t.next[p] = append(t.next[p], make([]uint64, part+1-len(t.next[p]))...)
	}
	// A message delivered again (a consumer re-reading after a restart) is a
	// duplicate, not also a reordering.
	if t.seen[p].set(seq) {
		t.duplicated++
		return false
	}
	if n := &t.next[p][part]; seq+1 > *n {
		*n = seq + 1
	} else {
		t.reordered++
	}
	t.unique++
	return true
}

// Integrity is the outcome of the message accounting of a run.
type Integrity struct {
	// Received counts distinct messages of this run that some consumer got.
	Received int64
	// Lost counts messages the broker acknowledged that no consumer got.
	Lost int64
	// Duplicated counts deliveries of a message that had already been delivered.
	Duplicated int64
	// Reordered counts deliveries that came after a later message of the same
	// producer on the same partition.
	Reordered int64
	// Unacknowledged counts messages delivered although their send failed or was
	// never acknowledged (for example a timeout after the broker had stored them).
	Unacknowledged int64
}

// reconcile merges the consumers' trackers and compares them with what each producer
// had acknowledged (acked[p] holds producer p's acknowledged sequence numbers).
func reconcile(acked []bitset, trackers []*tracker) Integrity {
	var out Integrity
	for _, t := range trackers {
		out.Duplicated += t.duplicated
		out.Reordered += t.reordered
	}
	producers := len(acked)
	for _, t := range trackers {
		producers = max(producers, len(t.seen))
	}
	for p := range producers {
		var union bitset
		for _, t := range trackers {
			if p >= len(t.seen) {
				continue
			}
			got := t.seen[p]
			if len(got) > len(union) {
				union = append(union, make(bitset, len(got)-len(union))...)
			}
			for w, word := range got {
				// a message two consumers both got (a rebalance) is a duplicate too
				out.Duplicated += int64(bits.OnesCount64(union[w] & word))
				union[w] |= word
			}
		}
		var ack bitset
		if p < len(acked) {
			ack = acked[p]
		}
		for w := range max(len(union), len(ack)) {
			var u, a uint64
			if w < len(union) {
				u = union[w]
			}
			if w < len(ack) {
				a = ack[w]
			}
			out.Received += int64(bits.OnesCount64(u))
			out.Lost += int64(bits.OnesCount64(a &^ u))
			out.Unacknowledged += int64(bits.OnesCount64(u &^ a))
		}
	}
	return out
}
