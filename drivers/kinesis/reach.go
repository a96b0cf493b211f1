package kinesis

import (
	"errors"
	"fmt"
	"strings"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
)

// credentialsTimeout bounds the search for AWS credentials: a chain that ends at an
// instance metadata service that does not answer must fail in seconds, not hang the
// run.
const credentialsTimeout = 10 * time.Second

// notKinesis adds to err, when the endpoint answered with something that is not the
// Kinesis API (a web server's 404 page, a proxy's error), what it answered and what to
// check: the SDK's own words ("failed to decode response body, invalid character '<'")
// do not say that the URL is wrong.
func notKinesis(endpoint string, err error) error {
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.Response == nil || re.Response.Response == nil || re.HTTPStatusCode() == 0 {
		// No answer at all (status 0): the error says why.
		return err
	}
	ctype := re.Response.Header.Get("Content-Type")
	var de *smithy.DeserializationError
	if strings.Contains(ctype, "json") && !errors.As(err, &de) {
		return err // an answer of the API: its error says what is wrong
	}
	if ctype == "" {
		ctype = "no content type"
	}
	return fmt.Errorf("%w: %s answered HTTP %d (%s), not as the Kinesis API does: check the endpoint URL (--kinesis-endpoint or $BENCH_KINESIS_ENDPOINT)",
		err, endpoint, re.HTTPStatusCode(), ctype)
}
