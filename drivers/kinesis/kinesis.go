// Package kinesis is the driver for the Amazon Kinesis Data Streams API (AWS itself,
// kinesis-mock, LocalStack), on aws-sdk-go-v2. Each producer and each consumer works as
// a separate application instance would: producers put records with PutRecords batches
// or one PutRecord per message, consumers read every shard with GetRecords (polling) or
// enhanced fan-out (SubscribeToShard), sharing the shards between them.
package kinesis

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"

	"streambench/drivers"
)

// Registration is the Kinesis driver's entry for a drivers.Registry.
var Registration = drivers.Registration{
	Name:        "kinesis",
	NewSettings: func() drivers.Settings { return NewSettings() },
	Open:        Open,
}

// setupTimeout bounds stream creation and deletion: AWS takes up to about a minute to
// make a stream ACTIVE.
const setupTimeout = 2 * time.Minute

// Retention bounds of a Kinesis stream, in hours.
const (
	minRetentionHours = 24
	maxRetentionHours = 8760
)

// awsHost matches AWS's own Kinesis endpoints (regional and VPC endpoints) and captures
// the region.
var awsHost = regexp.MustCompile(`(?:^|\.)kinesis(?:-fips)?\.([a-z0-9-]+)\.(?:vpce\.)?amazonaws\.com(?:\.cn)?$`)

// IsAWS reports whether endpoint is one of AWS's own Kinesis endpoints (rather than an
// emulator's).
func IsAWS(endpoint string) bool {
	u, err := url.Parse(endpoint)
	return err == nil && awsHost.MatchString(u.Hostname())
}

// Driver is one connection to a Kinesis endpoint for one run.
type Driver struct {
	endpoint string
	real     bool // AWS itself, not an emulator
	set      *Settings
	topo     drivers.Topology
	api      *kinesis.Client

	mu        sync.Mutex
	transport *http.Transport // the client's connection pool, once built
	streamARN string
	consumers int
	shards    *shardTracker
	efo       *efoConsumer
	quotas    map[string]*readQuota // by shard id, once a reader needs one
}

// Connection is the driver's drivers.Config.Connection: which AWS credentials to use for
// Amazon Kinesis. The standard chain applies in any case (environment, shared config and
// credentials files, SSO, web identity, container and instance roles); a profile that
// assumes a role (role_arn with source_profile or credential_source) is followed.
// Endpoints that are not AWS's get placeholder credentials, so that real ones never
// reach them.
type Connection struct {
	// Profile of the shared config files; empty means $AWS_PROFILE, else "default".
	Profile string
}

// Open prepares a client for the endpoint at cfg.Address: a URL. AWS's own endpoints
// (https://kinesis.REGION.amazonaws.com, and VPC endpoints) are called with the standard
// AWS credential chain; any other endpoint, taken for an emulator, gets fixed placeholder
// credentials, so that real ones are never sent to it. Open does not call the endpoint.
func Open(ctx context.Context, cfg drivers.Config) (drivers.Driver, error) {
	set, ok := cfg.Settings.(*Settings)
	if !ok || set == nil {
		set = NewSettings()
	}
	u, err := url.Parse(cfg.Address)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("kinesis endpoint %q: want a URL such as http://127.0.0.1:4568 or https://kinesis.us-east-1.amazonaws.com", cfg.Address)
	}
	d := &Driver{endpoint: cfg.Address, set: set, topo: cfg.Topology}
	// The SDK's own client type, which the AWS configuration may adapt further (for
	// $AWS_CA_BUNDLE); it builds its transport on first use.
	httpClient := awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
		// Every shard reader and in-flight put holds a connection; the SDK's default
		// of 10 idle connections per host would make the rest reconnect each time.
		t.MaxIdleConnsPerHost = 512
		d.mu.Lock()
		d.transport = t
		d.mu.Unlock()
	})
	var awsCfg aws.Config
	if m := awsHost.FindStringSubmatch(u.Hostname()); m != nil {
		d.real = true
		loads := []func(*config.LoadOptions) error{config.WithRegion(m[1]), config.WithHTTPClient(httpClient)}
		if conn, ok := cfg.Connection.(*Connection); ok && conn.Profile != "" {
			loads = append(loads, config.WithSharedConfigProfile(conn.Profile))
		}
		awsCfg, err = config.LoadDefaultConfig(ctx, loads...)
		if err != nil {
			return nil, fmt.Errorf("kinesis at %s: loading the AWS configuration: %w", cfg.Address, err)
		}
		cctx, cancel := context.WithTimeout(ctx, credentialsTimeout)
		_, err = awsCfg.Credentials.Retrieve(cctx)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("kinesis at %s: no AWS credentials from the standard chain (environment, shared config and credentials files with $AWS_PROFILE, SSO, web identity, container or instance role): %w", cfg.Address, err)
		}
	} else {
		awsCfg, err = config.LoadDefaultConfig(ctx,
			config.WithRegion("us-east-1"),
			config.WithHTTPClient(httpClient),
			config.WithEC2IMDSClientEnableState(imds.ClientDisabled),
			config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("streambench", "streambench", "")))
		if err != nil {
			return nil, fmt.Errorf("kinesis at %s: %w", cfg.Address, err)
		}
	}
	d.api = kinesis.NewFromConfig(awsCfg, func(o *kinesis.Options) {
		if !d.real || u.Hostname() != "kinesis."+awsCfg.Region+".amazonaws.com" {
			o.BaseEndpoint = aws.String(cfg.Address)
		}
	})
	return d, nil
}

