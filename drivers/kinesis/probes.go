package kinesis

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"streambench/drivers"
)

// summary describes the stream as DescribeStreamSummary reports it.
func (d *Driver) summary(ctx context.Context) (*kinesis.DescribeStreamSummaryOutput, error) {
	out, err := d.api.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: d.stream()})
	if err != nil {
		return nil, fmt.Errorf("kinesis at %s: describing stream %s: %w", d.endpoint, d.topo.Name, err)
	}
	return out, nil
}

// Retention reads the stream's retention period.
func (d *Driver) Retention(ctx context.Context) (time.Duration, error) {
	out, err := d.summary(ctx)
	if err != nil {
		return 0, err
	}
	return time.Duration(aws.ToInt32(out.StreamDescriptionSummary.RetentionPeriodHours)) * time.Hour, nil
}

// SetRetention asks Kinesis to keep records for r, in whole hours, and waits until the
// stream is ACTIVE again. The API has no unlimited retention: a negative r is refused
// here, wrapping drivers.ErrUnsupported.
func (d *Driver) SetRetention(ctx context.Context, r time.Duration) error {
	switch {
	case r < 0:
		return fmt.Errorf("%w: Kinesis has no unlimited retention (the API takes %d to %d hours)", drivers.ErrUnsupported, minRetentionHours, maxRetentionHours)
	case r%time.Hour != 0 || r == 0:
		return fmt.Errorf("%w: Kinesis sets retention in whole hours, not %s", drivers.ErrUnsupported, drivers.Duration(r))
	}
	ctx, cancel := context.WithTimeout(ctx, setupTimeout)
	defer cancel()
	have, err := d.Retention(ctx)
	if err != nil {
		return err
	}
	if err := d.setRetention(ctx, int32(have/time.Hour), int32(r/time.Hour)); err != nil {
		return err
	}
	_, err = d.waitActive(ctx)
	return err
}

// Encryption reports the stream's EncryptionType: NONE, or KMS once server-side
// encryption has been started.
func (d *Driver) Encryption(ctx context.Context) (bool, string, error) {
	out, err := d.summary(ctx)
	if err != nil {
		return false, "", err
	}
	t := out.StreamDescriptionSummary.EncryptionType
	return t != "" && t != types.EncryptionTypeNone, string(t), nil
}

// Scale asks Kinesis for n open shards (UpdateShardCount with uniform scaling) and waits
// until the stream is ACTIVE again: the parents are then closed and their children
// open, which the producers' keys spread over at once.
func (d *Driver) Scale(ctx context.Context, n int) error {
	ctx, cancel := context.WithTimeout(ctx, 2*setupTimeout)
	defer cancel()
	_, err := d.api.UpdateShardCount(ctx, &kinesis.UpdateShardCountInput{
		StreamName: d.stream(), TargetShardCount: aws.Int32(int32(n)), ScalingType: types.ScalingTypeUniformScaling,
	})
	if err != nil {
		return fmt.Errorf("kinesis at %s: resharding stream %s to %d shards: %w", d.endpoint, d.topo.Name, n, err)
	}
	_, err = d.waitActive(ctx)
	return err
}
