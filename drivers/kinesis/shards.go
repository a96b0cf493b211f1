package kinesis

import (
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// shardTracker is what the consumers of one run know of the stream's shards, shared
// between them as a lease table would be between application instances: which shards
// exist, which have been read to their end, and which consumer reads which. A shard is
// handed out only once its parents have been read to the end, so that records of one
// partition key are delivered in order across a reshard.
type shardTracker struct {
	mu      sync.Mutex
	shards  map[string]*trackedShard
	changed chan struct{} // closed and replaced whenever a shard is added or finished
}

type trackedShard struct {
	id      string
	num     int32
	parents []string
	initial bool // there when the consumers started; the others are children
	claimed bool
	done    bool // read to its end
}

func newShardTracker(initial []types.Shard) *shardTracker {
	t := &shardTracker{shards: make(map[string]*trackedShard), changed: make(chan struct{})}
	for _, s := range initial {
		t.add(aws.ToString(s.ShardId), true, aws.ToString(s.ParentShardId), aws.ToString(s.AdjacentParentShardId))
	}
	return t
}

// add records a shard; known shards are left as they are. Empty parents are ignored.
func (t *shardTracker) add(id string, initial bool, parents ...string) {
	if _, ok := t.shards[id]; ok {
		return
	}
	s := &trackedShard{id: id, num: shardNumber(id), initial: initial}
	for _, p := range parents {
		if p != "" {
			s.parents = append(s.parents, p)
		}
	}
	t.shards[id] = s
}

// finish marks a shard as read to its end and records its children.
func (t *shardTracker) finish(id string, children []types.ChildShard) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, c := range children {
		t.add(aws.ToString(c.ShardId), false, c.ParentShards...)
	}
	if s, ok := t.shards[id]; ok {
		s.done = true
	}
	close(t.changed)
	t.changed = make(chan struct{})
}

// claim hands consumer `owner` of `of` the shards that are its own (by shard number),
// not yet claimed, and whose parents are done (or were never seen: expired before the
// run). It also returns a channel closed at the next change.
func (t *shardTracker) claim(owner, of int) ([]*trackedShard, <-chan struct{}) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []*trackedShard
	for _, s := range t.shards {
		if s.claimed || int(s.num)%of != owner {
			continue
		}
		ready := true
		for _, p := range s.parents {
			if ps, ok := t.shards[p]; ok && !ps.done {
				ready = false
			}
		}
		if ready {
			s.claimed = true
			out = append(out, s)
		}
	}
	return out, t.changed
}

// release gives back the unfinished shards a closed consumer had claimed, so that a
// consumer started in its place (a restarted application instance) claims them again.
// Shards read to their end stay done, as a lease table records them.
func (t *shardTracker) release(owner, of int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, s := range t.shards {
		if s.claimed && !s.done && int(s.num)%of == owner {
			s.claimed = false
		}
	}
}
