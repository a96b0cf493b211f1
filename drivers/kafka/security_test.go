package kafka_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"streambench/bench"
	"streambench/brokers"
	"streambench/brokers/brokertest"
	"streambench/drivers"
	"streambench/drivers/kafka"
)

// openSecure opens the driver on addr with sec and a fresh one-partition topic.
func openSecure(t *testing.T, addr string, sec *kafka.Security) drivers.Driver {
	t.Helper()
	d, err := kafka.Open(context.Background(), drivers.Config{
		Address:    addr,
		Settings:   kafka.NewSettings(),
		Connection: sec,
		Topology:   drivers.Topology{Name: fmt.Sprintf("kafka-sec-%d", time.Now().UnixNano()), Partitions: 1, Replication: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d
}

// TestSecureListeners runs against the TLS and SASL_SSL listeners of the local broker
// that the project starts: a whole run over TLS + SCRAM-SHA-512, a topic created with every
// other mechanism, and the two failures a user meets first (a wrong password, a
// certificate nobody told the client to trust), which must fail fast, clearly, and without
// printing the password.
func TestSecureListeners(t *testing.T) {
	st := brokertest.LocalKafka(t)
	password, err := st.ReadPassword()
	if err != nil {
		t.Fatal(err)
	}

	t.Run("run over TLS and SCRAM-SHA-512", func(t *testing.T) {
		sec := &kafka.Security{CAFile: st.CertFile, Mechanism: kafka.MechSCRAM512, User: brokers.KafkaUser, Password: drivers.Secret(password)}
		d := openSecure(t, st.SASLAddress, sec)
		s := bench.NewScenario(drivers.NewRegistry(kafka.Registration))
		s.Name, s.Targets = "kafka-sec", []string{"kafka"}
		s.Duration, s.Warmup = bench.Duration(2*time.Second), 0
		s.Topology.Partitions = 1
		s.Workload.Rate = bench.Rate{PerSecond: 500}
		m, err := bench.Run(context.Background(), &s, d, bench.Options{Logf: t.Logf})
		if err != nil {
			t.Fatal(err)
		}
		c := m.Counts
		if c.Sent != 1000 || c.Received != c.Sent || c.Lost != 0 || c.Duplicated != 0 || c.SendErrors != 0 {
			t.Errorf("counts over TLS+SCRAM = %+v, want 1000 sent, all received once", c)
		}
		if got := sec.String(); got != "TLS (CA broker.pem) + SASL SCRAM-SHA-512 as bench" {
			t.Errorf("description = %q", got)
		}
	})

	for _, tc := range []struct {
		name, addr string
		sec        *kafka.Security
	}{
		{"TLS", st.TLSAddress, &kafka.Security{CAFile: st.CertFile}},
		{"PLAIN", st.SASLAddress, &kafka.Security{CAFile: st.CertFile, Mechanism: kafka.MechPlain, User: brokers.KafkaUser, Password: drivers.Secret(password)}},
		{"SCRAM-SHA-256", st.SASLAddress, &kafka.Security{CAFile: st.CertFile, Mechanism: kafka.MechSCRAM256, User: brokers.KafkaUser, Password: drivers.Secret(password)}},
		{"TLS, name checked against the certificate", st.TLSAddress, &kafka.Security{CAFile: st.CertFile, ServerName: "localhost"}},
	} {
		t.Run("topic over "+tc.name, func(t *testing.T) {
			d := openSecure(t, tc.addr, tc.sec)
			if err := d.Setup(context.Background()); err != nil {
				t.Fatal(err)
			}
			if err := d.Teardown(context.Background()); err != nil {
				t.Fatal(err)
			}
		})
	}

	const wrong = "not-the-password-4f1c"
	for _, tc := range []struct {
		name, addr string
		sec        *kafka.Security
		want       []string
	}{
		{"wrong password", st.SASLAddress,
			&kafka.Security{CAFile: st.CertFile, Mechanism: kafka.MechSCRAM512, User: brokers.KafkaUser, Password: wrong},
			[]string{st.SASLAddress, "SASL_AUTHENTICATION_FAILED"}},
		{"untrusted certificate", st.TLSAddress,
			&kafka.Security{Protocol: kafka.SSL},
			[]string{st.TLSAddress, "certificate signed by unknown authority"}},
		{"certificate for another name", st.TLSAddress,
			&kafka.Security{CAFile: st.CertFile, ServerName: "kafka.example.com"},
			[]string{st.TLSAddress, "not kafka.example.com"}},
		{"plaintext client on the TLS port", st.TLSAddress, nil, []string{st.TLSAddress}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := openSecure(t, tc.addr, tc.sec)
			err := d.Setup(context.Background())
			if err == nil {
				t.Fatal("Setup succeeded")
			}
			msg := err.Error()
			t.Logf("error: %s", msg)
			// Fast: the cause itself, not the setup deadline running out while the client
			// retried something that cannot succeed. (Plaintext on a TLS port is the one
			// case a client cannot tell from a broker that is slow to answer.)
			if tc.sec != nil && errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("failed by running out of time, not with the cause: %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error does not mention %q", w)
				}
			}
			for _, secret := range []string{password, wrong} {
				if strings.Contains(msg, secret) {
					t.Errorf("error prints a password: %s", msg)
				}
			}
		})
	}
}

