package kinesis_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"streambench/drivers"
	"streambench/drivers/kinesis"
)

// TestProfileAssumesItsRole: a profile of the shared config file that names a role to
// assume (role_arn with source_profile) makes Open ask STS for that role with the source
// profile's keys. STS is an httptest fake here; the test is of our wiring, not of AWS.
func TestProfileAssumesItsRole(t *testing.T) {
	var mu sync.Mutex
	var calls []url.Values
	var auth []string
	sts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		mu.Lock()
		calls = append(calls, form)
		auth = append(auth, r.Header.Get("Authorization"))
		mu.Unlock()
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprintf(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
<AssumeRoleResult><Credentials><AccessKeyId>ASIAASSUMED</AccessKeyId><SecretAccessKey>assumed-secret</SecretAccessKey>
<SessionToken>assumed-token</SessionToken><Expiration>%s</Expiration></Credentials>
<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/bench/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser>
</AssumeRoleResult></AssumeRoleResponse>`, time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	}))
	defer sts.Close()

	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "config")
	if err := os.WriteFile(cfgFile, []byte(`[profile bench]
role_arn = arn:aws:iam::123456789012:role/bench
source_profile = base

[profile base]
aws_access_key_id = AKIDBASE
aws_secret_access_key = base-secret
`), 0o600); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"AWS_CONFIG_FILE": cfgFile, "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "none"),
		"AWS_ENDPOINT_URL_STS": sts.URL, "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "",
		"AWS_SESSION_TOKEN": "", "AWS_PROFILE": "", "AWS_EC2_METADATA_DISABLED": "true",
	} {
		t.Setenv(k, v)
	}
	d, err := kinesis.Open(context.Background(), drivers.Config{
		Address:    "https://kinesis.eu-west-1.amazonaws.com",
		Connection: &kinesis.Connection{Profile: "bench"},
	})
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	mu.Lock()
	defer mu.Unlock()
	if len(calls) != 1 || calls[0].Get("Action") != "AssumeRole" || calls[0].Get("RoleArn") != "arn:aws:iam::123456789012:role/bench" {
		t.Fatalf("STS calls %v, want one AssumeRole of the profile's role", calls)
	}
	if !strings.Contains(auth[0], "Credential=AKIDBASE/") {
		t.Errorf("AssumeRole signed with %q, want the source profile's key", auth[0])
	}

	// Without the profile, the chain finds no credentials at all, and says where it looked.
	_, err = kinesis.Open(context.Background(), drivers.Config{Address: "https://kinesis.eu-west-1.amazonaws.com"})
	if err == nil || !strings.Contains(err.Error(), "no AWS credentials from the standard chain") {
		t.Errorf("Open with no credentials: %v", err)
	}
}