// noRetry turns the SDK's own retries off for the calls of the data path: the driver
// retries those itself, so that it can count throttles and retries.
func noRetry(o *kinesis.Options) { o.Retryer = aws.NopRetryer{} }

// Broker says what answers: AWS's service, or a Kinesis-compatible endpoint whose
// software the API does not reveal.
func (d *Driver) Broker(context.Context) (drivers.BrokerInfo, error) {
	if d.real {
		return drivers.BrokerInfo{Product: "Amazon Kinesis Data Streams", Version: "API 2013-12-02"}, nil
	}
	return drivers.BrokerInfo{Product: "Kinesis-compatible endpoint", Version: "unknown"}, nil
}

func (d *Driver) stream() *string { return aws.String(d.topo.Name) }

// retentionHours converts the topology's retention into what Kinesis takes: 0 for the
// stream's default, else whole hours.
func (d *Driver) retentionHours() (int32, error) {
	r := d.topo.Retention
	switch {
	case r == 0:
		return 0, nil
	case r < 0:
		return 0, fmt.Errorf("kinesis has no unlimited retention: a stream keeps records at most %d hours (365 days)", maxRetentionHours)
	case r%time.Hour != 0:
		return 0, fmt.Errorf("kinesis sets retention in whole hours, not %s", drivers.Duration(r))
	}
	return int32(r / time.Hour), nil
}

// Setup creates the stream, waits until it is ACTIVE and sets its retention. A stream
// that was created but could not be made ready is deleted again.
func (d *Driver) Setup(ctx context.Context) error {
	hours, err := d.retentionHours()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, setupTimeout)
	defer cancel()
	in := &kinesis.CreateStreamInput{StreamName: d.stream()}
	if d.set.StreamMode == StreamOnDemand {
		in.StreamModeDetails = &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}
	} else {
		in.StreamModeDetails = &types.StreamModeDetails{StreamMode: types.StreamModeProvisioned}
		in.ShardCount = aws.Int32(int32(d.topo.Partitions))
	}
	if _, err := d.api.CreateStream(ctx, in); err != nil {
		return fmt.Errorf("kinesis at %s: creating stream %s (%s): %w", d.endpoint, d.topo.Name, d.describeTopology(), notKinesis(d.endpoint, err))
	}
	if err := d.ready(ctx, hours); err != nil {
		if derr := d.Teardown(context.WithoutCancel(ctx)); derr != nil {
			err = errors.Join(err, derr)
		}
		return err
	}
	return nil
}

func (d *Driver) describeTopology() string {
	if d.set.StreamMode == StreamOnDemand {
		return "on-demand"
	}
	return fmt.Sprintf("%d shards", d.topo.Partitions)
}

// ready waits for the new stream and sets its retention.
func (d *Driver) ready(ctx context.Context, hours int32) error {
	sum, err := d.waitActive(ctx)
	if err != nil {
		return err
	}
	d.mu.Lock()
	d.streamARN = aws.ToString(sum.StreamARN)
	d.mu.Unlock()
	if hours == 0 {
		return nil
	}
	have := aws.ToInt32(sum.RetentionPeriodHours)
	if hours == have {
		return nil
	}
	if err := d.setRetention(ctx, have, hours); err != nil {
		return err
	}
	_, err = d.waitActive(ctx)
	return err
}

