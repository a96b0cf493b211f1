package verify

import (
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"

	"github.com/goccy/go-yaml/ast"

	"streambench/internal/strictyaml"
	"streambench/report"
)

// Prices are the unit prices the cost metrics are computed from. They are inputs with
// a date and a source, never truths of the program: no price is written in Go.
type Prices struct {
	// Path is the prices file.
	Path string
	// AsOf is when the prices were taken (YYYY-MM-DD), Source where from.
	AsOf, Source string
	// Currency is what every price is in, e.g. USD.
	Currency string
	Kinesis  KinesisPrices
	Kafka    KafkaPrices
}

// KinesisPrices are Amazon Kinesis Data Streams' unit prices.
type KinesisPrices struct {
	// ShardHour and PutPayloadUnitsPerMillion are the provisioned mode's prices.
	ShardHour                 float64
	PutPayloadUnitsPerMillion float64
	// The on-demand mode's prices: per stream and hour, per GB written and read.
	OnDemandStreamHour     float64
	OnDemandPerGBIngested  float64
	OnDemandPerGBRetrieved float64
}

// KafkaPrices are what running Kafka on one's own machines costs.
type KafkaPrices struct {
	// Brokers is how many machines a production cluster runs, BrokerHour what each
	// costs an hour.
	Brokers    int
	BrokerHour float64
	// StorageGBMonth is the price of a GB of disk for a month, RetainedHours how much of
	// the stream is kept; both zero when storage is left out of the estimate.
	StorageGBMonth float64
	RetainedHours  float64
}

// The month of every cost estimate, and the billing units AWS documents on its
// Kinesis Data Streams pricing page (units of measure, not prices).
const (
	hoursPerMonth = 730
	// A PUT payload unit is a 25 KB chunk of a record (KB of 1,024 bytes, as the page
	// defines it for on-demand records); every record counts at least one.
	putPayloadUnitBytes = 25 * 1024
	// In on-demand mode, each record's size is rounded up to the next 1 KB (1,024
	// bytes) for data ingested.
	onDemandRecordBytes = 1024
)

// monthly is the number of messages a month at the result's received rate, the rate a
// real deployment would have to carry.
func monthly(r *report.Result) float64 {
	return r.Throughput.ReceivedMsgsPerS * hoursPerMonth * 3600
}

// kinesisProvisioned is a month of the workload on a provisioned stream with one shard
// per partition of the scenario.
func (p *Prices) kinesisProvisioned(r *report.Result) float64 {
	shards := float64(r.Scenario.Topology.Partitions)
	units := math.Max(1, math.Ceil(float64(r.Scenario.Workload.MessageSize)/putPayloadUnitBytes))
	return shards*p.Kinesis.ShardHour*hoursPerMonth +
		units*monthly(r)/1e6*p.Kinesis.PutPayloadUnitsPerMillion
}

// kinesisOnDemand is a month of the workload on an on-demand stream read by one
// consumer. What is read is priced on the same (rounded) volume as what was written.
func (p *Prices) kinesisOnDemand(r *report.Result) float64 {
	size := math.Max(1, math.Ceil(float64(r.Scenario.Workload.MessageSize)/onDemandRecordBytes)) * onDemandRecordBytes
	gb := monthly(r) * size / 1e9
	return p.Kinesis.OnDemandStreamHour*hoursPerMonth + gb*p.Kinesis.OnDemandPerGBIngested + gb*p.Kinesis.OnDemandPerGBRetrieved
}

// kafka is a month of the cluster the prices file describes, with the disk for the
// retained part of the stream when the file prices storage.
func (p *Prices) kafka(r *report.Result) float64 {
	retainedGB := r.Throughput.ReceivedMsgsPerS * float64(r.Scenario.Workload.MessageSize) * p.Kafka.RetainedHours * 3600 / 1e9
	return float64(p.Kafka.Brokers)*p.Kafka.BrokerHour*hoursPerMonth + p.Kafka.StorageGBMonth*retainedGB
}

var datePattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// loadPrices reads and checks a prices file, returning every problem found.
func loadPrices(path string) (*Prices, strictyaml.Errors) {
	d := &decoder{Decoder: strictyaml.New(path)}
	body := d.read(pricesKind)
	if body == nil {
		return nil, d.Errs
	}
	p := &Prices{Path: path}
	f, _ := d.Fields("", body, "as_of", "source", "currency", "kinesis", "kafka")
	if n, ok := d.Required(f, body, "", "as_of", "when the prices were taken, as YYYY-MM-DD"); ok {
		if p.AsOf, ok = d.Text("as_of", n); ok && !datePattern.MatchString(p.AsOf) {
			d.Report(n, "as_of", fmt.Sprintf("want a date as YYYY-MM-DD, not %q", p.AsOf))
		}
	}
	if n, ok := d.Required(f, body, "", "source", "where the prices come from"); ok {
		p.Source, _ = d.Text("source", n)
	}
	if n, ok := d.Required(f, body, "", "currency", "what the prices are in, e.g. USD"); ok {
		p.Currency, _ = d.Text("currency", n)
	}
	if n, ok := d.Required(f, body, "", "kinesis", "Kinesis Data Streams' prices"); ok {
		k := &p.Kinesis
		d.prices("kinesis", n, map[string]*float64{
			"shard_hour":                    &k.ShardHour,
			"put_payload_units_per_million": &k.PutPayloadUnitsPerMillion,
			"on_demand_stream_hour":         &k.OnDemandStreamHour,
			"on_demand_per_gb_ingested":     &k.OnDemandPerGBIngested,
			"on_demand_per_gb_retrieved":    &k.OnDemandPerGBRetrieved,
		}, nil)
	}
	if n, ok := d.Required(f, body, "", "kafka", "the prices of running Kafka"); ok {
		var brokers float64
		d.prices("kafka", n, map[string]*float64{
			"brokers":     &brokers,
			"broker_hour": &p.Kafka.BrokerHour,
		}, map[string]*float64{
			"storage_gb_month": &p.Kafka.StorageGBMonth,
			"retained_hours":   &p.Kafka.RetainedHours,
		})
		p.Kafka.Brokers = int(brokers)
		if hasKey(n, "brokers") && !d.FailedAt("kafka.brokers") && (brokers != math.Trunc(brokers) || brokers < 1) {
			d.Report(field(n, "brokers"), "kafka.brokers", fmt.Sprintf("want a whole number of brokers, at least 1, not %v", brokers))
		}
		if hasKey(n, "storage_gb_month") != hasKey(n, "retained_hours") {
			d.Report(n, "kafka", "storage_gb_month and retained_hours go together: give both to price storage, or neither")
		}
	}
	return p, d.Errs
}

// prices reads a mapping of prices: every key of required must be there, those of
// optional may be; none may be negative.
func (d *decoder) prices(path string, n ast.Node, required, optional map[string]*float64) {
	var known []string
	for k := range required {
		known = append(known, k)
	}
	for k := range optional {
		known = append(known, k)
	}
	f, ok := d.Fields(path, n, known...)
	if !ok {
		return
	}
	for _, k := range slices.Sorted(maps.Keys(required)) {
		if v, ok := d.Required(f, n, path, k, "a price"); ok {
			d.price(strictyaml.Join(path, k), v, required[k])
		}
	}
	for _, k := range slices.Sorted(maps.Keys(optional)) {
		if v, ok := f[k]; ok {
			d.price(strictyaml.Join(path, k), v, optional[k])
		}
	}
}

func (d *decoder) price(path string, n ast.Node, dst *float64) {
	x, ok := d.Number(path, n)
	if !ok {
		return
	}
	if x < 0 {
		d.Fail(n, path, fmt.Sprintf("must not be negative, not %v", x))
		return
	}
	*dst = x
}
