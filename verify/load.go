package verify

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"streambench/internal/strictyaml"
	"streambench/internal/yamlast"
)

// LoadClaims reads and checks a claims file and the prices file it names. Scenario
// and prices paths in the file are relative to it. On failure the error is a
// strictyaml.Errors listing every problem of both files, each as file:line:column.
func LoadClaims(path string) (*Claims, error) {
	d := &decoder{Decoder: strictyaml.New(path)}
	c := &Claims{Path: path}
	var prices strictyaml.Errors
	if body := d.read(claimsKind); body != nil {
		prices = d.claims(c, body)
	}
	d.Errs.Sort()
	prices.Sort()
	if errs := append(d.Errs, prices...); len(errs) > 0 {
		return nil, errs
	}
	return c, nil
}

// relative resolves a path written in the claims file.
func (d *decoder) relative(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(filepath.Dir(d.File), p)
}

// claims decodes the claims file's body onto c, returning the prices file's problems.
func (d *decoder) claims(c *Claims, body ast.Node) strictyaml.Errors {
	f, _ := d.Fields("", body, "prices", "claims")
	var priceErrs strictyaml.Errors
	d.pricesGiven = hasKey(body, "prices")
	if n, ok := f["prices"]; ok {
		if p, ok := d.Text("prices", n); ok {
			file := d.relative(p)
			if _, err := os.Stat(file); err != nil {
				d.Report(n, "prices", fmt.Sprintf("prices file %s: %v", file, unwrapPath(err)))
			} else {
				c.Prices, priceErrs = loadPrices(file)
			}
		}
	}
	n, ok := d.Required(f, body, "", "claims", "the list of claims")
	if !ok {
		return priceErrs
	}
	items, ok := d.List("claims", n)
	if ok && len(items) == 0 {
		d.Report(n, "claims", "no claims: list at least one")
	}
	ids := map[string]int{}
	for i, item := range items {
		path := fmt.Sprintf("claims[%d]", i)
		cl, ok := d.claim(path, item)
		if !ok {
			continue
		}
		if cl.ID != "" {
			if line, dup := ids[cl.ID]; dup {
				d.Report(field(item, "id"), path+".id", fmt.Sprintf("duplicate id %q (first given at line %d)", cl.ID, line))
			} else {
				ids[cl.ID] = strictyaml.PosOf(field(item, "id")).Line
			}
		}
		c.Claims = append(c.Claims, cl)
	}
	return priceErrs
}

// claim decodes one claim; false when it is not a mapping at all.
func (d *decoder) claim(path string, n ast.Node) (Claim, bool) {
	var cl Claim
	f, ok := d.Fields(path, n, "id", "claim", "measurable", "reason", "scenarios", "checks", "info", "references")
	if !ok {
		return cl, false
	}
	if v, ok := d.Required(f, n, path, "id", "the claim's id, e.g. C6"); ok {
		cl.ID, _ = d.Text(path+".id", v)
	}
	if v, ok := d.Required(f, n, path, "claim", "the claim as the tutorial states it"); ok {
		cl.Text, _ = d.Text(path+".claim", v)
	}
	if v, ok := d.Required(f, n, path, "measurable", "yes, partly or no"); ok {
		cl.Measurable = d.measurable(path+".measurable", v)
	}
	if v, ok := f["reason"]; ok {
		cl.Reason, _ = d.Text(path+".reason", v)
	}
	not := cl.Measurable == "no"
	if not && !hasKey(n, "reason") {
		d.Report(n, path+".reason", "required when measurable is no: why no benchmark can check the claim")
	}
	if v, ok := f["scenarios"]; ok {
		if not {
			d.Report(v, path+".scenarios", "a claim that is not measurable runs no scenarios")
		}
		items, _ := d.List(path+".scenarios", v)
		for i, item := range items {
			at := fmt.Sprintf("%s.scenarios[%d]", path, i)
			if s, ok := d.Text(at, item); ok {
				file := d.relative(s)
				if _, err := os.Stat(file); err != nil {
					d.Report(item, at, fmt.Sprintf("scenario file %s: %v", file, unwrapPath(err)))
				}
				cl.Scenarios = append(cl.Scenarios, file)
			}
		}
	} else if !not && (hasKey(n, "checks") || hasKey(n, "info")) {
		d.Report(n, path+".scenarios", "required with checks or info: the scenario files that bear on the claim")
	} else if cl.Measurable != "" && !not && !hasKey(n, "reason") {
		d.Report(n, path+".reason", "required for a claim with no checks: why no run checks it")
	}
	for key, what := range map[string]string{"checks": "checks", "info": "info lines"} {
		if v, ok := f[key]; ok && not {
			d.Report(v, path+"."+key, fmt.Sprintf("a claim that is not measurable has no %s", what))
		}
	}
	if v, ok := f["checks"]; ok {
		items, _ := d.List(path+".checks", v)
		for i, item := range items {
			if ch, ok := d.check(fmt.Sprintf("%s.checks[%d]", path, i), item); ok {
				cl.Checks = append(cl.Checks, ch)
			}
		}
	}
	if v, ok := f["info"]; ok {
		items, _ := d.List(path+".info", v)
		for i, item := range items {
			if in, ok := d.info(fmt.Sprintf("%s.info[%d]", path, i), item); ok {
				cl.Info = append(cl.Info, in)
			}
		}
	}
	if v, ok := f["references"]; ok {
		items, _ := d.List(path+".references", v)
		for i, item := range items {
			if r, ok := d.reference(fmt.Sprintf("%s.references[%d]", path, i), item); ok {
				cl.References = append(cl.References, r)
			}
		}
	}
	return cl, true
}

