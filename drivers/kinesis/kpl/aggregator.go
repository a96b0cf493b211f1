package kpl

import (
	"crypto/md5"

	"google.golang.org/protobuf/encoding/protowire"
)

// Aggregator builds one aggregated record from user records added one at a
// time. Partition keys and explicit hash keys are stored once each in the
// record's key tables, however many records share them.
//
// The zero value is an empty Aggregator ready to use. An Aggregator is not safe
// for concurrent use; the intended shape is one per producer goroutine (or per
// shard), reused with [Aggregator.Reset].
type Aggregator struct {
	// Keys of the tables, in table order, and each key's index in its table.
	partitionKeys    []string
	partitionIndex   map[string]uint64
	explicitHashKeys []string
	explicitIndex    map[string]uint64

	// tables is the encoded size of both key tables. The tables are encoded
	// only by Append, because a new key can arrive after records that follow
	// the tables in the message.
	tables int

	// records holds the encoded records (field 3 of AggregatedRecord, tag and
	// length included) in the order they were added.
	records []byte
	n       int

	// firstExplicitHashKey is the first record's explicit hash key, which is
	// not necessarily explicitHashKeys[0]: the first record may have none.
	firstExplicitHashKey string
}

// Add appends r to the aggregated record. It copies r.Data, so the caller may
// reuse it once Add returns.
//
// Add does not check r against Kinesis's limits (a partition key of 1 to 256
// characters, a record size); use [Aggregator.SizeWith] before adding to stay
// under the size limit.
func (a *Aggregator) Add(r Record) {
	pk, newPK := lookup(a.partitionIndex, len(a.partitionKeys), r.PartitionKey)
	if newPK {
		if a.partitionIndex == nil {
			a.partitionIndex = make(map[string]uint64)
		}
		a.partitionIndex[r.PartitionKey] = pk
		a.partitionKeys = append(a.partitionKeys, r.PartitionKey)
		a.tables += tableEntrySize(r.PartitionKey)
	}
	var ehk uint64
	if r.ExplicitHashKey != "" {
		var newEHK bool
		ehk, newEHK = lookup(a.explicitIndex, len(a.explicitHashKeys), r.ExplicitHashKey)
		if newEHK {
			if a.explicitIndex == nil {
				a.explicitIndex = make(map[string]uint64)
			}
			a.explicitIndex[r.ExplicitHashKey] = ehk
			a.explicitHashKeys = append(a.explicitHashKeys, r.ExplicitHashKey)
			a.tables += tableEntrySize(r.ExplicitHashKey)
		}
	}
	if a.n == 0 {
		a.firstExplicitHashKey = r.ExplicitHashKey
	}
	a.n++

	b := protowire.AppendTag(a.records, fieldRecords, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(recordBodySize(pk, ehk, r)))
	b = protowire.AppendTag(b, fieldPartitionKeyIndex, protowire.VarintType)
	b = protowire.AppendVarint(b, pk)
	if r.ExplicitHashKey != "" {
		b = protowire.AppendTag(b, fieldExplicitHashKeyIndex, protowire.VarintType)
		b = protowire.AppendVarint(b, ehk)
	}
	b = protowire.AppendTag(b, fieldData, protowire.BytesType)
	a.records = protowire.AppendBytes(b, r.Data)
}

// Len returns the number of records added since the Aggregator was created or
// last reset.
func (a *Aggregator) Len() int { return a.n }

// Size returns the exact length in bytes of the aggregated record that
// [Aggregator.Bytes] would return now. It takes constant time.
//
// Kinesis counts the partition key the record is put with towards its record
// size limit, so compare Size()+len(PartitionKey()) with the limit.
func (a *Aggregator) Size() int {
	return Overhead + a.tables + len(a.records)
}

// SizeWith returns what [Aggregator.Size] would return after adding r, without
// adding it. It costs a map lookup or two and no allocation.
func (a *Aggregator) SizeWith(r Record) int {
	size := a.Size()
	pk, newPK := lookup(a.partitionIndex, len(a.partitionKeys), r.PartitionKey)
	if newPK {
		size += tableEntrySize(r.PartitionKey)
	}
	var ehk uint64
	if r.ExplicitHashKey != "" {
		var newEHK bool
		ehk, newEHK = lookup(a.explicitIndex, len(a.explicitHashKeys), r.ExplicitHashKey)
		if newEHK {
			size += tableEntrySize(r.ExplicitHashKey)
		}
	}
	return size + protowire.SizeTag(fieldRecords) + protowire.SizeBytes(recordBodySize(pk, ehk, r))
}

