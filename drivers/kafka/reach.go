package kafka

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// brokerTimeout bounds the first question to the cluster. A wrong address must fail
// well within 15 s: franz-go waits 10 s for each answer and then tries again, so a port
// that accepts connections but does not speak Kafka would otherwise only run out the
// context, with nothing to say why.
const brokerTimeout = 8 * time.Second

// reach remembers how the admin client's connections fare, through franz-go's hooks,
// so that a request that runs out of time can say what happened underneath.
type reach struct {
	seeds     []string
	mu        sync.Mutex
	connected bool  // a connection was made
	last      error // the last error of a connection
}

func (r *reach) note(connected bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.connected = r.connected || connected
	if err != nil {
		r.last = err
	}
}

// OnBrokerConnect implements kgo.HookBrokerConnect.
func (r *reach) OnBrokerConnect(_ kgo.BrokerMetadata, _ time.Duration, _ net.Conn, err error) {
	r.note(err == nil, err)
}

// OnBrokerWrite implements kgo.HookBrokerWrite.
func (r *reach) OnBrokerWrite(_ kgo.BrokerMetadata, _ int16, _ int, _, _ time.Duration, err error) {
	r.note(false, err)
}

// OnBrokerRead implements kgo.HookBrokerRead.
func (r *reach) OnBrokerRead(_ kgo.BrokerMetadata, _ int16, _ int, _, _ time.Duration, err error) {
	r.note(false, err)
}

// explain adds to err, when it is the context running out, what the connections saw.
func (r *reach) explain(err error) error {
	if !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.last != nil && r.connected:
		return fmt.Errorf("%w (the last attempt: %v; the address accepts connections but does not answer as a Kafka broker: is it a Kafka listener, and plaintext or TLS as the flags say?)", err, r.last)
	case r.last != nil:
		return fmt.Errorf("%w (the last attempt: %v)", err, r.last)
	case r.connected:
		return fmt.Errorf("%w (the address accepts connections but %s)", err, noAnswer)
	}
	// franz-go reports a connection only once its first request is answered or has
	// timed out, later than this: see for ourselves whether the seeds take one.
	var dialErrs []string
	for _, seed := range r.seeds {
		c, derr := net.DialTimeout("tcp", seed, time.Second)
		if derr == nil {
			c.Close()
			return fmt.Errorf("%w (the address accepts connections but in %s %s)", err, brokerTimeout, noAnswer)
		}
		dialErrs = append(dialErrs, derr.Error())
	}
	return fmt.Errorf("%w (no connection could be made: %s)", err, strings.Join(dialErrs, "; "))
}

const noAnswer = "gave no Kafka answer: is it a Kafka listener, and plaintext or TLS as the flags say?"
