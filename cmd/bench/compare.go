package main

import (
	"flag"
	"io"

	"streambench/report"
)

// compareHelp is the help of 'bench compare': compareHelpHead, the flags, each with its
// usage, and compareHelpTail.
func compareHelp() string {
	return compareHelpHead + flagHelp(newCompareFlagSet(new(showFlags)), compareFlagSections) + compareHelpTail
}

// compareHelpHead is the help of 'bench compare' before its flags.
const compareHelpHead = `Usage: bench compare [flags] RESULT RESULT [RESULT...]

Shows results side by side: one column per configuration, the same counts, throughput
and latency percentiles in each, and the ratio of each figure to the first column's
("48.0×": 48 times the first). RESULT is a result file or a directory, searched for
*.json result files; the first column is the first result given.

It works for two targets of one run (bench compare results/small-msgs/) as for one
target across runs, before and after a change (bench compare before/ after/). A
warning line says when the columns differ in scenario settings (which ones), in machine
or bench version, or when one of them ran against an emulator.

Results of the same scenario (name and settings) and target, from the same machine and
bench, are repetitions of one configuration and make one column: each figure shows the
median [min–max] over the runs, and a ratio is marked "(n.s.)", not significant, when
the ranges of its column and of the first overlap: the difference is then smaller than
the spread between runs. With one run per column, nothing can be said of significance:
the ratios are single measurements.

`

// compareHelpTail is the help of 'bench compare' after its flags.
const compareHelpTail = `
Examples:
  bench compare results/small-msgs/20261124T140000Z-kafka.json results/small-msgs/20261124T140100Z-kinesis.json
  bench compare results/small-msgs/
  bench compare --format markdown -o before-after.md before/ after/
`

var compareFlagSections = []flagSection{{"Flags:", []string{"format", "each", "o"}}}

// newCompareFlagSet registers the flags of 'bench compare', with their usage, into f.
func newCompareFlagSet(f *showFlags) *flag.FlagSet {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	f.register(fs, "text (the default) or markdown", "one column per result file, not per configuration")
	return fs
}

func compareCmd(args []string, stdout, stderr io.Writer) error {
	var f showFlags
	fs := newCompareFlagSet(&f)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("no result files or directories given")
	}
	render := report.CompareText
	switch f.format {
	case "text":
	case "markdown":
		render = report.CompareMarkdown
	default:
		return usagef("--format %s: want text or markdown", f.format)
	}
	files, err := report.Load(pos...)
	if err != nil {
		return err
	}
	groups := f.groups(files)
	if len(groups) < 2 {
		return usagef("nothing to compare: the %d results are runs of one configuration (%s); 'bench report' shows them, 'bench compare --each' compares the runs",
			len(files), groups[0].Label)
	}
	return writeOutput(f.out, stdout, func(w io.Writer) error { return render(w, groups) })
}