// Bytes returns the aggregated record in a newly allocated slice of
// [Aggregator.Size] bytes, which the caller owns. Use [Aggregator.Append] to
// reuse a buffer instead.
//
// With no records added, the result is Overhead bytes long, which the KCL and
// [Deaggregate] take for a plain record rather than an empty aggregate: do not
// put it. With one record, the KPL puts that record's data as it is, without
// aggregating; callers that want the same can check [Aggregator.Len].
func (a *Aggregator) Bytes() []byte {
	return a.Append(make([]byte, 0, a.Size()))
}

// Append appends the aggregated record to dst and returns the extended slice.
// The Aggregator keeps no reference to dst.
func (a *Aggregator) Append(dst []byte) []byte {
	b := append(dst, magic...)
	start := len(b)
	// Tables first and records last, in field-number order, as a protobuf
	// serializer would write them; readers must accept any order.
	for _, k := range a.partitionKeys {
		b = protowire.AppendTag(b, fieldPartitionKeyTable, protowire.BytesType)
		b = protowire.AppendString(b, k)
	}
	for _, k := range a.explicitHashKeys {
		b = protowire.AppendTag(b, fieldExplicitHashKeyTable, protowire.BytesType)
		b = protowire.AppendString(b, k)
	}
	b = append(b, a.records...)
	sum := md5.Sum(b[start:])
	return append(b, sum[:]...)
}

// PartitionKey returns the partition key to put the aggregated record with: the
// first record's, or "" if there are no records. Put with it and
// [Aggregator.ExplicitHashKey], the aggregated record goes to the shard the
// first record would have gone to on its own.
//
// The KPL itself reaches the same shard differently: it puts aggregated records
// with the partition key "a" and, always, an explicit hash key computed from the
// first record's keys. Either way consumers read each record's own keys from the
// key tables.
func (a *Aggregator) PartitionKey() string {
	if a.n == 0 {
		return ""
	}
	return a.partitionKeys[0]
}

// ExplicitHashKey returns the explicit hash key to put the aggregated record
// with: the first record's, which is "" if it had none or if there are no
// records.
func (a *Aggregator) ExplicitHashKey() string {
	return a.firstExplicitHashKey
}

// Reset empties the Aggregator but keeps its memory for the next aggregated
// record.
func (a *Aggregator) Reset() {
	clear(a.partitionIndex)
	clear(a.explicitIndex)
	// Clear the key slices before truncating them so that they do not keep
	// the caller's strings alive.
	clear(a.partitionKeys)
	a.partitionKeys = a.partitionKeys[:0]
	clear(a.explicitHashKeys)
	a.explicitHashKeys = a.explicitHashKeys[:0]
	a.tables = 0
	a.records = a.records[:0]
	a.n = 0
	a.firstExplicitHashKey = ""
}

// lookup returns key's index in a table of n keys indexed by index, and whether
// the key is new, in which case the index is the one it would get.
func lookup(index map[string]uint64, n int, key string) (uint64, bool) {
	if i, ok := index[key]; ok {
		return i, false
	}
	return uint64(n), true
}

// tableEntrySize returns the encoded size of key as an entry of either key
// table. Both table fields have one-byte tags.
func tableEntrySize(key string) int {
	return protowire.SizeTag(fieldPartitionKeyTable) + protowire.SizeBytes(len(key))
}

// recordBodySize returns the encoded size of r as a Record message, without the
// tag and length that embed it in AggregatedRecord, given its key indices.
func recordBodySize(pk, ehk uint64, r Record) int {
	n := protowire.SizeTag(fieldPartitionKeyIndex) + protowire.SizeVarint(pk)
	if r.ExplicitHashKey != "" {
		n += protowire.SizeTag(fieldExplicitHashKeyIndex) + protowire.SizeVarint(ehk)
	}
	return n + protowire.SizeTag(fieldData) + protowire.SizeBytes(len(r.Data))
}
