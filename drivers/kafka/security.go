package kafka

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	saslaws "github.com/twmb/franz-go/pkg/sasl/aws"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"streambench/drivers"
)

// Security protocols, as Kafka's security.protocol names them (in lower case).
const (
	Plaintext     = "plaintext"
	SSL           = "ssl"
	SASLPlaintext = "sasl_plaintext"
	SASLSSL       = "sasl_ssl"
)

// SASL mechanisms.
const (
	MechPlain     = "plain"
	MechSCRAM256  = "scram-sha-256"
	MechSCRAM512  = "scram-sha-512"
	MechMSKIAM    = "aws-msk-iam"
	mechanismList = "plain, scram-sha-256, scram-sha-512 or aws-msk-iam"
)

// Security is how the driver connects to a cluster: TLS and SASL. It is the driver's
// drivers.Config.Connection; nil means plaintext. It never comes from a scenario.
type Security struct {
	// Protocol is plaintext, ssl, sasl_plaintext or sasl_ssl; empty means sasl_ssl when
	// Mechanism is set, ssl when any TLS field is, else plaintext.
	Protocol string
	// CAFile is a PEM file of the certificates to trust; empty means the system's.
	CAFile string
	// CertFile and KeyFile are the client's certificate and key (PEM), for clusters that
	// authenticate clients by TLS.
	CertFile, KeyFile string
	// ServerName is the name to verify in the broker's certificate, when it is not the
	// host the client dials.
	ServerName string
	// InsecureSkipVerify accepts any certificate. Only for a test cluster: it makes the
	// encryption worthless against an active attacker, and results say it was on.
	InsecureSkipVerify bool
	// Mechanism is the SASL mechanism: plain, scram-sha-256, scram-sha-512 or
	// aws-msk-iam; empty means no SASL.
	Mechanism string
	// User and Password are the SASL credentials (not used by aws-msk-iam).
	User     string
	Password drivers.Secret
	// AWSCredentials signs aws-msk-iam authentication (the standard AWS credential
	// chain, profile and assumed roles included).
	AWSCredentials aws.CredentialsProvider
}

func (s *Security) usesTLS() bool {
	return s.CAFile != "" || s.CertFile != "" || s.KeyFile != "" || s.ServerName != "" || s.InsecureSkipVerify
}

// Resolve fills in the protocol and checks that the settings go together. Its errors
// never contain the password.
func (s *Security) Resolve() error {
	if s.Protocol == "" {
		switch {
		case s.Mechanism != "":
			s.Protocol = SASLSSL
		case s.usesTLS():
			s.Protocol = SSL
		default:
			s.Protocol = Plaintext
		}
	}
	s.Protocol = strings.ToLower(s.Protocol)
	s.Mechanism = strings.ToLower(s.Mechanism)
	overTLS := s.Protocol == SSL || s.Protocol == SASLSSL
	withSASL := s.Protocol == SASLPlaintext || s.Protocol == SASLSSL
	switch {
	case !slices.Contains([]string{Plaintext, SSL, SASLPlaintext, SASLSSL}, s.Protocol):
		return fmt.Errorf("kafka security protocol %q: want plaintext, ssl, sasl_plaintext or sasl_ssl", s.Protocol)
	case !overTLS && s.usesTLS():
		return fmt.Errorf("kafka security protocol %s has no TLS, but TLS settings (CA, certificate, server name or skip-verify) were given", s.Protocol)
	case withSASL && s.Mechanism == "":
		return fmt.Errorf("kafka security protocol %s needs a SASL mechanism: %s", s.Protocol, mechanismList)
	case !withSASL && s.Mechanism != "":
		return fmt.Errorf("kafka SASL mechanism %s needs security protocol sasl_ssl (or sasl_plaintext)", s.Mechanism)
	case (s.CertFile == "") != (s.KeyFile == ""):
		return errors.New("kafka TLS client authentication needs both a certificate file and a key file")
	}
	switch s.Mechanism {
	case "":
	case MechPlain, MechSCRAM256, MechSCRAM512:
		if s.User == "" || s.Password == "" {
			return fmt.Errorf("kafka SASL %s needs a user and a password", s.Mechanism)
		}
		if s.Mechanism == MechPlain && !overTLS {
			return errors.New("kafka SASL plain over sasl_plaintext would send the password in clear: use sasl_ssl")
		}
	case MechMSKIAM:
		if s.AWSCredentials == nil {
			return errors.New("kafka SASL aws-msk-iam needs AWS credentials")
		}
		if !overTLS {
			return errors.New("kafka SASL aws-msk-iam works over TLS only: use sasl_ssl")
		}
	default:
		return fmt.Errorf("kafka SASL mechanism %q: want %s", s.Mechanism, mechanismList)
	}
	return nil
}

