package kpl_test

import (
	"fmt"
	"testing"

	"streambench/drivers/kinesis/kpl"
)

// benchLimit is the Kinesis record size limit that the benchmarks aggregate up
// to, partition key included.
const benchLimit = 1 << 20

// benchRecords returns records of 100 bytes over 16 partition keys, as a
// producer of small messages would add them.
func benchRecords(n int) []kpl.Record {
	data := make([]byte, 100)
	rs := make([]kpl.Record, n)
	for i := range rs {
		rs[i] = kpl.Record{PartitionKey: fmt.Sprintf("producer-%02d", i%16), Data: data}
	}
	return rs
}

// BenchmarkAggregate measures one record's share of aggregating: Add, and
// encoding a full aggregate whenever the next record would not fit.
func BenchmarkAggregate(b *testing.B) {
	rs := benchRecords(1024)
	for _, mode := range []string{"Append", "Bytes"} {
		b.Run(mode, func(b *testing.B) {
			var (
				a   kpl.Aggregator
				buf []byte
				i   int
			)
			b.SetBytes(100)
			b.ReportAllocs()
			for b.Loop() {
				r := rs[i%len(rs)]
				i++
				if a.SizeWith(r)+len(a.PartitionKey()) > benchLimit {
					if mode == "Append" {
						buf = a.Append(buf[:0])
					} else {
						buf = a.Bytes()
					}
					a.Reset()
				}
				a.Add(r)
			}
			_ = buf
		})
	}
}

// BenchmarkDeaggregate measures de-aggregating a full aggregate of 100-byte
// records, and reports the cost per record.
func BenchmarkDeaggregate(b *testing.B) {
	var a kpl.Aggregator
	rs := benchRecords(1024)
	for i := 0; ; i++ {
		r := rs[i%len(rs)]
		if a.SizeWith(r)+len(a.PartitionKey()) > benchLimit {
			break
		}
		a.Add(r)
	}
	data, records := a.Bytes(), a.Len()
	sum := 0
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	iterations := 0
	for b.Loop() {
		iterations++
		err := kpl.Deaggregate(data, func(r kpl.Record) error {
			sum += len(r.Data)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(iterations*records), "ns/record")
	b.ReportMetric(float64(records), "records/aggregate")
}
