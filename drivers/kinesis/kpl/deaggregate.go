package kpl

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// ErrMalformed is wrapped by the errors [Deaggregate] returns for data that is
// an aggregated record by its magic number and digest but whose protobuf
// message cannot be decoded.
var ErrMalformed = errors.New("kpl: malformed aggregated record")

// Deaggregate calls fn for each user record in data, in order, and returns the
// first error fn returns, as it is.
//
// Data that is not an aggregated record (see [IsAggregated]) is a plain record,
// as it is to the KCL: fn is called once with a Record whose Data is data and
// whose keys are empty, since data does not carry them; the caller knows the
// keys the Kinesis record was put with.
//
// Data that is an aggregated record but whose message is malformed (truncated,
// a known field with the wrong wire type, a missing required field, a key index
// beyond its table) yields an error wrapping [ErrMalformed], and fn is not
// called at all: the whole message is checked before the first record is
// handed out. The KCL instead hands such data on as a plain record when
// protobuf rejects it, and drops the rest of it at a bad key index; a
// benchmark is better served by hearing that its producer is broken.
//
// Each Record's Data aliases data (with its capacity cut, so appending to it
// cannot overwrite what follows) and is valid as long as data is.
func Deaggregate(data []byte, fn func(Record) error) error {
	msg, ok := message(data)
	if !ok {
		return fn(Record{Data: data})
	}
	partitionKeys, explicitHashKeys, err := check(msg)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	for len(msg) > 0 {
		f, n, _ := consumeField(msg)
		msg = msg[n:]
		if f.num != fieldRecords {
			continue
		}
		r, _ := parseRecord(f.bytes)
		rec := Record{
			PartitionKey: partitionKeys[r.partitionKeyIndex],
			Data:         r.data[:len(r.data):len(r.data)],
		}
		if r.hasExplicitHashKey {
			rec.ExplicitHashKey = explicitHashKeys[r.explicitHashKeyIndex]
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
	return nil
}

// check decodes an AggregatedRecord message far enough to know that every
// record in it can be handed out, and returns its key tables.
//
// Fields may come in any order and interleave, so a record's key indices can
// only be checked once the whole message has been read.
func check(msg []byte) (partitionKeys, explicitHashKeys []string, err error) {
	var (
		records          int
		maxPK, maxPKAt   uint64 // largest partition key index, and its record
		maxEHK, maxEHKAt uint64
		anyEHK           bool
	)
	for len(msg) > 0 {
		f, n, err := consumeField(msg)
		if err != nil {
			return nil, nil, err
		}
		msg = msg[n:]
		switch f.num {
		case fieldPartitionKeyTable:
			if err := wantType(f, protowire.BytesType, "partition_key_table"); err != nil {
				return nil, nil, err
			}
			partitionKeys = append(partitionKeys, string(f.bytes))
		case fieldExplicitHashKeyTable:
			if err := wantType(f, protowire.BytesType, "explicit_hash_key_table"); err != nil {
				return nil, nil, err
			}
			explicitHashKeys = append(explicitHashKeys, string(f.bytes))
		case fieldRecords:
			if err := wantType(f, protowire.BytesType, "records"); err != nil {
				return nil, nil, err
			}
			r, err := parseRecord(f.bytes)
			if err != nil {
				return nil, nil, fmt.Errorf("record %d: %w", records, err)
			}
			if r.partitionKeyIndex > maxPK || records == 0 {
				maxPK, maxPKAt = r.partitionKeyIndex, uint64(records)
			}
			if r.hasExplicitHashKey && (r.explicitHashKeyIndex > maxEHK || !anyEHK) {
				maxEHK, maxEHKAt, anyEHK = r.explicitHashKeyIndex, uint64(records), true
			}
			records++
		}
	}
	if records > 0 && maxPK >= uint64(len(partitionKeys)) {
		return nil, nil, fmt.Errorf("record %d: partition_key_index %d out of range: the table has %d keys",
			maxPKAt, maxPK, len(partitionKeys))
	}
	if anyEHK && maxEHK >= uint64(len(explicitHashKeys)) {
		return nil, nil, fmt.Errorf("record %d: explicit_hash_key_index %d out of range: the table has %d keys",
			maxEHKAt, maxEHK, len(explicitHashKeys))
	}
	return partitionKeys, explicitHashKeys, nil
}

// record is a decoded Record message.
type record struct {
	partitionKeyIndex    uint64
	explicitHashKeyIndex uint64
	hasExplicitHashKey   bool
	data                 []byte
}

// parseRecord decodes a Record message. As in protobuf, a field that occurs
// more than once takes its last value, and unknown fields are skipped.
func parseRecord(b []byte) (record, error) {
	var (
		r              record
		hasPK, hasData bool
	)
	for len(b) > 0 {
		f, n, err := consumeField(b)
		if err != nil {
			return record{}, err
		}
		b = b[n:]
		switch f.num {
		case fieldPartitionKeyIndex:
			if err := wantType(f, protowire.VarintType, "partition_key_index"); err != nil {
				return record{}, err
			}
			r.partitionKeyIndex, hasPK = f.varint, true
		case fieldExplicitHashKeyIndex:
			if err := wantType(f, protowire.VarintType, "explicit_hash_key_index"); err != nil {
				return record{}, err
			}
			r.explicitHashKeyIndex, r.hasExplicitHashKey = f.varint, true
		case fieldData:
			if err := wantType(f, protowire.BytesType, "data"); err != nil {
				return record{}, err
			}
			r.data, hasData = f.bytes, true
		case fieldTags:
			// Neither the KPL nor the KCL uses tags, but protobuf would
			// reject a record whose tags are malformed, so check them.
			if err := wantType(f, protowire.BytesType, "tags"); err != nil {
				return record{}, err
			}
			if err := checkTag(f.bytes); err != nil {
				return record{}, fmt.Errorf("tags: %w", err)
			}
		}
	}
	if !hasPK {
		return record{}, errors.New("missing required field partition_key_index")
	}
	if !hasData {
		return record{}, errors.New("missing required field data")
	}
	return r, nil
}

// checkTag checks that b is a well-formed Tag message.
func checkTag(b []byte) error {
	hasKey := false
	for len(b) > 0 {
		f, n, err := consumeField(b)
		if err != nil {
			return err
		}
		b = b[n:]
		switch f.num {
		case fieldTagKey:
			if err := wantType(f, protowire.BytesType, "key"); err != nil {
				return err
			}
			hasKey = true
		case fieldTagValue:
			if err := wantType(f, protowire.BytesType, "value"); err != nil {
				return err
			}
		}
	}
	if !hasKey {
		return errors.New("missing required field key")
	}
	return nil
}

// field is one decoded field of a protobuf message.
type field struct {
	num    protowire.Number
	typ    protowire.Type
	varint uint64 // the value of a varint field
	bytes  []byte // the contents of a length-delimited field
}

// consumeField decodes the field at the start of b and returns it with its
// encoded length. Fields of other wire types are skipped over, groups
// included.
func consumeField(b []byte) (field, int, error) {
	num, typ, n := protowire.ConsumeTag(b)
	if n < 0 {
		return field{}, 0, fmt.Errorf("field tag: %w", protowire.ParseError(n))
	}
	f := field{num: num, typ: typ}
	var m int
	switch typ {
	case protowire.VarintType:
		f.varint, m = protowire.ConsumeVarint(b[n:])
	case protowire.BytesType:
		f.bytes, m = protowire.ConsumeBytes(b[n:])
	default:
		m = protowire.ConsumeFieldValue(num, typ, b[n:])
	}
	if m < 0 {
		return field{}, 0, fmt.Errorf("field %d: %w", num, protowire.ParseError(m))
	}
	return f, n + m, nil
}

// wantType returns an error naming the field if f does not have wire type typ.
//
// Protobuf itself would keep such a field as an unknown one and then, for a
// required field, complain that it is missing; no producer writes one, so the
// direct message is the more useful.
func wantType(f field, typ protowire.Type, name string) error {
	if f.typ != typ {
		return fmt.Errorf("field %s (%d): wire type %s, want %s", name, f.num, typeName(f.typ), typeName(typ))
	}
	return nil
}

// typeName names a wire type as the protobuf encoding documentation does.
func typeName(t protowire.Type) string {
	switch t {
	case protowire.VarintType:
		return "VARINT"
	case protowire.Fixed64Type:
		return "I64"
	case protowire.BytesType:
		return "LEN"
	case protowire.StartGroupType:
		return "SGROUP"
	case protowire.EndGroupType:
		return "EGROUP"
	case protowire.Fixed32Type:
		return "I32"
	}
	return fmt.Sprintf("%d", t)
}
