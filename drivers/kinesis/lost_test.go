package kinesis

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"

	"github.com/aws/smithy-go"
)

// The error seen on ferrokinesis ("deserialization failed ... use of closed network
// connection") is a lost connection; answers of the API and cancelled calls are not.
func TestLostConnection(t *testing.T) {
	closed := &smithy.OperationError{ServiceID: "Kinesis", OperationName: "GetRecords",
		Err: &smithy.DeserializationError{Err: &net.OpError{Op: "read", Net: "tcp", Err: net.ErrClosed}}}
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{closed, true},
		{fmt.Errorf("x: %w", syscall.ECONNRESET), true},
		{&smithy.GenericAPIError{Code: "ExpiredIteratorException"}, false},
		{fmt.Errorf("x: %w", context.Canceled), false},
		{errors.Join(context.Canceled, net.ErrClosed), false},
		{errors.New("dial tcp 127.0.0.1:1: connect: connection refused"), false},
	} {
		if got := lostConnection(tc.err); got != tc.want {
			t.Errorf("lostConnection(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
