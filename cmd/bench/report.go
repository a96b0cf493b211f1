package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"

	"streambench/report"
)

// reportHelp is the help of 'bench report': reportHelpHead, the flags, each with its
// usage, and reportHelpTail.
func reportHelp() string {
	return reportHelpHead + flagHelp(newReportFlagSet(new(reportFlags)), reportFlagSections) + reportHelpTail
}

// reportHelpHead is the help of 'bench report' before its flags.
const reportHelpHead = `Usage: bench report [flags] RESULT...

Shows result files to a reader: what produced the numbers (a real broker or an
EMULATOR), counts, throughput and the latency percentiles of each metric (publish,
end-to-end, service, send lag), notes and errors. RESULT is a result file or a
directory, searched for *.json result files.

Results of the same scenario (name and settings) and target, from the same machine and
bench, are repetitions of one configuration: they are shown together, with the least,
median and greatest value of each figure over the runs, and their counts added up.

`

// reportHelpTail is the help of 'bench report' after its flags.
const reportHelpTail = `
A file that is not a result, is corrupt, holds values that cannot be (a negative count,
more received than sent, a histogram that does not decode or disagrees with its count)
or has another schema_version is an error that names it and the field (exit status 1).

Examples:
  bench report results/small-msgs/
  bench report --format markdown -o small-msgs.md results/small-msgs/
  bench report --format html -o small-msgs.html results/small-msgs/
  bench report --format hgrm --metric publish -o kafka.hgrm results/small-msgs/20261124T140000Z-kafka.json
`

var reportFlagSections = []flagSection{{"Flags:", []string{"format", "metric", "each", "o"}}}

type reportFlags struct {
	showFlags
	metric string
}

// newReportFlagSet registers the flags of 'bench report', with their usage, into f.
func newReportFlagSet(f *reportFlags) *flag.FlagSet {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	f.register(fs, "text (the default), markdown, json (a summary for programs), html (one self-contained "+
		"page with charts: it loads nothing and runs no script, so it opens offline and can be mailed or "+
		"attached), or hgrm: one result's latency distribution, the percentile table that HdrHistogram's "+
		"plotter reads (values in milliseconds)",
		"show every result on its own, not grouped with its repetitions")
	fs.StringVar(&f.metric, "metric", "end-to-end", "with --format hgrm, the metric `M`: publish, end-to-end (the default), "+
		"service or send-lag")
	return fs
}

// showFlags are the flags bench report and bench compare share.
type showFlags struct {
	format string
	out    string
	each   bool
}

// register registers the flags of showFlags into fs, with their usage: formats lists
// the values of --format, each says what --each does.
func (f *showFlags) register(fs *flag.FlagSet, formats, each string) {
	fs.StringVar(&f.format, "format", "text", "the output format `F`: "+formats)
	fs.StringVar(&f.out, "o", "", "write to `FILE` instead of standard output; FILE is replaced whole, or left as it "+
		"was when anything fails")
	fs.BoolVar(&f.each, "each", false, each)
}

// groups puts the results in groups of repetitions, or each on its own.
func (f showFlags) groups(files []report.File) []report.Group {
	if f.each {
		return report.Each(report.Results(files))
	}
	return report.Groups(report.Results(files))
}

func reportCmd(args []string, stdout, stderr io.Writer) error {
	var f reportFlags
	fs := newReportFlagSet(&f)
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
	m, err := report.MetricNamed(f.metric)
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
