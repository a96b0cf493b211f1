package bench

import (
	"bytes"
	"testing"
)

func TestEnvelopeRoundTrip(t *testing.T) {
	cases := []Envelope{
		{},
		{Run: 7, Producer: 3, Seq: 42, Intended: 1_500_000},
		{Run: ^uint32(0), Producer: ^uint16(0), Seq: ^uint64(0), Intended: -1},
	}
	for _, want := range cases {
		b := make([]byte, EnvelopeSize+5)
		want.Put(b)
		got, err := ReadEnvelope(b)
		if err != nil {
			t.Fatalf("ReadEnvelope(%+v): %v", want, err)
		}
		if got != want {
			t.Errorf("round trip: got %+v, want %+v", got, want)
		}
	}
}

// TestEnvelopeLayout pins the documented byte layout, so a change to it is deliberate.
func TestEnvelopeLayout(t *testing.T) {
	b := make([]byte, EnvelopeSize)
	Envelope{Run: 0x01020304, Producer: 0x0506, Seq: 0x0708090a0b0c0d0e, Intended: 0x0f10111213141516}.Put(b)
	want := []byte{
		0xB5, 1, // magic, version
		0x05, 0x06, // producer
		0x01, 0x02, 0x03, 0x04, // run
		0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, // sequence
		0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, // intended
	}
	if !bytes.Equal(b, want) {
		t.Fatalf("layout:\n got %x\nwant %x", b, want)
	}
}

func TestReadEnvelopeRejects(t *testing.T) {
	good := make([]byte, EnvelopeSize)
	Envelope{Seq: 1}.Put(good)
	for name, b := range map[string][]byte{
		"empty":       nil,
		"short":       good[:EnvelopeSize-1],
		"bad magic":   append([]byte{0x00}, good[1:]...),
		"bad version": append([]byte{envelopeMagic, 9}, good[2:]...),
	} {
		if _, err := ReadEnvelope(b); err == nil {
			t.Errorf("%s: ReadEnvelope accepted %x", name, b)
		}
	}
}

// The producer writes an envelope into every message, and the consumer reads one from
// every delivery.
//
//	go test ./bench -run '^$' -bench Envelope -benchmem
func BenchmarkEnvelopePut(b *testing.B) {
	b.ReportAllocs()
	buf := make([]byte, 100)
	e := Envelope{Run: 7, Producer: 1}
	for b.Loop() {
		e.Seq++
		e.Intended += 1000
		e.Put(buf)
	}
}

func BenchmarkReadEnvelope(b *testing.B) {
	b.ReportAllocs()
	buf := make([]byte, 100)
	Envelope{Run: 7, Producer: 1, Seq: 42, Intended: 1_500_000}.Put(buf)
	for b.Loop() {
		if _, err := ReadEnvelope(buf); err != nil {
			b.Fatal(err)
		}
	}
}
