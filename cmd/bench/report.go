package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"

	"streambench/report"
)

const reportHelp = `Usage: bench report [flags] RESULT...

Shows result files to a reader: what produced the numbers (a real broker or an
EMULATOR), counts, throughput and the latency percentiles of each metric (publish,
end-to-end, service, send lag), notes and errors. RESULT is a result file or a
directory, searched for *.json result files.

Results of the same scenario (name and settings) and target, from the same machine and
bench, are repetitions of one configuration: they are shown together, with the least,
median and greatest value of each figure over the runs, and their counts added up.

Flags:
  --format F   text (the default), markdown, json (a summary for programs), html
               (one self-contained page with charts: it loads nothing and runs no
               script, so it opens offline and can be mailed or attached), or hgrm:
               one result's latency distribution, the percentile table that
               HdrHistogram's plotter reads (values in milliseconds)
  --metric M   with --format hgrm: publish, end-to-end (the default), service or send-lag
  --each       show every result on its own, not grouped with its repetitions
  -o FILE      write to FILE instead of standard output; FILE is replaced whole, or
               left as it was when anything fails

A file that is not a result, is corrupt, holds values that cannot be (a negative count,
more received than sent, a histogram that does not decode or disagrees with its count)
or has another schema_version is an error that names it and the field (exit status 1).

Examples:
  bench report results/small-msgs/
  bench report --format markdown -o small-msgs.md results/small-msgs/
  bench report --format html -o small-msgs.html results/small-msgs/
  bench report --format hgrm --metric publish -o kafka.hgrm results/small-msgs/20261124T140000Z-kafka.json
`

// showFlags are the flags bench report and bench compare share.
type showFlags struct {
	format string
	out    string
	each   bool
}

func (f *showFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.format, "format", "text", "")
	fs.StringVar(&f.out, "o", "", "")
	fs.BoolVar(&f.each, "each", false, "")
}

// groups puts the results in groups of repetitions, or each on its own.
func (f showFlags) groups(files []report.File) []report.Group {
	if f.each {
		return report.Each(report.Results(files))
	}
	return report.Groups(report.Results(files))
}

func reportCmd(args []string, stdout, stderr io.Writer) error {
	var f showFlags
	var metric string
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	f.register(fs)
	fs.StringVar(&metric, "metric", "end-to-end", "")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("no result file or directory given")
	}
	if _, set := setFlags(fs)["--metric"]; set && f.format != "hgrm" {
		return usagef("--metric goes with --format hgrm")
	}
	m, err := report.MetricNamed(metric)
	if err != nil {
		return usagef("--metric: %v", err)
	}
	var render func(w io.Writer, groups []report.Group) error
	switch f.format {
	case "text":
		render = report.Text
	case "markdown":
		render = report.Markdown
	case "json":
		render = report.JSON
	case "html":
		render = report.HTML
	case "hgrm":
	default:
		return usagef("--format %s: want text, markdown, json, html or hgrm", f.format)
	}
	files, err := report.Load(pos...)
	if err != nil {
		return err
	}
	if f.format == "hgrm" {
		if len(files) != 1 {
			return usagef("--format hgrm writes the histogram of one result, and %d were given", len(files))
		}
		return writeOutput(f.out, stdout, func(w io.Writer) error {
			if err := report.HGRMOf(w, files[0].Result, m); err != nil {
				return fmt.Errorf("%s: %w", files[0].Path, err)
			}
			return nil
		})
	}
	return writeOutput(f.out, stdout, func(w io.Writer) error { return render(w, f.groups(files)) })
}

// writeOutput writes what render writes to stdout, or to path: whole, through a
// temporary file renamed into place, so that path is never left half-written.
func writeOutput(path string, stdout io.Writer, render func(io.Writer) error) error {
	if path == "" {
		return render(stdout)
	}
	var buf bytes.Buffer
	if err := render(&buf); err != nil {
		return err
	}
	if err := report.WriteFile(path, buf.Bytes()); err != nil {
		return fmt.Errorf("-o %s: %w", path, err)
	}
	return nil
}
