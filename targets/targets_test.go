package targets

import (
	"context"
	"strings"
	"testing"
)

func TestResolveNamedCluster(t *testing.T) {
	t.Setenv(EnvKafkaBrokers, "10.1.2.3:9092")
	for _, tc := range []struct {
		flag, wantAddr, wantWhy string
	}{
		{"", "10.1.2.3:9092", "$" + EnvKafkaBrokers},
		{"127.0.0.1:1,127.0.0.1:2", "127.0.0.1:1,127.0.0.1:2", "--kafka-brokers"},
	} {
		ep, err := Resolve(context.Background(), "kafka", Options{KafkaBrokers: tc.flag})
		if err != nil {
			t.Fatal(err)
		}
		if ep.Address != tc.wantAddr || ep.Env != "external" || ep.Driver != "kafka" || !strings.Contains(ep.Why, tc.wantWhy) {
			t.Errorf("flag %q: endpoint %+v", tc.flag, ep)
		}
		if err := ep.Stop(context.Background()); err != nil {
			t.Errorf("Stop of an external cluster: %v", err)
		}
	}
}

func TestResolveLoopbackAndUnknown(t *testing.T) {
	ep, err := Resolve(context.Background(), "loopback", Options{})
	if err != nil || ep.Env != "in-process" || ep.Emulator {
		t.Errorf("loopback: %+v, %v", ep, err)
	}
	if _, err := Resolve(context.Background(), "kafak", Options{}); err == nil || !strings.Contains(err.Error(), "known: kafka, loopback") {
		t.Errorf("unknown target: %v", err)
	}
	for _, name := range Names() {
		if _, err := Registry().Lookup(name); err != nil {
			t.Errorf("target %s has no driver: %v", name, err)
		}
	}
}