// reference decodes one published reference point: each of its fields is required, so
// that a figure from elsewhere never appears without its source and date.
func (d *decoder) reference(path string, n ast.Node) (Reference, bool) {
	var r Reference
	f, ok := d.Fields(path, n, "says", "source", "date")
	if !ok {
		return r, false
	}
	for _, fd := range []struct {
		key, what string
		dst       *string
	}{
		{"says", "the published figure in words", &r.Says},
		{"source", "who published it, and where", &r.Source},
		{"date", "when it was published or measured", &r.Date},
	} {
		if v, ok := d.Required(f, n, path, fd.key, fd.what); ok {
			*fd.dst, _ = d.Text(path+"."+fd.key, v)
		}
	}
	return r, true
}

// measurable reads yes, partly or no; YAML's booleans are taken as yes and no.
func (d *decoder) measurable(path string, n ast.Node) string {
	n, ok := d.Plain(path, n)
	if !ok {
		return ""
	}
	if b, ok := n.(*ast.BoolNode); ok {
		if b.Value {
			return "yes"
		}
		return "no"
	}
	s, ok := d.Text(path, n)
	if !ok {
		return ""
	}
	known := []string{"yes", "partly", "no"}
	if !slices.Contains(known, s) {
		d.Report(n, path, fmt.Sprintf("want yes, partly or no, not %q", s))
		return ""
	}
	return s
}

// check decodes one check.
func (d *decoder) check(path string, n ast.Node) (Check, bool) {
	var ch Check
	ops := []string{string(AtLeast), string(AtMost), string(Equals)}
	f, ok := d.Fields(path, n, append([]string{"says", "left", "right"}, ops...)...)
	if !ok {
		return ch, false
	}
	if v, ok := d.Required(f, n, path, "says", "the prediction in words"); ok {
		ch.Says, _ = d.Text(path+".says", v)
	}
	ch.Left, ch.Right = d.sides(path, n, f)
	var given []string
	for _, op := range ops {
		if v, ok := f[op]; ok {
			given = append(given, op)
			ch.Op = Op(op)
			ch.Threshold, _ = d.Number(path+"."+op, v)
		}
	}
	switch len(given) {
	case 0:
		d.Report(n, path, "no threshold: give one of at_least, at_most or equals")
	case 1:
	default:
		d.Report(f[given[1]], path+"."+given[1], fmt.Sprintf("%s thresholds given: give exactly one of at_least, at_most or equals", strings.Join(given, " and ")))
	}
	return ch, true
}

// info decodes one info line.
func (d *decoder) info(path string, n ast.Node) (Info, bool) {
	var in Info
	f, ok := d.Fields(path, n, "label", "left", "right")
	if !ok {
		return in, false
	}
	if v, ok := d.Required(f, n, path, "label", "what the number is"); ok {
		in.Label, _ = d.Text(path+".label", v)
	}
	in.Left, in.Right = d.sides(path, n, f)
	return in, true
}

// sides decodes the left reference (required) and the right one (optional).
func (d *decoder) sides(path string, n ast.Node, f map[string]ast.Node) (Ref, *Ref) {
	var left Ref
	var right *Ref
	if v, ok := d.Required(f, n, path, "left", "the figure judged, {scenario, target, metric}"); ok {
		left = d.ref(path+".left", v)
	}
	if v, ok := f["right"]; ok {
		r := d.ref(path+".right", v)
		right = &r
	}
	return left, right
}

// ref decodes a reference to a figure; its metric must be one Evaluate knows.
func (d *decoder) ref(path string, n ast.Node) Ref {
	var r Ref
	f, ok := d.Fields(path, n, "scenario", "target", "metric", "sweep")
	if !ok {
		return r
	}
	if v, ok := d.Required(f, n, path, "scenario", "the scenario's name"); ok {
		r.Scenario, _ = d.Text(path+".scenario", v)
	}
	if v, ok := d.Required(f, n, path, "target", "the target's name"); ok {
		r.Target, _ = d.Text(path+".target", v)
	}
	if v, ok := d.Required(f, n, path, "metric", "a metric, e.g. latency.end_to_end.p50"); ok {
		if m, ok := d.Text(path+".metric", v); ok {
			r.Metric = m
			switch mt, err := parseMetric(m); {
			case err != nil:
				d.Report(v, path+".metric", err.Error())
			case mt.family == "cost" && !d.pricesGiven:
				d.Report(v, path+".metric", "cost metrics need prices: name a prices file with prices: at the top of the claims file")
			}
		}
	}
	if v, ok := f["sweep"]; ok {
		sweep, ok := d.Plain(path+".sweep", v)
		values, isMap := yamlast.Entries(sweep)
		if ok && !isMap {
			d.Report(v, path+".sweep", fmt.Sprintf("want a mapping of swept settings to values, e.g. {workload.rate: \"20000\"}, not %s", yamlast.Describe(v)))
		}
		r.Sweep = map[string]string{}
		for _, mv := range values {
			k, ok := d.Text(path+".sweep", mv.Key)
			if !ok {
				continue
			}
			if _, dup := r.Sweep[k]; dup {
				d.Report(mv.Key, path+".sweep."+k, "duplicate key")
			}
			r.Sweep[k], _ = d.Text(path+".sweep."+k, mv.Value)
		}
	}
	return r
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
