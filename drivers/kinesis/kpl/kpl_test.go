package kpl_test

import (
	"bytes"
	"crypto/md5"
	"errors"
	"strings"
	"testing"

	"streambench/drivers/kinesis/kpl"
)

// The expected bytes in these tests are written out by hand from
// aggregation-format.md and messages.proto in
// github.com/awslabs/amazon-kinesis-producer, not produced by the encoder:
//
//	key tag = field number << 3 | wire type
//	AggregatedRecord: partition_key_table 1 LEN → 0x0A, explicit_hash_key_table 2 LEN → 0x12,
//	                  records 3 LEN → 0x1A
//	Record:           partition_key_index 1 VARINT → 0x08, explicit_hash_key_index 2 VARINT → 0x10,
//	                  data 3 LEN → 0x1A, tags 4 LEN → 0x22
//	Tag:              key 1 LEN → 0x0A, value 2 LEN → 0x12

// magicBytes is the documented magic number, spelled out again rather than
// taken from the package.
var magicBytes = []byte{0xF3, 0x89, 0x9A, 0xC2}

// wrap returns msg as an aggregated record: the magic number, msg, and the MD5
// of msg.
func wrap(msg []byte) []byte {
	sum := md5.Sum(msg)
	out := append([]byte{}, magicBytes...)
	out = append(out, msg...)
	return append(out, sum[:]...)
}

// cat concatenates byte slices and strings, to write messages by hand.
func cat(parts ...any) []byte {
	var b []byte
	for _, p := range parts {
		switch p := p.(type) {
		case byte:
			b = append(b, p)
		case int:
			b = append(b, byte(p))
		case string:
			b = append(b, p...)
		case []byte:
			b = append(b, p...)
		default:
			panic("cat: unexpected part")
		}
	}
	return b
}

// collect deaggregates data and returns the records, copied so that they
// outlive data.
func collect(t *testing.T, data []byte) []kpl.Record {
	t.Helper()
	var got []kpl.Record
	err := kpl.Deaggregate(data, func(r kpl.Record) error {
		r.Data = bytes.Clone(r.Data)
		got = append(got, r)
		return nil
	})
	if err != nil {
		t.Fatalf("Deaggregate: %v", err)
	}
	return got
}

func equalRecords(a, b []kpl.Record) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].PartitionKey != b[i].PartitionKey || a[i].ExplicitHashKey != b[i].ExplicitHashKey ||
			!bytes.Equal(a[i].Data, b[i].Data) {
			return false
		}
	}
	return true
}

func TestAggregatorDocumentedLayout(t *testing.T) {
	long := strings.Repeat("x", 200)
	tests := []struct {
		name    string
		records []kpl.Record
		msg     []byte // the protobuf message, by hand
	}{{
		name: "two records, two keys, one explicit hash key",
		records: []kpl.Record{
			{PartitionKey: "alpha", Data: []byte("hi")},
			{PartitionKey: "beta", ExplicitHashKey: "12345", Data: []byte("there")},
		},
		msg: cat(
			0x0A, 5, "alpha", // partition_key_table[0]
			0x0A, 4, "beta", // partition_key_table[1]
			0x12, 5, "12345", // explicit_hash_key_table[0]
			0x1A, 6, // records[0], 6 bytes
			0x08, 0, // partition_key_index 0
			0x1A, 2, "hi", // data
			0x1A, 11, // records[1], 11 bytes
			0x08, 1, // partition_key_index 1
			0x10, 0, // explicit_hash_key_index 0
			0x1A, 5, "there", // data
		),
	}, {
		name: "shared keys are stored once, empty data",
		records: []kpl.Record{
			{PartitionKey: "k", Data: []byte("a")},
			{PartitionKey: "k", ExplicitHashKey: "7", Data: nil},
			{PartitionKey: "k", ExplicitHashKey: "7", Data: []byte("bc")},
		},
		msg: cat(
			0x0A, 1, "k",
			0x12, 1, "7",
			0x1A, 5, 0x08, 0, 0x1A, 1, "a",
			0x1A, 6, 0x08, 0, 0x10, 0, 0x1A, 0,
			0x1A, 8, 0x08, 0, 0x10, 0, 0x1A, 2, "bc",
		),
	}, {
		name:    "lengths of two varint bytes",
		records: []kpl.Record{{PartitionKey: "p", Data: []byte(long)}},
		msg: cat(
			0x0A, 1, "p",
			0x1A, 0xCD, 0x01, // 205 = 2 + 3 + 200
			0x08, 0,
			0x1A, 0xC8, 0x01, long, // 200
		),
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a kpl.Aggregator
			for _, r := range tt.records {
				a.Add(r)
			}
			want := wrap(tt.msg)
			if got := a.Bytes(); !bytes.Equal(got, want) {
				t.Errorf("Bytes():\n got % X\nwant % X", got, want)
			}
			if !kpl.IsAggregated(want) {
				t.Errorf("IsAggregated(hand-built record) = false")
			}
			if got := collect(t, want); !equalRecords(got, tt.records) {
				t.Errorf("Deaggregate(hand-built record) = %q, want %q", got, tt.records)
			}
		})
	}
}

