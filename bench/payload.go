package bench

import "math/rand/v2"

// words give text payloads the redundancy of log lines: they compress, but not to
// nothing.
var words = []string{
	"the", "order", "user", "event", "status", "ok", "request", "id", "at", "latency",
	"service", "payment", "accepted", "queue", "partition", "shard", "stream", "region",
	"timeout", "retry", "session", "cart", "item", "price", "eu-west-1", "GET", "POST",
	"/api/v1/orders", "200", "404", "true", "false", "null", "{", "}", "level=info",
}

// fillPayload writes kind's bytes into b.
func fillPayload(b []byte, kind Payload, rng *rand.Rand) {
	switch kind {
	case PayloadZeros:
		clear(b)
	case PayloadText:
		i := 0
		for i < len(b) {
			w := words[rng.IntN(len(words))]
			i += copy(b[i:], w)
			if i < len(b) {
				b[i] = ' '
				i++
			}
		}
	default: // random
		for i := 0; i < len(b); i += 8 {
			v := rng.Uint64()
			for j := 0; j < 8 && i+j < len(b); j++ {
				b[i+j] = byte(v >> (8 * j))
			}
		}
	}
}
