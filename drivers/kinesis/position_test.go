package kinesis

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"streambench/brokers/brokertest"
	"streambench/drivers"
)

// TestPositionsOnKinesisMock reads one shard from each kind of position the readers
// use, through the same GetShardIterator input they build.
func TestPositionsOnKinesisMock(t *testing.T) {
	endpoint := brokertest.Kinesis(t)
	ctx := context.Background()
	dr, err := Open(ctx, drivers.Config{Address: endpoint, Settings: NewSettings(),
		Topology: drivers.Topology{Name: "positions-" + time.Now().Format("150405.000000"), Partitions: 1}})
	if err != nil {
		t.Fatal(err)
	}
	d := dr.(*Driver)
	defer d.Close()
	if err := d.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	defer d.Teardown(ctx)
	before := time.Now().Add(-time.Second)
	var seqs []string
	for i := range 3 {
		out, err := d.api.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: d.stream(), PartitionKey: aws.String("k"), Data: fmt.Appendf(nil, "r%d", i)})
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, aws.ToString(out.SequenceNumber))
	}
	shards, err := d.listShards(ctx)
	if err != nil || len(shards) != 1 {
		t.Fatalf("shards %v, %v", shards, err)
	}
	shard := aws.ToString(shards[0].ShardId)
	for _, tc := range []struct {
		from position
		want string
	}{
		{position{kind: types.ShardIteratorTypeTrimHorizon}, "[r0 r1 r2]"},
		{position{kind: types.ShardIteratorTypeAtTimestamp, at: before}, "[r0 r1 r2]"},
		{position{kind: types.ShardIteratorTypeAtSequenceNumber, seq: seqs[1]}, "[r1 r2]"},
		{after(seqs[1]), "[r2]"},
		{position{kind: types.ShardIteratorTypeLatest}, "[]"},
	} {
		it, err := d.api.GetShardIterator(ctx, tc.from.iteratorInput(d.topo.Name, shard))
		if err != nil {
			t.Errorf("%s: %v", tc.from, err)
			continue
		}
		out, err := d.api.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator})
		if err != nil {
			t.Errorf("%s: %v", tc.from, err)
			continue
		}
		got := []string{}
		for _, r := range out.Records {
			got = append(got, string(r.Data))
		}
		if fmt.Sprint(got) != tc.want {
			t.Errorf("from %s: read %v, want %s", tc.from, got, tc.want)
		}
		if sp := tc.from.startingPosition(); sp.Type != tc.from.kind || aws.ToString(sp.SequenceNumber) != tc.from.seq {
			t.Errorf("from %s: enhanced fan-out starting position %+v", tc.from, sp)
		}
	}
}
