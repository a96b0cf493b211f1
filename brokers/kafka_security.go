package brokers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// KafkaUser is the SASL user of the local broker's SASL_SSL listener. It authenticates
// with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512, with a password made at start-up.
const KafkaUser = "bench"

// Files of the local broker's TLS and SASL set-up, inside its data directory.
const (
	securityDir   = "security"
	keystoreFile  = "broker.p12"
	storePassFile = "keystore.password"
	certFile      = "broker.pem"
	passwordFile  = "sasl.password"
)

// kafkaSecurity is what the TLS and SASL_SSL listeners of one local broker are set up
// with. The secrets are made fresh for each broker and live only in its data directory
// (files of mode 0600, removed with it) and in its server.properties (also 0600).
type kafkaSecurity struct {
	keystore  string // PKCS12 keystore with the broker's key and self-signed certificate
	storePass string
	certFile  string // the certificate alone, PEM, for clients to trust
	password  string // of KafkaUser
	passFile  string
}

// makeKafkaSecurity generates, with the JDK's keytool, a key pair and a self-signed
// certificate for 127.0.0.1 and localhost, and a password for KafkaUser. A self-signed
// certificate is its own root: a client that trusts certFile verifies the broker fully,
// host name included; one that does not fails verification, as it should.
func (c kafkaConfig) makeKafkaSecurity(ctx context.Context, java, dataDir string) (kafkaSecurity, error) {
	dir := filepath.Join(dataDir, securityDir)
	s := kafkaSecurity{
		keystore: filepath.Join(dir, keystoreFile),
		certFile: filepath.Join(dir, certFile),
		passFile: filepath.Join(dir, passwordFile),
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return s, fmt.Errorf("kafka security directory: %w", err)
	}
	var err error
	if s.storePass, err = randomSecret(); err != nil {
		return s, err
	}
	if s.password, err = randomSecret(); err != nil {
		return s, err
	}
	storePassPath := filepath.Join(dir, storePassFile)
	for path, secret := range map[string]string{storePassPath: s.storePass, s.passFile: s.password} {
		if err := os.WriteFile(path, []byte(secret), 0o600); err != nil {
			return s, fmt.Errorf("kafka security: %w", err)
		}
	}
	keytool, err := lookKeytool(java)
	if err != nil {
		return s, err
	}
	// The password is read from a file, so that it is on no command line.
	steps := [][]string{
		{"-genkeypair", "-alias", "broker", "-keyalg", "EC", "-groupname", "secp256r1",
			"-dname", "CN=streambench local Kafka broker", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
			"-validity", "3650", "-storetype", "PKCS12", "-keystore", s.keystore,
			"-storepass:file", storePassPath},
		{"-exportcert", "-rfc", "-alias", "broker", "-keystore", s.keystore,
			"-storepass:file", storePassPath, "-file", s.certFile},
	}
	for _, args := range steps {
		if out, err := runTool(ctx, c.note("kafka keytool"), dir, keytool, args...); err != nil {
			return s, fmt.Errorf("keytool %s (certificate for the local broker's TLS listener): %w%s",
				args[0], err, OutputTail(out, 10))
		}
	}
	return s, nil
}

// scramArgs are the storage tool's arguments that create KafkaUser's SCRAM credentials.
// The tool has no other way to take them than its command line, where they are visible
// to this machine's users for the second it runs; the password is a throwaway made for
// this broker alone.
func (s kafkaSecurity) scramArgs() []string {
	var args []string
	for _, mech := range []string{"SCRAM-SHA-256", "SCRAM-SHA-512"} {
		args = append(args, "--add-scram", fmt.Sprintf("%s=[name=%s,password=%s]", mech, KafkaUser, s.password))
	}
	return args
}

// properties are the broker settings of the TLS and SASL_SSL listeners.
func (s kafkaSecurity) properties() [][2]string {
	plain := fmt.Sprintf(`org.apache.kafka.common.security.plain.PlainLoginModule required user_%s="%s";`, KafkaUser, s.password)
	const scram = "org.apache.kafka.common.security.scram.ScramLoginModule required;"
	return [][2]string{
		{"ssl.keystore.type", "PKCS12"},
		{"ssl.keystore.location", s.keystore},
		{"ssl.keystore.password", s.storePass},
		{"ssl.key.password", s.storePass},
		{"sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512"},
		{"listener.name.sasl_ssl.plain.sasl.jaas.config", plain},
		{"listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config", scram},
		{"listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config", scram},
	}
}

// randomSecret returns 128 random bits in hex: safe inside the quotes of a JAAS line and
// on the storage tool's command line.
func randomSecret() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generate a password: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// lookKeytool finds the keytool of the JDK that runs java, else one on PATH.
func lookKeytool(java string) (string, error) {
	if real, err := filepath.EvalSymlinks(java); err == nil {
		p := filepath.Join(filepath.Dir(real), "keytool")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, nil
		}
	}
	p, err := exec.LookPath("keytool")
	if err != nil {
		return "", fmt.Errorf("keytool not found beside %s nor on PATH: the local broker's TLS listener needs "+
			"the JDK's keytool (install a full JDK, e.g. Debian's openjdk-17-jdk-headless): %w", java, err)
	}
	return p, nil
}

// ReadPassword returns the password of KafkaUser on the local broker st describes.
func (s KafkaState) ReadPassword() (string, error) {
	if s.PasswordFile == "" {
		return "", fmt.Errorf("the local Kafka broker at %s has no SASL listener (started by an older bench?)", s.Address)
	}
	b, err := os.ReadFile(s.PasswordFile)
	if err != nil {
		return "", fmt.Errorf("the local Kafka broker's SASL password: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}