// setRetention changes the stream's retention from have to want hours: Kinesis has one
// call to increase it and another to decrease it.
func (d *Driver) setRetention(ctx context.Context, have, want int32) error {
	var err error
	switch {
	case want > have:
		_, err = d.api.IncreaseStreamRetentionPeriod(ctx, &kinesis.IncreaseStreamRetentionPeriodInput{StreamName: d.stream(), RetentionPeriodHours: aws.Int32(want)})
	case want < have:
		_, err = d.api.DecreaseStreamRetentionPeriod(ctx, &kinesis.DecreaseStreamRetentionPeriodInput{StreamName: d.stream(), RetentionPeriodHours: aws.Int32(want)})
	}
	if err != nil {
		return fmt.Errorf("kinesis at %s: setting the retention of stream %s from %d to %d hours: %w", d.endpoint, d.topo.Name, have, want, err)
	}
	return nil
}

// waitActive polls the stream until it is ACTIVE.
func (d *Driver) waitActive(ctx context.Context) (*types.StreamDescriptionSummary, error) {
	every := 100 * time.Millisecond
	if d.real {
		every = time.Second // DescribeStreamSummary is limited to 20 calls a second per account
	}
	var last string
	for {
		out, err := d.api.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: d.stream()})
		if err == nil {
			sum := out.StreamDescriptionSummary
			if sum.StreamStatus == types.StreamStatusActive {
				return sum, nil
			}
			last = "status " + string(sum.StreamStatus)
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("kinesis at %s: stream %s did not become ACTIVE (%s): %w", d.endpoint, d.topo.Name, last, ctx.Err())
		case <-time.After(every):
		}
	}
}

// Teardown deletes the stream, with any enhanced fan-out consumer still registered.
func (d *Driver) Teardown(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, setupTimeout)
	defer cancel()
	_, err := d.api.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: d.stream(), EnforceConsumerDeletion: aws.Bool(true)})
	if err != nil {
		return fmt.Errorf("kinesis at %s: deleting stream %s: %w", d.endpoint, d.topo.Name, err)
	}
	return nil
}

// Close closes the client's idle connections: kinesis-mock does not stop while a
// client holds one open.
func (d *Driver) Close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.transport != nil {
		d.transport.CloseIdleConnections()
	}
}

// listShards returns every shard of the stream, open and closed.
func (d *Driver) listShards(ctx context.Context) ([]types.Shard, error) {
	var shards []types.Shard
	in := &kinesis.ListShardsInput{StreamName: d.stream()}
	for {
		out, err := d.api.ListShards(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("kinesis at %s: listing the shards of %s: %w", d.endpoint, d.topo.Name, err)
		}
		shards = append(shards, out.Shards...)
		if out.NextToken == nil {
			return shards, nil
		}
		// The stream is named only on the first page.
		in = &kinesis.ListShardsInput{NextToken: out.NextToken}
	}
}

// errorCode is the API's name for err ("ProvisionedThroughputExceededException"), or "".
func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// isThrottle reports whether an error code means the broker asked the client to slow
// down.
func isThrottle(code string) bool {
	switch code {
	case "ProvisionedThroughputExceededException", "ThrottlingException", "LimitExceededException", "KMSThrottlingException":
		return true
	}
	return false
}

// isPermanent reports whether a call failing with this code can never succeed by being
// repeated.
func isPermanent(code string) bool {
	switch code {
	case "ValidationException", "InvalidArgumentException", "ResourceNotFoundException",
		"AccessDeniedException", "UnrecognizedClientException", "InvalidSignatureException",
		"KMSAccessDeniedException", "KMSDisabledException", "KMSNotFoundException", "KMSInvalidStateException":
		return true
	}
	return false
}

// shardNumber is the number at the end of a shard id ("shardId-000000000007" → 7): shard
// ids are numbered in creation order, so it names a shard in the engine's partition
// accounting for the whole life of the stream.
func shardNumber(id string) int32 {
	i := strings.LastIndexByte(id, '-')
	var n int32
	for _, c := range id[i+1:] {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int32(c-'0')
	}
	return n
}
