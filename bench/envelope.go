package bench

import (
	"encoding/binary"
	"errors"
)

// EnvelopeSize is the number of bytes every payload starts with.
const EnvelopeSize = 24

// envelopeMagic marks a payload written by bench, so a consumer can tell our messages
// from anything else on a shared topic.
const envelopeMagic = 0xB5

// envelopeVersion is the layout below; a reader refuses any other.
const envelopeVersion = 1

// Envelope is what a consumer needs to check a message without trusting the broker:
// which run and producer sent it, its sequence number in that producer's stream, and
// when it was meant to be sent.
//
// Layout, big-endian: magic (1 byte), version (1), producer (2), run (4), sequence (8),
// intended send time in nanoseconds since the run's start (8).
type Envelope struct {
	Run      uint32
	Producer uint16
	Seq      uint64
	Intended int64
}

var (
	errShortEnvelope = errors.New("message shorter than the envelope")
	errNotEnvelope   = errors.New("message does not start with a bench envelope")
)

// Put writes e into the first EnvelopeSize bytes of b, which must be long enough.
func (e Envelope) Put(b []byte) {
	_ = b[EnvelopeSize-1]
	b[0] = envelopeMagic
	b[1] = envelopeVersion
	binary.BigEndian.PutUint16(b[2:], e.Producer)
	binary.BigEndian.PutUint32(b[4:], e.Run)
	binary.BigEndian.PutUint64(b[8:], e.Seq)
	binary.BigEndian.PutUint64(b[16:], uint64(e.Intended))
}

// ReadEnvelope decodes the envelope at the start of b.
func ReadEnvelope(b []byte) (Envelope, error) {
	if len(b) < EnvelopeSize {
		return Envelope{}, errShortEnvelope
	}
	if b[0] != envelopeMagic || b[1] != envelopeVersion {
		return Envelope{}, errNotEnvelope
	}
	return Envelope{
		Producer: binary.BigEndian.Uint16(b[2:]),
		Run:      binary.BigEndian.Uint32(b[4:]),
		Seq:      binary.BigEndian.Uint64(b[8:]),
		Intended: int64(binary.BigEndian.Uint64(b[16:])),
	}, nil
}
