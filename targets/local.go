package targets

import (
	"cmp"
	"context"
	"fmt"
	"os"

	"streambench/brokers"
	"streambench/drivers"
	"streambench/drivers/kafka"
	"streambench/drivers/kinesis"
)

// local uses the broker of 'bench brokers up', or starts one for the run.
func local(ctx context.Context, t target, o Options, ep *Endpoint) error {
	switch t.local {
	case noLocalBroker:
		return fmt.Errorf("%s has no local process here (it is not published on the registries this "+
			"project fetches from): use --env docker, --env compose, or %s", t.label(), t.cluster.flag)
	case kinesisEngine:
		return localKinesis(ctx, o, ep)
	}
	return localKafka(ctx, t, o, ep)
}

func localKafka(ctx context.Context, t target, o Options, ep *Endpoint) error {
	st, running, err := brokers.KafkaStatus(ctx, o.Kafka)
	if running || st.PID != 0 {
		ep.Why = fmt.Sprintf("the local broker started by 'bench brokers up' (pid %d)%s", st.PID, busy(err))
		ep.Control = o.Kafka.Detached()
	} else {
		o.logf("starting a local %s %s broker for this run (the first start fetches its jars with Maven)", brokers.KafkaProduct, brokers.KafkaVersion)
		ko := o.Kafka
		ko.Log = cmp.Or(ko.Log, o.Log)
		k, err := brokers.StartKafka(ctx, ko)
		if err != nil {
			return fmt.Errorf("%w (or point at a cluster with --kafka-brokers or $%s)", err, EnvKafkaBrokers)
		}
		st = k.Info()
		ep.Why = fmt.Sprintf("no cluster was named, so bench started one (pid %d, log %s)", k.PID(), k.LogPath())
		ep.Stop, ep.Control = k.Stop, k.Faults()
	}
	ep.Broker = drivers.BrokerInfo{Product: st.Product, Version: st.Version}
	ep.Address = st.Address
	var sec *kafka.Security
	switch t.listener {
	case listenerTLS:
		ep.Address = st.TLSAddress
		sec = &kafka.Security{CAFile: st.CertFile}
	case listenerSCRAM:
		password, err := st.ReadPassword()
		if err != nil {
			return err
		}
		ep.Address = st.SASLAddress
		sec = &kafka.Security{CAFile: st.CertFile, Mechanism: kafka.MechSCRAM512, User: brokers.KafkaUser, Password: drivers.Secret(password)}
	}
	if o.Proxy {
		if sec != nil {
			return fmt.Errorf("network faults go through the local broker's plaintext fault listener: use target kafka, not %s", t.name)
		}
		return proxyKafka(st, ep)
	}
	if sec != nil {
		if ep.Address == "" {
			return fmt.Errorf("the local broker at %s has no %s listener: it was started by an older bench; restart it with 'bench brokers down && bench brokers up'", st.Address, t.listener)
		}
		if err := sec.Resolve(); err != nil {
			return err
		}
		ep.Connection, ep.Security = sec, sec.String()
	}
	return nil
}

// engineNotes are what every result from a local Kinesis engine says.
var engineNotes = map[string]string{
	brokers.EngineKinesisMock: "kinesis-mock is an emulator: it enforces none of AWS's write quotas " +
		"(1 MiB/s and 1,000 records/s per shard), delivers enhanced fan-out events once a second, slows as a " +
		"stream fills, and runs on this machine; its latency and throughput describe the emulator, not Amazon Kinesis",
	brokers.EngineFerrokinesis: "ferrokinesis is an emulator running on this machine: its latency and throughput " +
		"describe the emulator, not Amazon Kinesis; where the write quotas it enforces (AWS's published 1 MiB/s and " +
		"1,000 records/s per shard) bound a figure, the bound is AWS's, not the emulator's speed",
}

