package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// settings are the scenario settings a result's numbers depend on, as dotted paths
// (workload.rate, drivers.kafka.linger) to values. The name, description, targets,
// file and SLOs are left out: they do not change how a target was loaded. Of the driver blocks
// only the target's own is kept: a Kafka run does not depend on the kinesis block.
func settings(r *Result) map[string]string {
	out := map[string]string{}
	data, err := json.Marshal(r.Scenario)
	if err != nil {
		out["scenario"] = "unreadable: " + err.Error()
		return out
	}
	var tree map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&tree); err != nil {
		out["scenario"] = "unreadable: " + err.Error()
		return out
	}
	for _, k := range []string{"name", "description", "targets", "file", "slo"} {
		delete(tree, k)
	}
	if ds, ok := tree["drivers"].(map[string]any); ok {
		tree["drivers"] = map[string]any{r.Target.Driver: ds[r.Target.Driver]}
	}
	flatten(out, "", tree)
	return out
}

// flatten puts v's leaves into out under prefix; a list is one leaf.
func flatten(out map[string]string, prefix string, v any) {
	if m, ok := v.(map[string]any); ok {
		for k, x := range m {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			flatten(out, p, x)
		}
		return
	}
	switch x := v.(type) {
	case nil:
		out[prefix] = "null"
	case string:
		out[prefix] = x
	default:
		data, _ := json.Marshal(x) // numbers, booleans and lists of them: cannot fail
		out[prefix] = string(data)
	}
}

// settingsKey is settings(r) as one comparable string.
func settingsKey(r *Result) string {
	s := settings(r)
	var b strings.Builder
	for _, k := range sortedKeys(s) {
		fmt.Fprintf(&b, "%s=%s\n", k, s[k])
	}
	return b.String()
}

// settingsDiff lists the settings in which the groups' scenarios differ, one line per
// setting with each group's value. A driver's block is compared only between the
// groups whose target uses that driver, and a setting that every group's run swept
// (a scenario's matrix) is not a difference to warn about: it is the point.
func settingsDiff(groups []Group) []string {
	all := make([]map[string]string, len(groups))
	paths := map[string]bool{}
	for i, g := range groups {
		all[i] = settings(g.Runs[0])
		for p := range all[i] {
			paths[p] = true
		}
	}
	var out []string
	for _, p := range sortedKeys(paths) {
		if sweptByAll(groups, p) {
			continue
		}
		var cells, values []string
		for i, g := range groups {
			if d, ok := strings.CutPrefix(p, "drivers."); ok && !usesBlock(g.Runs[0], d) {
				continue
			}
			v, ok := all[i][p]
			if !ok {
				v = "(not set)"
			}
			values = append(values, v)
			cells = append(cells, g.Label+": "+v)
		}
		if len(slices.Compact(slices.Clone(values))) > 1 {
			out = append(out, p+" ("+strings.Join(cells, ", ")+")")
		}
	}
	return out
}

// sweptByAll reports whether the setting at path (as settings names it) is part of the
// sweep of every group's runs.
func sweptByAll(groups []Group, path string) bool {
	for _, g := range groups {
		sw := g.Runs[0].Sweep
		if _, ok := sw[strings.TrimPrefix(path, "drivers.")]; !ok {
			if _, ok := sw[path]; !ok {
				return false
			}
		}
	}
	return true
}

// usesBlock reports whether r's target uses the driver block a path below drivers.
// (kafka.linger) belongs to.
func usesBlock(r *Result, path string) bool {
	name, _, _ := strings.Cut(path, ".")
	return name == r.Target.Driver
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