// String describes the connection for results and logs, without any secret, naming
// files by their base name only: "TLS (CA ca.pem) + SASL SCRAM-SHA-512 as alice".
func (s *Security) String() string {
	if s == nil {
		return "plaintext"
	}
	var parts []string
	if s.Protocol == SSL || s.Protocol == SASLSSL {
		var tlsParts []string
		if s.CAFile != "" {
			tlsParts = append(tlsParts, "CA "+filepath.Base(s.CAFile))
		}
		if s.CertFile != "" {
			tlsParts = append(tlsParts, "client certificate "+filepath.Base(s.CertFile))
		}
		if s.ServerName != "" {
			tlsParts = append(tlsParts, "server name "+s.ServerName)
		}
		if s.InsecureSkipVerify {
			tlsParts = append(tlsParts, "CERTIFICATE NOT VERIFIED")
		}
		t := "TLS"
		if len(tlsParts) > 0 {
			t += " (" + strings.Join(tlsParts, ", ") + ")"
		}
		parts = append(parts, t)
	}
	switch s.Mechanism {
	case "":
	case MechMSKIAM:
		parts = append(parts, "SASL AWS_MSK_IAM")
	default:
		parts = append(parts, "SASL "+strings.ToUpper(s.Mechanism)+" as "+s.User)
	}
	if len(parts) == 0 {
		return "plaintext"
	}
	return strings.Join(parts, " + ")
}

// opts are the client options that carry the security settings.
func (s *Security) opts() ([]kgo.Opt, error) {
	if s == nil {
		return nil, nil
	}
	if err := s.Resolve(); err != nil {
		return nil, err
	}
	var opts []kgo.Opt
	if s.Protocol == SSL || s.Protocol == SASLSSL {
		cfg, err := s.tlsConfig()
		if err != nil {
			return nil, err
		}
		opts = append(opts, kgo.DialTLSConfig(cfg))
	}
	if m := s.mechanism(); m != nil {
		opts = append(opts, kgo.SASL(m))
	}
	return opts, nil
}

func (s *Security) tlsConfig() (*tls.Config, error) {
	// franz-go sets ServerName to the host it dials when it is empty.
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: s.ServerName, InsecureSkipVerify: s.InsecureSkipVerify}
	if s.CAFile != "" {
		pem, err := os.ReadFile(s.CAFile)
		if err != nil {
			return nil, fmt.Errorf("kafka TLS CA file: %w", err)
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("kafka TLS CA file %s holds no PEM certificate", s.CAFile)
		}
	}
	if s.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(s.CertFile, s.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("kafka TLS client certificate %s with key %s: %w", s.CertFile, s.KeyFile, err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

func (s *Security) mechanism() sasl.Mechanism {
	switch s.Mechanism {
	case MechPlain:
		return plain.Auth{User: s.User, Pass: s.Password.Reveal()}.AsMechanism()
	case MechSCRAM256:
		return scram.Auth{User: s.User, Pass: s.Password.Reveal()}.AsSha256Mechanism()
	case MechSCRAM512:
		return scram.Auth{User: s.User, Pass: s.Password.Reveal()}.AsSha512Mechanism()
	case MechMSKIAM:
		provider := s.AWSCredentials
		return saslaws.ManagedStreamingIAM(func(ctx context.Context) (saslaws.Auth, error) {
			c, err := provider.Retrieve(ctx)
			if err != nil {
				return saslaws.Auth{}, fmt.Errorf("AWS credentials for MSK IAM: %w", err)
			}
			return saslaws.Auth{AccessKey: c.AccessKeyID, SecretKey: c.SecretAccessKey, SessionToken: c.SessionToken, UserAgent: "streambench"}, nil
		})
	}
	return nil
}
