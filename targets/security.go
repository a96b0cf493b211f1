package targets

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"

	"streambench/drivers"
	"streambench/drivers/kafka"
)

// Environment variables of external Kafka credentials. Passwords come from a variable or
// a file, never from a flag: flags show in the process list and are written into results.
const (
	EnvKafkaUser     = "BENCH_KAFKA_USER"
	EnvKafkaPassword = "BENCH_KAFKA_PASSWORD"
)

// KafkaSecurityFlags are the command line's settings for an external cluster's TLS and
// SASL (see kafka.Security for what each means).
type KafkaSecurityFlags struct {
	Protocol, Mechanism, User, PasswordFile string
	CAFile, CertFile, KeyFile, ServerName   string
	InsecureSkipVerify                      bool
	// AWSProfile is for aws-msk-iam.
	AWSProfile string
}

// Security returns the kafka.Security the flags ask for, with the user from
// $BENCH_KAFKA_USER and the password from PasswordFile or $BENCH_KAFKA_PASSWORD when the
// flags do not give them; nil when no flag asks for anything but plaintext. Its errors
// never contain the password.
func (f KafkaSecurityFlags) Security(ctx context.Context) (*kafka.Security, error) {
	s := &kafka.Security{
		Protocol: f.Protocol, Mechanism: f.Mechanism, User: f.User,
		CAFile: f.CAFile, CertFile: f.CertFile, KeyFile: f.KeyFile, ServerName: f.ServerName,
		InsecureSkipVerify: f.InsecureSkipVerify,
	}
	if *s == (kafka.Security{}) && f.PasswordFile == "" {
		return nil, nil
	}
	if s.User == "" {
		s.User = os.Getenv(EnvKafkaUser)
	}
	switch {
	case f.PasswordFile != "":
		b, err := os.ReadFile(f.PasswordFile)
		if err != nil {
			return nil, fmt.Errorf("--kafka-password-file: %w", err)
		}
		s.Password = drivers.Secret(strings.TrimRight(string(b), "\r\n"))
	default:
		s.Password = drivers.Secret(os.Getenv(EnvKafkaPassword))
	}
	if strings.EqualFold(s.Mechanism, kafka.MechMSKIAM) {
		loads := []func(*config.LoadOptions) error{}
		if f.AWSProfile != "" {
			loads = append(loads, config.WithSharedConfigProfile(f.AWSProfile))
		}
		cfg, err := config.LoadDefaultConfig(ctx, loads...)
		if err != nil {
			return nil, fmt.Errorf("AWS configuration for MSK IAM: %w", err)
		}
		s.AWSCredentials = cfg.Credentials
	}
	if s.Mechanism != "" && !strings.EqualFold(s.Mechanism, kafka.MechMSKIAM) {
		switch {
		case s.User == "":
			return nil, fmt.Errorf("kafka SASL %s: no user: give --kafka-user or set $%s", s.Mechanism, EnvKafkaUser)
		case s.Password == "":
			return nil, fmt.Errorf("kafka SASL %s: no password: set $%s or give --kafka-password-file", s.Mechanism, EnvKafkaPassword)
		}
	}
	if err := s.Resolve(); err != nil {
		return nil, err
	}
	return s, nil
}
