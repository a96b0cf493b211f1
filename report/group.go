package report

import (
	"fmt"
	"slices"
	"strings"
)

// Group is the results of one configuration: the same scenario (name and settings) run
// against the same target, broker and machine by the same bench. Its runs are
// repetitions, whose spread says how far one run's numbers can be trusted.
type Group struct {
	// Label names the group in tables, unique among the groups shown together: the
	// target's name, with what tells it apart from a group of the same target.
	Label string
	Runs  []*Result
}

// groupKey is what repetitions of one configuration share.
type groupKey struct {
	scenario, target, driver, broker, env string
	emulator                              bool
	host, bench, settings                 string
}

func keyOf(r *Result) groupKey {
	return groupKey{
		scenario: r.Scenario.Name,
		target:   r.Target.Name,
		driver:   r.Target.Driver,
		broker:   r.Target.Broker.Product + " " + r.Target.Broker.Version,
		env:      r.Target.Env,
		emulator: r.Target.Emulator,
		host:     r.Host.Hostname,
		bench:    r.Host.BenchVersion,
		settings: settingsKey(r),
	}
}

// Groups gathers the repetitions among results, in the order each configuration first
// appears.
func Groups(results []*Result) []Group {
	var groups []Group
	index := map[groupKey]int{}
	for _, r := range results {
		k := keyOf(r)
		i, ok := index[k]
		if !ok {
			i = len(groups)
			index[k] = i
			groups = append(groups, Group{})
		}
		groups[i].Runs = append(groups[i].Runs, r)
	}
	label(groups)
	return groups
}

// Each puts every result in a group of its own, for when results that look like
// repetitions are not (a change bench cannot see, such as a tuned kernel).
func Each(results []*Result) []Group {
	groups := make([]Group, len(results))
	for i, r := range results {
		groups[i].Runs = []*Result{r}
	}
	label(groups)
	return groups
}

// label names each group by its target and, where two groups share a target name, by
// the first thing that tells them apart: scenario, a setting, bench version, broker
// version, host, or else the start of their first run.
func label(groups []Group) {
	byTarget := map[string][]int{}
	for i, g := range groups {
		name := g.Runs[0].Target.Name
		byTarget[name] = append(byTarget[name], i)
		groups[i].Label = name
	}
	for name, same := range byTarget {
		if len(same) == 1 {
			continue
		}
		runs := make([]*Result, len(same))
		for n, i := range same {
			runs[n] = groups[i].Runs[0]
		}
		tell := tellApart(runs)
		for n, i := range same {
			if tell == nil {
				groups[i].Label = fmt.Sprintf("%s #%d", name, n+1)
			} else {
				groups[i].Label = fmt.Sprintf("%s (%s)", name, tell(runs[n]))
			}
		}
	}
}

// tellApart returns the first description of a run that differs between all of runs,
// or nil.
func tellApart(runs []*Result) func(*Result) string {
	tells := []func(r *Result) string{
		func(r *Result) string { return r.Scenario.Name },
		sweepLabel,
		firstDifferentSetting(runs),
		func(r *Result) string { return "bench " + r.Host.BenchVersion },
		func(r *Result) string { return r.Target.Broker.Product + " " + r.Target.Broker.Version },
		func(r *Result) string { return r.Host.Hostname },
		func(r *Result) string { return r.StartedAt.UTC().Format("2006-01-02 15:04:05") },
	}
	for _, tell := range tells {
		var seen []string
		for _, r := range runs {
			seen = append(seen, strings.TrimSpace(tell(r)))
		}
		slices.Sort(seen)
		if seen[0] != "" && len(slices.Compact(seen)) == len(runs) {
			return func(r *Result) string { return strings.TrimSpace(tell(r)) }
		}
	}
	return nil
}

// sweepLabel describes a run by its point of the scenario's matrix, each swept setting
// by the last part of its path: "batch_max_bytes=16384 linger=5ms".
func sweepLabel(r *Result) string {
	var parts []string
	for path, v := range r.Sweep {
		parts = append(parts, path[strings.LastIndexByte(path, '.')+1:]+"="+v)
	}
	slices.Sort(parts)
	return strings.Join(parts, " ")
}

// firstDifferentSetting describes a run by the first setting in which runs differ, as
// "linger 5ms".
func firstDifferentSetting(runs []*Result) func(*Result) string {
	all := make(map[*Result]map[string]string, len(runs))
	paths := map[string]bool{}
	for _, r := range runs {
		all[r] = settings(r)
		for p := range all[r] {
			paths[p] = true
		}
	}
	for _, p := range sortedKeys(paths) {
		for _, r := range runs[1:] {
			if all[r][p] != all[runs[0]][p] {
				short := p[strings.LastIndex(p, ".")+1:]
				return func(r *Result) string { return short + " " + all[r][p] }
			}
		}
	}
	return func(*Result) string { return "" }
}