func localKinesis(ctx context.Context, o Options, ep *Endpoint) error {
	ko := o.Kinesis
	ko.Log = cmp.Or(ko.Log, o.Log)
	engine, why, err := brokers.KinesisEngineChoice(ko.Engine, ko.CacheDir)
	if err != nil {
		return err
	}
	ko.Engine = engine
	st, running, err := brokers.KinesisStatus(ctx, ko)
	if running || st.PID != 0 {
		if st.WriteQuotas == ko.WantsWriteQuotas() {
			ep.Address = st.Endpoint
			ep.Why = fmt.Sprintf("the local %s started by 'bench brokers up' (pid %d; %s)%s", st.Product, st.PID, why, busy(err))
			ep.Control = ko.Detached()
			labelEngine(ep, st)
			return kinesisProxy(o, ep)
		}
		o.logf("the %s of 'bench brokers up' runs with %s; this run asks otherwise, so it gets its own", st.Product, st.QuotaText())
		// Its own: on free ports, beside the detached one.
		ko.FreePorts = true
	}
	o.logf("starting a local %s for this run (%s)", engine, why)
	k, err := brokers.StartKinesis(ctx, ko)
	if err != nil {
		return fmt.Errorf("%w (or point at an endpoint with --kinesis-endpoint or $%s)", err, EnvKinesisEndpoint)
	}
	ep.Address, ep.Stop = k.Endpoint(), k.Stop
	ep.Why = fmt.Sprintf("no endpoint was named, so bench started %s (%s; pid %d, log %s)", engine, why, k.PID(), k.LogPath())
	ep.Control = k.Faults()
	labelEngine(ep, k.Info())
	return kinesisProxy(o, ep)
}

// labelEngine says which local engine serves ep, and what its numbers are evidence of.
func labelEngine(ep *Endpoint, st brokers.KinesisState) {
	ep.Emulator = true
	ep.Broker = drivers.BrokerInfo{Product: st.Product, Version: st.Version}
	ep.WriteQuotas = st.WriteQuotas
	ep.Notes = append(ep.Notes, engineNotes[st.Product])
}

// kinesisProxy puts a fault proxy in front of the local kinesis-mock if o asks for one.
func kinesisProxy(o Options, ep *Endpoint) error {
	if !o.Proxy {
		return nil
	}
	return proxyKinesis(ep)
}

// externalKinesis uses Amazon Kinesis ("aws") or the endpoint the user named.
func externalKinesis(ctx context.Context, o Options, ep *Endpoint, endpoint, from string) error {
	ep.Connection = &kinesis.Connection{Profile: o.AWSProfile}
	if endpoint == "aws" {
		region := cmp.Or(o.KinesisRegion, os.Getenv("AWS_REGION"), os.Getenv("AWS_DEFAULT_REGION"))
		if region == "" {
			return fmt.Errorf("Amazon Kinesis needs a region: give --kinesis-region or set $AWS_REGION")
		}
		ep.Address = "https://kinesis." + region + ".amazonaws.com"
		ep.Why = fmt.Sprintf("Amazon Kinesis in %s, as %s asks, with the standard AWS credential chain", region, from)
	} else {
		ep.Address = endpoint
		ep.Why = "the endpoint named by " + from
		if st, ok := brokers.KinesisEngineOf(ctx, endpoint, o.Kinesis); ok {
			ep.Why += fmt.Sprintf(", the local %s %s of 'bench brokers up' (%s)", st.Product, st.Version, st.QuotaText())
			labelEngine(ep, st)
			return nil
		}
		if !kinesis.IsAWS(endpoint) {
			ep.Why += "; it is not an AWS endpoint, so its numbers are labelled as an emulator's"
			markEmulator(ep, "the endpoint")
			return nil
		}
	}
	if p := cmp.Or(o.AWSProfile, os.Getenv("AWS_PROFILE")); p != "" {
		ep.Why += " (profile " + p + ")"
	}
	return nil
}

// busy notes that the detached broker is alive but did not answer its status check: it
// is still the one to use (another could not take its ports), and the run will say how
// it fares.
func busy(statusErr error) string {
	if statusErr == nil {
		return ""
	}
	return fmt.Sprintf(", alive but slow to answer its status check (%v)", statusErr)
}
