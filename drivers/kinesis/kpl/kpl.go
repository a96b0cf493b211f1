// Package kpl reads and writes the record aggregation format of the Kinesis
// Producer Library (KPL), which packs many user records into one Kinesis
// record, and which the Kinesis Client Library (KCL) unpacks on the consumer
// side.
//
// An aggregated record's data is, as documented in aggregation-format.md of
// github.com/awslabs/amazon-kinesis-producer:
//
//	magic (F3 89 9A C2) | protobuf AggregatedRecord (proto2) | MD5 of the protobuf bytes
//
// where the protobuf messages are those of aws/kinesis/protobuf/messages.proto
// in the same repository:
//
//	message AggregatedRecord {
//	  repeated string partition_key_table     = 1;
//	  repeated string explicit_hash_key_table = 2;
//	  repeated Record records                 = 3;
//	}
//	message Record {
//	  required uint64 partition_key_index     = 1;
//	  optional uint64 explicit_hash_key_index = 2;
//	  required bytes  data                    = 3;
//	  repeated Tag    tags                    = 4;
//	}
//	message Tag {
//	  required string key   = 1;
//	  optional string value = 2;
//	}
//
// The codec is written by hand with protowire rather than generated, because
// three small messages do not justify a protoc step, and because hand-written
// code lets [Aggregator] track its exact encoded size as records are added.
package kpl

import (
	"bytes"
	"crypto/md5"
)

// magic starts the data of every aggregated record.
const magic = "\xF3\x89\x9A\xC2"

// Overhead is the number of bytes an aggregated record adds around its
// protobuf message: the magic number before it and the MD5 digest after it.
const Overhead = len(magic) + md5.Size

// Field numbers of the protobuf messages, from messages.proto.
const (
	fieldPartitionKeyTable    = 1 // AggregatedRecord.partition_key_table
	fieldExplicitHashKeyTable = 2 // AggregatedRecord.explicit_hash_key_table
	fieldRecords              = 3 // AggregatedRecord.records

	fieldPartitionKeyIndex    = 1 // Record.partition_key_index
	fieldExplicitHashKeyIndex = 2 // Record.explicit_hash_key_index
	fieldData                 = 3 // Record.data
	fieldTags                 = 4 // Record.tags

	fieldTagKey   = 1 // Tag.key
	fieldTagValue = 2 // Tag.value
)

// Record is one user record: what a producer hands to an [Aggregator] and
// what [Deaggregate] hands back.
type Record struct {
	// PartitionKey is the record's Kinesis partition key.
	PartitionKey string
	// ExplicitHashKey is the record's explicit hash key as a decimal string,
	// or "" if the record has none.
	ExplicitHashKey string
	// Data is the record's payload.
	Data []byte
}

// IsAggregated reports whether data is an aggregated record: it starts with the
// magic number, is long enough to hold a digest after it, and the digest is the
// MD5 of the bytes between them. It does not decode the protobuf message, so
// [Deaggregate] may still reject data for which IsAggregated is true.
func IsAggregated(data []byte) bool {
	_, ok := message(data)
	return ok
}

// message returns the protobuf message inside data if data is an aggregated
// record. The tests mirror the KCL's, so that both sides agree on which records
// are aggregated: in particular data of exactly Overhead bytes is not, because
// the KCL wants more than a digest after the magic number.
func message(data []byte) ([]byte, bool) {
	if len(data) <= Overhead || string(data[:len(magic)]) != magic {
		return nil, false
	}
	msg := data[len(magic) : len(data)-md5.Size]
	sum := md5.Sum(msg)
	if !bytes.Equal(sum[:], data[len(data)-md5.Size:]) {
		return nil, false
	}
	return msg, true
}
