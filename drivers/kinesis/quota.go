package kinesis

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// AWS's read quotas of a shard, which the driver models when the endpoint is an
// emulator (aws_quotas): the emulators answer as fast as they can, and a consumer that
// reads faster than AWS would allow measures the emulator, not Kinesis.
const (
	readCallsPerSecond = 5        // GetRecords calls per second per shard, for all its readers
	readBytesPerSecond = 2 << 20  // bytes per second per shard (GetRecords), or per consumer per shard (enhanced fan-out)
	maxGetRecordsBytes = 10 << 20 // bytes one GetRecords call returns at most
)

// readQuota paces the reads of one shard as AWS's quotas would: calls at most
// readCallsPerSecond a second, and a call that returned N bytes holds back the next
// ones until N bytes' worth of the byte rate has passed (AWS answers calls that come
// sooner with ProvisionedThroughputExceededException; a reader that waits instead
// reads no more than AWS would let it). It is safe for concurrent use by every reader
// of the shard. A zero callGap leaves the calls unlimited (enhanced fan-out pushes
// events; only its bytes are limited).
type readQuota struct {
	callGap time.Duration // least time between two calls' starts
	perByte time.Duration // what one byte costs, times byteScale
	mu      sync.Mutex
	// nextCall is the earliest start of the next call; bytesPaid the time by which the
	// bytes read so far are paid for.
	nextCall, bytesPaid time.Time
}

// byteScale keeps the cost of a byte exact in integer nanoseconds: at 2 MiB/s one byte
// costs 476.837… ns.
const byteScale = 1 << 20

func newReadQuota(callsPerSecond, bytesPerSecond int) *readQuota {
	q := &readQuota{perByte: time.Duration(int64(time.Second) * byteScale / int64(bytesPerSecond))}
	if callsPerSecond > 0 {
		q.callGap = time.Second / time.Duration(callsPerSecond)
	}
	return q
}

// reserve takes the next call's turn and returns how long the caller must wait, from
// now, before making it. Readers that reserve at once are given successive turns.
func (q *readQuota) reserve(now time.Time) time.Duration {
	q.mu.Lock()
	defer q.mu.Unlock()
	at := now
	if q.nextCall.After(at) {
		at = q.nextCall
	}
	if q.bytesPaid.After(at) {
		at = q.bytesPaid
	}
	if q.callGap > 0 {
		q.nextCall = at.Add(q.callGap)
	}
	return at.Sub(now)
}

// charge records that a read finished at now returned n bytes.
func (q *readQuota) charge(now time.Time, n int) {
	if n <= 0 {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.bytesPaid.Before(now) {
		q.bytesPaid = now
	}
	q.bytesPaid = q.bytesPaid.Add(time.Duration(int64(n) * int64(q.perByte) / byteScale))
}

// modelsQuotas reports whether the consumers model AWS's read quotas: on an emulator,
// unless aws_quotas is off.
func (d *Driver) modelsQuotas() bool { return !d.real && d.set.AWSQuotas }

// quotaWaits counts the waits the quotas imposed on one consumer's reads.
type quotaWaits struct {
	waits atomic.Int64 // reads that waited
	nanos atomic.Int64 // time waited
}

// readQuota returns the read quota of one shard, shared by every reader of the shard in
// this driver, or nil when no quota is modelled: against AWS itself, which enforces
// its own, or with aws_quotas off. Enhanced fan-out has its own quota per consumer and
// shard; the run's consumers share one registration, so it too is one per shard.
func (d *Driver) readQuota(shard string) *readQuota {
	if !d.modelsQuotas() {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.quotas == nil {
		d.quotas = make(map[string]*readQuota)
	}
	q := d.quotas[shard]
	if q == nil {
		calls := readCallsPerSecond
		if d.set.Consumer == ConsumeEFO {
			calls = 0
		}
		q = newReadQuota(calls, readBytesPerSecond)
		d.quotas[shard] = q
	}
	return q
}

// recordSize is the size of a record as AWS counts it against the read quotas: data
// and partition key.
func recordSize(r *types.Record) int {
	n := len(r.Data)
	if r.PartitionKey != nil {
		n += len(*r.PartitionKey)
	}
	return n
}

// recordBytes is the size of records (recordSize).
func recordBytes(records []types.Record) int {
	n := 0
	for i := range records {
		n += recordSize(&records[i])
	}
	return n
}

// withinCallBytes returns how many of records (from the first) one GetRecords call of
// AWS would return: no more than maxGetRecordsBytes, and at least one record.
func withinCallBytes(records []types.Record) int {
	n := 0
	for i := range records {
		if n += recordSize(&records[i]); n > maxGetRecordsBytes && i > 0 {
			return i
		}
	}
	return len(records)
}
