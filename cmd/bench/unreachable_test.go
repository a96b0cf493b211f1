package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// closedPort returns a port on 127.0.0.1 that nothing listens on: one that was just
// listened on and closed.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// unsetenv unsets key for the rest of the test, as t.Setenv does for a value.
func unsetenv(t *testing.T, key string) {
	t.Helper()
	t.Setenv(key, "") // restores the old value after the test
	os.Unsetenv(key)
}

// noAWSCredentials leaves the AWS SDK nothing to find credentials in, and sends any
// request that would leave the machine to a closed port instead.
func noAWSCredentials(t *testing.T) {
	t.Helper()
	for _, k := range []string{
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
		"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_EC2_METADATA_SERVICE_ENDPOINT",
	} {
		unsetenv(t, k)
	}
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CONFIG_FILE", empty)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", empty)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	// Should anything still be sent to AWS, it goes to a closed local port (Go never
	// proxies loopback addresses, so the local cases are unaffected).
	proxy := "http://" + closedPort(t)
	t.Setenv("HTTPS_PROXY", proxy)
	t.Setenv("HTTP_PROXY", proxy)
}

// TestUnreachableTargetsFailFast runs bench, as a user would, at addresses where no
// broker answers or something else does: each run must fail within 15 s, naming the
// address and what was tried, without printing a secret or writing a result.
func TestUnreachableTargetsFailFast(t *testing.T) {
	notKinesis := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte("<html><body><h1>Not Found</h1></body></html>"))
	}))
	defer notKinesis.Close()
	notKafka := httptest.NewServer(http.NotFoundHandler())
	defer notKafka.Close()
	const secret = "do-not-print-this-secret-7f3a"
	sc := writeScenario(t, `
name: unreachable
targets: [kafka, kinesis]
duration: 2s
warmup: 0s
workload: {rate: 10}
`)
	for _, tc := range []struct {
		name  string
		args  []string
		env   func(t *testing.T) // more of the environment
		wants []string
		// unwanted must not be said: a hint that does not apply.
		unwanted []string
	}{
		{
			name:  "kafka host that does not resolve",
			args:  []string{"--target", "kafka", "--kafka-brokers", "nosuch.invalid:9092"},
			wants: []string{"kafka at nosuch.invalid:9092", "asking for API versions", "lookup nosuch.invalid", "no such host"},
		},
		{
			name:  "kafka closed port",
			args:  []string{"--target", "kafka", "--kafka-brokers", "CLOSED"},
			wants: []string{"kafka at CLOSED: asking for API versions", "dial tcp CLOSED: connect: connection refused"},
		},
		{
			name: "kafka address that answers HTTP",
			args: []string{"--target", "kafka", "--kafka-brokers", notKafka.Listener.Addr().String()},
			wants: []string{"kafka at " + notKafka.Listener.Addr().String() + ": asking for API versions",
				"accepts connections but", "is it a Kafka listener"},
		},
		{
			name:     "kinesis closed port",
			args:     []string{"--target", "kinesis", "--kinesis-endpoint", "http://CLOSED"},
			wants:    []string{"kinesis at http://CLOSED: creating stream", "dial tcp CLOSED: connect: connection refused"},
			unwanted: []string{"answered HTTP"},
		},
		{
			name: "kinesis endpoint that is a web server",
			args: []string{"--target", "kinesis", "--kinesis-endpoint", notKinesis.URL},
			wants: []string{"kinesis at " + notKinesis.URL + ": creating stream",
				notKinesis.URL + " answered HTTP 404 (text/html; charset=utf-8), not as the Kinesis API does", "--kinesis-endpoint"},
		},
		{
			name: "amazon kinesis without credentials",
			args: []string{"--target", "kinesis", "--kinesis-region", "eu-west-1"},
			env:  noAWSCredentials,
			wants: []string{"kinesis at https://kinesis.eu-west-1.amazonaws.com: no AWS credentials from the standard chain",
				"AWS_EC2_METADATA_DISABLED"},
		},
		{
			// The instance metadata service is the last link of the chain: here it is
			// asked, at a closed local port.
			name: "amazon kinesis without credentials, metadata service asked",
			args: []string{"--target", "kinesis", "--kinesis-region", "eu-west-1"},
			env: func(t *testing.T) {
				noAWSCredentials(t)
				unsetenv(t, "AWS_EC2_METADATA_DISABLED")
				t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://CLOSED")
			},
			wants: []string{"kinesis at https://kinesis.eu-west-1.amazonaws.com: no AWS credentials", "dial tcp CLOSED: connect: connection refused"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			closed := closedPort(t)
			t.Setenv("BENCH_KAFKA_PASSWORD", secret)
			t.Setenv("AWS_SECRET_ACCESS_KEY", secret)
			t.Setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE")
			if tc.env != nil {
				tc.env(t)
			}
			if v, ok := os.LookupEnv("AWS_EC2_METADATA_SERVICE_ENDPOINT"); ok {
				t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", strings.ReplaceAll(v, "CLOSED", closed))
			}
			out := t.TempDir()
			args := []string{"run", sc, "--out", out}
			for _, a := range tc.args {
				args = append(args, strings.ReplaceAll(a, "CLOSED", closed))
			}
			start := time.Now()
			code, stdout, stderr := runBench(args...)
			took := time.Since(start)
			t.Logf("%s, exit %d:\n%s", took.Round(time.Millisecond), code, stderr)
			if code == exitOK {
				t.Errorf("exit 0")
			}
			if took >= 15*time.Second {
				t.Errorf("took %s to fail; want under 15 s", took)
			}
			for _, want := range tc.wants {
				if want = strings.ReplaceAll(want, "CLOSED", closed); !strings.Contains(stderr, want) {
					t.Errorf("stderr lacks %q", want)
				}
			}
			for _, bad := range tc.unwanted {
				if strings.Contains(stderr, bad) {
					t.Errorf("stderr says %q", bad)
				}
			}
			if files, _ := filepath.Glob(filepath.Join(out, "*", "*")); len(files) > 0 {
				t.Errorf("files written: %v", files)
			}
			assertNoSecret(t, secret, out, stdout+stderr)
		})
	}
}