// TestDeaggregateHandBuilt covers what a conforming writer may do that the
// Aggregator does not.
func TestDeaggregateHandBuilt(t *testing.T) {
	tests := []struct {
		name string
		msg  []byte
		want []kpl.Record
	}{{
		name: "records before and between the tables",
		msg: cat(
			0x1A, 6, 0x08, 1, 0x1A, 2, "r0",
			0x0A, 1, "a",
			0x1A, 8, 0x08, 0, 0x10, 0, 0x1A, 2, "r1",
			0x12, 2, "99",
			0x0A, 1, "b",
		),
		want: []kpl.Record{
			{PartitionKey: "b", Data: []byte("r0")},
			{PartitionKey: "a", ExplicitHashKey: "99", Data: []byte("r1")},
		},
	}, {
		name: "unknown fields of every wire type and tags are skipped",
		msg: cat(
			0x78, 0x96, 0x01, // field 15 VARINT 150
			0x0A, 1, "a",
			0x21, 1, 2, 3, 4, 5, 6, 7, 8, // field 4 I64
			0x2D, 1, 2, 3, 4, // field 5 I32
			0x33, 0x08, 1, 0x34, // field 6 SGROUP { field 1 VARINT } EGROUP
			0x1A, 21,
			0x08, 0,
			0x22, 7, 0x0A, 1, "k", 0x12, 2, "vv", // tags[0] {key "k", value "vv"}
			0x22, 3, 0x0A, 1, "j", // tags[1] {key "j"}
			0x2A, 0, // field 5 LEN, empty
			0x1A, 1, "d",
		),
		want: []kpl.Record{{PartitionKey: "a", Data: []byte("d")}},
	}, {
		name: "a repeated singular field takes its last value",
		msg: cat(
			0x0A, 1, "a",
			0x0A, 1, "b",
			0x1A, 10, 0x08, 0, 0x1A, 1, "x", 0x08, 1, 0x1A, 1, "y",
		),
		want: []kpl.Record{{PartitionKey: "b", Data: []byte("y")}},
	}, {
		name: "tables without records",
		msg:  cat(0x0A, 1, "a", 0x12, 1, "1"),
		want: nil,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := collect(t, wrap(tt.msg)); !equalRecords(got, tt.want) {
				t.Errorf("Deaggregate = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDeaggregatePassthrough(t *testing.T) {
	valid := wrap(cat(0x0A, 1, "a", 0x1A, 5, 0x08, 0, 0x1A, 1, "x"))
	flip := func(i int) []byte {
		b := bytes.Clone(valid)
		if i < 0 {
			i += len(b)
		}
		b[i] ^= 0x01
		return b
	}
	tests := []struct {
		name string
		data []byte
	}{
		{"nil", nil},
		{"empty", []byte{}},
		{"plain payload", []byte("hello, kinesis")},
		{"magic only", magicBytes},
		{"magic and a digest of nothing", wrap(nil)},
		{"wrong magic", flip(0)},
		{"corrupt digest", flip(-1)},
		{"corrupt message", flip(len(magicBytes) + 3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if kpl.IsAggregated(tt.data) {
				t.Errorf("IsAggregated = true, want false")
			}
			got := collect(t, tt.data)
			want := []kpl.Record{{Data: tt.data}}
			if !equalRecords(got, want) {
				t.Errorf("Deaggregate = %q, want %q", got, want)
			}
		})
	}
	if !kpl.IsAggregated(valid) {
		t.Errorf("IsAggregated(valid) = false")
	}
}

func TestDeaggregateMalformed(t *testing.T) {
	rec := func(body ...any) []byte { // a records field around body
		b := cat(body...)
		return cat(0x1A, len(b), b)
	}
	tests := []struct {
		name string
		msg  []byte
		want string // in the error message
	}{
		{"truncated tag", cat(0x0A, 1, "a", 0x80), "field tag"},
		{"field number zero", cat(0x02, 0), "field tag"},
		{"truncated length", cat(0x0A, 5, "ab"), "field 1"},
		{"end group at top level", cat(0x0C), "field 1"},
		{"records as varint", cat(0x0A, 1, "a", 0x18, 1), "records (3): wire type VARINT, want LEN"},
		{"table as varint", cat(0x08, 1), "partition_key_table (1): wire type VARINT, want LEN"},
		{"truncated record", cat(0x0A, 1, "a", 0x1A, 5, 0x08, 0, 0x1A, 3, "x"), "record 0"},
		{"index as LEN", cat(0x0A, 1, "a", rec(0x0A, 0, 0x1A, 0)), "partition_key_index (1): wire type LEN, want VARINT"},
		{"data as VARINT", cat(0x0A, 1, "a", rec(0x08, 0, 0x18, 0)), "data (3): wire type VARINT, want LEN"},
		{"missing partition_key_index", cat(0x0A, 1, "a", rec(0x1A, 0)), "record 0: missing required field partition_key_index"},
		{"missing data", cat(0x0A, 1, "a", rec(0x08, 0)), "record 0: missing required field data"},
		{"partition key index out of range", cat(0x0A, 1, "a", rec(0x08, 0, 0x1A, 0), rec(0x08, 1, 0x1A, 0)),
			"record 1: partition_key_index 1 out of range: the table has 1 keys"},
		{"no partition key table", rec(0x08, 0, 0x1A, 0), "record 0: partition_key_index 0 out of range"},
		{"huge partition key index", cat(0x0A, 1, "a", rec(0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x1A, 0)),
			"partition_key_index 18446744073709551615 out of range"},
		{"explicit hash key index out of range", cat(0x0A, 1, "a", rec(0x08, 0, 0x10, 0, 0x1A, 0)),
			"record 0: explicit_hash_key_index 0 out of range: the table has 0 keys"},
		{"tag without key", cat(0x0A, 1, "a", rec(0x08, 0, 0x1A, 0, 0x22, 2, 0x12, 0)), "tags: missing required field key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := wrap(tt.msg)
			if !kpl.IsAggregated(data) {
				t.Fatalf("IsAggregated = false, want true: the digest is valid")
			}
			calls := 0
			err := kpl.Deaggregate(data, func(kpl.Record) error { calls++; return nil })
			if !errors.Is(err, kpl.ErrMalformed) {
				t.Fatalf("Deaggregate error = %v, want one wrapping ErrMalformed", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Deaggregate error = %q, want it to contain %q", err, tt.want)
			}
			if calls != 0 {
				t.Errorf("fn called %d times on a malformed record, want 0", calls)
			}
		})
	}
}

func TestDeaggregateStopsAtCallbackError(t *testing.T) {
	var a kpl.Aggregator
	for range 3 {
		a.Add(kpl.Record{PartitionKey: "k", Data: []byte("x")})
	}
	stop := errors.New("stop")
	calls := 0
	err := kpl.Deaggregate(a.Bytes(), func(kpl.Record) error { calls++; return stop })
	if err != stop {
		t.Errorf("Deaggregate error = %v, want fn's error as it is", err)
	}
	if calls != 1 {
		t.Errorf("fn called %d times, want 1", calls)
	}
}

func TestDeaggregateDataCannotGrowIntoInput(t *testing.T) {
	var a kpl.Aggregator
	a.Add(kpl.Record{PartitionKey: "k", Data: []byte("first")})
	a.Add(kpl.Record{PartitionKey: "k", Data: []byte("second")})
	data := a.Bytes()
	before := bytes.Clone(data)
	err := kpl.Deaggregate(data, func(r kpl.Record) error {
		_ = append(r.Data, "overwrite"...)
		return nil
	})
	if err != nil {
		t.Fatalf("Deaggregate: %v", err)
	}
	if !bytes.Equal(data, before) {
		t.Errorf("appending to a record's Data changed the input")
	}
}

// FuzzDeaggregate feeds the input both as a Kinesis record's data and as the
// message of an aggregated record with a valid digest, since the digest would
// otherwise keep almost every input away from the decoder. Whatever decodes
// must survive another aggregation unchanged.
func FuzzDeaggregate(f *testing.F) {
	var a kpl.Aggregator
	a.Add(kpl.Record{PartitionKey: "alpha", Data: []byte("hi")})
	a.Add(kpl.Record{PartitionKey: "beta", ExplicitHashKey: "12345", Data: []byte("there")})
	a.Add(kpl.Record{PartitionKey: "alpha", ExplicitHashKey: "12345"})
	agg := a.Bytes()
	f.Add(agg[len(magicBytes) : len(agg)-md5.Size])
	f.Add(agg)
	f.Add(cat(0x0A, 1, "a", 0x33, 0x08, 1, 0x34, 0x1A, 10, 0x08, 0, 0x22, 3, 0x0A, 1, "k", 0x1A, 1, "d"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, in []byte) {
		_ = kpl.Deaggregate(in, func(kpl.Record) error { return nil })

		var got []kpl.Record
		err := kpl.Deaggregate(wrap(in), func(r kpl.Record) error {
			got = append(got, r)
			return nil
		})
		if err != nil {
			if !errors.Is(err, kpl.ErrMalformed) {
				t.Fatalf("Deaggregate error %v does not wrap ErrMalformed", err)
			}
			if len(got) > 0 {
				t.Fatalf("fn called %d times before an error", len(got))
			}
			return
		}
		var again kpl.Aggregator
		for _, r := range got {
			again.Add(r)
		}
		if len(got) == 0 {
			return // an empty aggregate reads back as a plain record
		}
		if back := collect(t, again.Bytes()); !equalRecords(back, got) {
			t.Fatalf("records changed on another aggregation:\n got %q\nwant %q", back, got)
		}
	})
}
