package kpl_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"streambench/drivers/kinesis/kpl"
)

// generated returns n records whose partition keys cycle through keys
// distinct values, every third of them with one of two explicit hash keys, and
// whose data lengths vary from 0 to size-1 bytes.
func generated(n, keys, size int) []kpl.Record {
	hashKeys := []string{"0", "340282366920938463463374607431768211455"} // 0 and 2^128-1
	rs := make([]kpl.Record, n)
	for i := range rs {
		rs[i] = kpl.Record{
			PartitionKey: fmt.Sprintf("key-%d", i%keys),
			Data:         bytes.Repeat([]byte{byte(i)}, i%size),
		}
		if i%3 == 1 {
			rs[i].ExplicitHashKey = hashKeys[i%2]
		}
	}
	return rs
}

var roundTripCases = []struct {
	name    string
	records []kpl.Record
}{
	{"one record", []kpl.Record{{PartitionKey: "only", Data: []byte("payload")}}},
	{"empty data", []kpl.Record{
		{PartitionKey: "a", Data: nil},
		{PartitionKey: "b", ExplicitHashKey: "0", Data: []byte{}},
	}},
	{"repeated keys", []kpl.Record{
		{PartitionKey: "same", Data: []byte("1")},
		{PartitionKey: "same", ExplicitHashKey: "42", Data: []byte("2")},
		{PartitionKey: "other", ExplicitHashKey: "42", Data: []byte("3")},
		{PartitionKey: "same", Data: []byte("4")},
	}},
	{"first record without an explicit hash key", []kpl.Record{
		{PartitionKey: "a", Data: []byte("1")},
		{PartitionKey: "a", ExplicitHashKey: "9", Data: []byte("2")},
	}},
	{"binary data and unicode keys", []kpl.Record{
		{PartitionKey: "ключ-🔑", Data: []byte{0x00, 0xF3, 0x89, 0x9A, 0xC2, 0xFF}},
	}},
	// 300 keys take key indices past 127, into two varint bytes.
	{"many records", generated(2000, 300, 300)},
	{"large records", generated(5, 2, 70000)},
}

func TestRoundTrip(t *testing.T) {
	for _, tt := range roundTripCases {
		t.Run(tt.name, func(t *testing.T) {
			var a kpl.Aggregator
			for _, r := range tt.records {
				a.Add(r)
			}
			if a.Len() != len(tt.records) {
				t.Errorf("Len() = %d, want %d", a.Len(), len(tt.records))
			}
			data := a.Bytes()
			if !kpl.IsAggregated(data) {
				t.Fatalf("IsAggregated(Bytes()) = false")
			}
			if got := collect(t, data); !equalRecords(got, tt.records) {
				t.Errorf("Deaggregate(Bytes()) differs from the records added:\n got %q\nwant %q", got, tt.records)
			}
		})
	}
}

func TestSize(t *testing.T) {
	for _, tt := range roundTripCases {
		t.Run(tt.name, func(t *testing.T) {
			var a kpl.Aggregator
			if got := a.Size(); got != kpl.Overhead {
				t.Errorf("Size() of an empty Aggregator = %d, want %d", got, kpl.Overhead)
			}
			for i, r := range tt.records {
				with := a.SizeWith(r)
				a.Add(r)
				if got := a.Size(); got != with {
					t.Fatalf("after record %d: Size() = %d, but SizeWith predicted %d", i, got, with)
				}
				if got, want := a.Size(), len(a.Bytes()); got != want {
					t.Fatalf("after record %d: Size() = %d, len(Bytes()) = %d", i, got, want)
				}
			}
		})
	}
}

func TestReset(t *testing.T) {
	first := generated(500, 200, 50)
	second := []kpl.Record{
		{PartitionKey: "key-7", Data: []byte("x")},
		{PartitionKey: "new", ExplicitHashKey: "5", Data: []byte("y")},
	}
	var reused, fresh kpl.Aggregator
	for _, r := range first {
		reused.Add(r)
	}
	reused.Reset()
	if reused.Len() != 0 || reused.Size() != kpl.Overhead || reused.PartitionKey() != "" || reused.ExplicitHashKey() != "" {
		t.Errorf("after Reset: Len %d, Size %d, PartitionKey %q, ExplicitHashKey %q; want an empty Aggregator",
			reused.Len(), reused.Size(), reused.PartitionKey(), reused.ExplicitHashKey())
	}
	for _, r := range second {
		reused.Add(r)
		fresh.Add(r)
	}
	if got, want := reused.Bytes(), fresh.Bytes(); !bytes.Equal(got, want) {
		t.Errorf("a reset Aggregator wrote\n% X\nwant, as a new one does,\n% X", got, want)
	}
}

func TestAppendKeepsPrefix(t *testing.T) {
	var a kpl.Aggregator
	a.Add(kpl.Record{PartitionKey: "k", Data: []byte("data")})
	prefix := []byte("prefix")
	got := a.Append(bytes.Clone(prefix))
	if !bytes.HasPrefix(got, prefix) || !bytes.Equal(got[len(prefix):], a.Bytes()) {
		t.Errorf("Append(prefix) = % X, want prefix then % X", got, a.Bytes())
	}
}

func TestEmptyAggregateIsNotAggregated(t *testing.T) {
	var a kpl.Aggregator
	data := a.Bytes()
	if len(data) != kpl.Overhead || kpl.IsAggregated(data) {
		t.Errorf("empty aggregate: %d bytes, IsAggregated %v; want %d bytes, false, as the KCL sees it",
			len(data), kpl.IsAggregated(data), kpl.Overhead)
	}
}

func TestKeysToPutWith(t *testing.T) {
	tests := []struct {
		name                  string
		records               []kpl.Record
		partitionKey, hashKey string
	}{
		{"no records", nil, "", ""},
		{"first record's keys", []kpl.Record{
			{PartitionKey: "first", ExplicitHashKey: "1"},
			{PartitionKey: "second", ExplicitHashKey: "2"},
		}, "first", "1"},
		{"first record has no explicit hash key", []kpl.Record{
			{PartitionKey: "first"},
			{PartitionKey: "second", ExplicitHashKey: "2"},
		}, "first", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a kpl.Aggregator
			for _, r := range tt.records {
				a.Add(r)
			}
			if got := a.PartitionKey(); got != tt.partitionKey {
				t.Errorf("PartitionKey() = %q, want %q", got, tt.partitionKey)
			}
			if got := a.ExplicitHashKey(); got != tt.hashKey {
				t.Errorf("ExplicitHashKey() = %q, want %q", got, tt.hashKey)
			}
		})
	}
}

func TestAddCopiesData(t *testing.T) {
	var a kpl.Aggregator
	buf := []byte("original")
	a.Add(kpl.Record{PartitionKey: "k", Data: buf})
	copy(buf, strings.Repeat("X", len(buf)))
	got := collect(t, a.Bytes())
	if string(got[0].Data) != "original" {
		t.Errorf("Data after the caller reused its buffer = %q, want %q", got[0].Data, "original")
	}
}
