package targets

import (
	"context"
	"fmt"
	"strings"

	"streambench/brokers"
	"streambench/brokers/containers"
)

// The environments a broker can be found in.
const (
	EnvAuto     = "auto"
	EnvLocal    = "local"
	EnvDocker   = "docker"
	EnvCompose  = "compose"
	EnvExternal = "external"
)

// Envs lists the environments, for flags and messages.
var Envs = []string{EnvAuto, EnvLocal, EnvDocker, EnvCompose, EnvExternal}

// chooseEnv returns the environment of target t and why. Unless o.Env names one, it is
// the first that applies of: a cluster named by a flag or variable (external, unless it
// is the local broker of 'bench brokers up'); that local broker, running (local); the services of
// docker-compose.yml, already answering (compose); a Docker engine that answers
// (docker); else a local process started for the run (local). The local broker's TLS
// listeners exist only in the local environment.
func chooseEnv(ctx context.Context, t target, o Options) (env, why string, err error) {
	addr, from := named(t, o)
	switch o.Env {
	case EnvExternal, EnvDocker, EnvCompose:
		return o.Env, "--env " + o.Env, nil
	case EnvLocal:
		if local, up := localUp(ctx, t, o); addr != "" && !(up && addr == local) {
			return "", "", fmt.Errorf("--env local, but %s names a cluster (%s): drop one of the two", from, addr)
		}
		return EnvLocal, "--env local", nil
	case "", EnvAuto:
	default:
		return "", "", fmt.Errorf("unknown environment %q (known: %s)", o.Env, strings.Join(Envs, ", "))
	}
	local, up := localUp(ctx, t, o)
	switch {
	case addr != "" && up && addr == local:
		return EnvLocal, "auto: " + from + " names the local broker of 'bench brokers up'", nil
	case addr != "":
		return EnvExternal, "auto: " + from + " names a cluster", nil
	case t.listener != "":
		return EnvLocal, "auto: only the local broker has this listener", nil
	case up:
		return EnvLocal, "auto: the local broker of 'bench brokers up' is running", nil
	}
	if t.service != nil {
		check := o.Compose
		if check == nil {
			check = containers.ComposeCheck
		}
		if check(ctx, t.service.name) == nil {
			return EnvCompose, "auto: the " + t.service.name + " service of docker-compose.yml answers", nil
		}
	}
	dockerCheck := o.Docker
	if dockerCheck == nil {
		dockerCheck = containers.CheckDocker
	}
	host, err := dockerCheck(ctx)
	if err == nil {
		return EnvDocker, "auto: a Docker engine answers at " + host, nil
	}
	if t.local == noLocalBroker {
		return "", "", fmt.Errorf("%s has no local process here, and %v; name a cluster with %s, "+
			"or run where Docker is (--env docker or compose)", t.label(), err, t.cluster.flag)
	}
	return EnvLocal, "auto: no cluster named and no Docker engine", nil
}

// localUp returns the address of the detached local broker for t, and whether it is
// running.
func localUp(ctx context.Context, t target, o Options) (addr string, running bool) {
	switch t.local {
	case kafkaBroker:
		st, running, _ := brokers.KafkaStatus(ctx, o.Kafka)
		return st.Address, running
	case kinesisEngine:
		st, running, _ := brokers.KinesisStatus(ctx, o.Kinesis)
		return st.Endpoint, running
	}
	return "", false
}
