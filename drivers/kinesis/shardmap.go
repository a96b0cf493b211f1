package kinesis

import (
	"bytes"
	"crypto/md5"
	"fmt"
	"math/big"
	"sort"

	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// shardMap is a producer's picture of the stream's open shards, ordered by hash key
// range. It turns the engine's partition number into an explicit hash key (round-robin
// keys), and predicts which shard a partition key lands on, as Kinesis does (the MD5 of
// the key as a 128-bit number), so that aggregation packs together only records bound
// for the same shard. After a reshard it is out of date; records still land on a valid
// shard, since Kinesis routes by hash key, not by the shard the producer had in mind.
type shardMap struct {
	start []string   // starting hash key of each shard, in decimal, as the API takes it
	end   [][16]byte // ending hash key of each shard, big-endian
}

func newShardMap(shards []types.Shard) (*shardMap, error) {
	type rng struct {
		start    *big.Int
		startStr string
		end      [16]byte
	}
	var open []rng
	for _, s := range shards {
		if s.SequenceNumberRange != nil && s.SequenceNumberRange.EndingSequenceNumber != nil {
			continue // closed by a reshard
		}
		if s.HashKeyRange == nil {
			return nil, fmt.Errorf("shard %s has no hash key range", *s.ShardId)
		}
		lo, ok1 := new(big.Int).SetString(*s.HashKeyRange.StartingHashKey, 10)
		hi, ok2 := new(big.Int).SetString(*s.HashKeyRange.EndingHashKey, 10)
		if !ok1 || !ok2 || hi.BitLen() > 128 {
			return nil, fmt.Errorf("shard %s has a hash key range that is not two 128-bit numbers: %s to %s",
				*s.ShardId, *s.HashKeyRange.StartingHashKey, *s.HashKeyRange.EndingHashKey)
		}
		r := rng{start: lo, startStr: lo.String()}
		hi.FillBytes(r.end[:])
		open = append(open, r)
	}
	if len(open) == 0 {
		return nil, fmt.Errorf("the stream has no open shard")
	}
	sort.Slice(open, func(i, j int) bool { return open[i].start.Cmp(open[j].start) < 0 })
	m := &shardMap{}
	for _, r := range open {
		m.start = append(m.start, r.startStr)
		m.end = append(m.end, r.end)
	}
	return m, nil
}

func (m *shardMap) len() int { return len(m.start) }

// hashKey is the explicit hash key that puts a record on open shard i (modulo the count).
func (m *shardMap) hashKey(i int32) string { return m.start[int(i)%len(m.start)] }

// shardOf returns the index of the open shard a record with this partition key goes to.
func (m *shardMap) shardOf(partitionKey string) int {
	h := md5.Sum([]byte(partitionKey))
	return sort.Search(len(m.end), func(i int) bool { return bytes.Compare(h[:], m.end[i][:]) <= 0 }) % len(m.end)
}