func TestSecurityResolve(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.txt")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o644); err != nil {
		t.Fatal(err)
	}
	creds := credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")
	for _, tc := range []struct {
		name         string
		sec          kafka.Security
		wantProtocol string
		wantErr      string
	}{
		{"nothing is plaintext", kafka.Security{}, kafka.Plaintext, ""},
		{"a CA means TLS", kafka.Security{CAFile: "ca.pem"}, kafka.SSL, ""},
		{"SASL means SASL over TLS", kafka.Security{Mechanism: "SCRAM-SHA-512", User: "u", Password: "p"}, kafka.SASLSSL, ""},
		{"SCRAM over plaintext when asked", kafka.Security{Protocol: "SASL_PLAINTEXT", Mechanism: "scram-sha-256", User: "u", Password: "p"}, kafka.SASLPlaintext, ""},
		{"MSK IAM", kafka.Security{Mechanism: "aws-msk-iam", AWSCredentials: creds}, kafka.SASLSSL, ""},
		{"PLAIN in clear", kafka.Security{Protocol: "sasl_plaintext", Mechanism: "plain", User: "u", Password: "p"}, "", "in clear"},
		{"no password", kafka.Security{Mechanism: "plain", User: "u"}, "", "needs a user and a password"},
		{"unknown mechanism", kafka.Security{Mechanism: "gssapi", User: "u", Password: "p"}, "", `"gssapi"`},
		{"unknown protocol", kafka.Security{Protocol: "tls"}, "", `"tls"`},
		{"TLS files on plaintext", kafka.Security{Protocol: "plaintext", CAFile: "ca.pem"}, "", "has no TLS"},
		{"mechanism without SASL", kafka.Security{Protocol: "ssl", Mechanism: "plain", User: "u", Password: "p"}, "", "needs security protocol sasl_ssl"},
		{"SASL protocol without mechanism", kafka.Security{Protocol: "sasl_ssl"}, "", "needs a SASL mechanism"},
		{"certificate without key", kafka.Security{CertFile: "c.pem"}, "", "both a certificate file and a key file"},
		{"MSK IAM without credentials", kafka.Security{Mechanism: "aws-msk-iam"}, "", "needs AWS credentials"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.sec.Resolve()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Resolve() = %v, want an error with %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || tc.sec.Protocol != tc.wantProtocol {
				t.Fatalf("Resolve() = %v, protocol %q, want %q", err, tc.sec.Protocol, tc.wantProtocol)
			}
		})
	}

	// Files are read when the driver opens: a bad one is named.
	for _, tc := range []struct {
		name string
		sec  kafka.Security
		want string
	}{
		{"CA file missing", kafka.Security{CAFile: filepath.Join(dir, "none.pem")}, "none.pem"},
		{"CA file not PEM", kafka.Security{CAFile: notPEM}, "ca.txt holds no PEM certificate"},
		{"key pair missing", kafka.Security{CertFile: filepath.Join(dir, "c.pem"), KeyFile: filepath.Join(dir, "k.pem")}, "c.pem with key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := kafka.Open(context.Background(), drivers.Config{Address: "127.0.0.1:1", Connection: &tc.sec})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Open() = %v, want an error with %q", err, tc.want)
			}
		})
	}
}

func TestSecretNeverPrinted(t *testing.T) {
	sec := kafka.Security{Mechanism: "scram-sha-512", User: "alice", Password: "hunter2-secret"}
	if err := sec.Resolve(); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{sec.String(), fmt.Sprintf("%v %+v %#v %s", sec, sec, sec, sec.Password)} {
		if strings.Contains(s, "hunter2") {
			t.Errorf("password printed: %s", s)
		}
	}
}
