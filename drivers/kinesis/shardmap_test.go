package kinesis

import (
	"crypto/md5"
	"math/big"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

func shard(id, lo, hi string, closed bool) types.Shard {
	s := types.Shard{
		ShardId:             aws.String(id),
		HashKeyRange:        &types.HashKeyRange{StartingHashKey: aws.String(lo), EndingHashKey: aws.String(hi)},
		SequenceNumberRange: &types.SequenceNumberRange{StartingSequenceNumber: aws.String("1")},
	}
	if closed {
		s.SequenceNumberRange.EndingSequenceNumber = aws.String("9")
	}
	return s
}

func TestShardMapPlacesKeysAsKinesisDoes(t *testing.T) {
	const half = "170141183460469231731687303715884105728" // 2^127
	top := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 128), big.NewInt(1)).String()
	below := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 127), big.NewInt(1)).String()
	// Listed out of order, with a closed parent that must be left out.
	m, err := newShardMap([]types.Shard{
		shard("shardId-000000000002", half, top, false),
		shard("shardId-000000000000", "0", top, true),
		shard("shardId-000000000001", "0", below, false),
	})
	if err != nil {
		t.Fatal(err)
	}
	if m.len() != 2 || m.hashKey(0) != "0" || m.hashKey(1) != half || m.hashKey(3) != half {
		t.Fatalf("open shards %v", m.start)
	}
	for _, key := range []string{"a", "b", "key-1", "key-2", "p0", strings.Repeat("x", 256)} {
		sum := md5.Sum([]byte(key))
		want := 0
		if sum[0] >= 0x80 { // the upper half of the 128-bit hash space
			want = 1
		}
		if got := m.shardOf(key); got != want {
			t.Errorf("key %q (md5 %x): shard %d, want %d", key, sum, got, want)
		}
	}
}

func TestShardMapRejectsWhatIsNotAStream(t *testing.T) {
	if _, err := newShardMap([]types.Shard{shard("shardId-000000000000", "0", "9", true)}); err == nil {
		t.Error("no open shard: no error")
	}
	if _, err := newShardMap([]types.Shard{shard("shardId-000000000000", "0", "x", false)}); err == nil {
		t.Error("a hash key that is not a number: no error")
	}
}

func TestShardNumber(t *testing.T) {
	for id, want := range map[string]int32{"shardId-000000000000": 0, "shardId-000000000017": 17, "odd": 0, "shardId-00x": 0} {
		if got := shardNumber(id); got != want {
			t.Errorf("shardNumber(%q) = %d, want %d", id, got, want)
		}
	}
}

func TestSettingsValidate(t *testing.T) {
	if problems := validate(NewSettings()); len(problems) != 0 {
		t.Errorf("the defaults are invalid: %v", problems)
	}
	for _, tc := range []struct {
		change func(*Settings)
		field  string
	}{
		{func(s *Settings) { s.BatchRecords = 501 }, "batch_records"},
		{func(s *Settings) { s.BatchBytes = 10<<20 + 1 }, "batch_bytes"},
		{func(s *Settings) { s.Producer = "kpl" }, "producer"},
		{func(s *Settings) { s.Producer, s.Aggregation = ProducePutRecord, true }, "aggregation"},
		{func(s *Settings) { s.AggregationMaxBytes = 2 << 20 }, "aggregation_max_bytes"},
		{func(s *Settings) { s.Consumer = "kcl" }, "consumer"},
		{func(s *Settings) { s.Iterator = "at_sequence_number" }, "iterator"},
		{func(s *Settings) { s.GetRecordsLimit = 10001 }, "get_records_limit"},
		{func(s *Settings) { s.ResubscribeAfter *= 2 }, "resubscribe_after"},
		{func(s *Settings) { s.StreamMode = "ondemand" }, "stream_mode"},
	} {
		s := NewSettings()
		tc.change(s)
		problems := validate(s)
		if len(problems) != 1 || !strings.HasPrefix(problems[0], tc.field+": ") {
			t.Errorf("want one problem with %s, got %v", tc.field, problems)
		}
	}
}

func validate(s *Settings) []string {
	var out []string
	s.Validate(func(field, msg string) { out = append(out, field+": "+msg) })
	return out
}
