// Command bench runs streaming benchmarks: a YAML scenario against Kafka, Kinesis and
// other targets, one after another, with open-loop latency measurement.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"streambench/report"
	"streambench/session"
)

// Exit codes.
const (
	exitOK          = 0
	exitFailed      = 1   // a target could not be run, or a command failed
	exitUsage       = 2   // bad flags, arguments or scenario
	exitIntegrity   = 98  // bench run: an SLO on lost or duplicated messages failed
	exitSLO         = 99  // bench run: another SLO failed (k6's code for a failed threshold)
	exitInterrupted = 130 // stopped by Ctrl-C; results were still written
)

const usage = `bench: measure Kafka and Kinesis side by side, honestly.

Usage:
  bench run [flags] SCENARIO.yaml     run a scenario against each of its targets
  bench validate SCENARIO.yaml...     check scenario files without running anything
  bench report RESULT...              show result files (text, markdown, json, hgrm)
  bench compare RESULT RESULT...      show results side by side, with ratios and spread
  bench brokers up|status|down        manage the local brokers (Kafka, kinesis-mock)
  bench verify [CLAIMS.yaml]          run the claims' scenarios and give a verdict on each
  bench peer                          measure bench beside Kafka's own perf tools
  bench version                       print the version
  bench help [COMMAND]                show help

Examples:
  bench run scenarios/small-msgs.yaml
  bench run --target kafka --duration 10s --rate 5000 scenarios/small-msgs.yaml
  bench run --kafka-brokers 10.0.0.5:9092 scenarios/small-msgs.yaml
  bench validate scenarios/*.yaml
  bench report results/small-msgs/
  bench compare results/small-msgs/
  bench verify --claim C8

Run 'bench help COMMAND' for a command's flags.
`

// usageError is a mistake in how bench was called.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// errInterrupted reports that a command was stopped by the user after writing its
// results: a session's own error, for a command that runs one or more.
var errInterrupted = session.ErrInterrupted

type command struct {
	name string
	run  func(args []string, stdout, stderr io.Writer) error
	help string
}

func commands() []command {
	return []command{
		{"run", runCmd, runHelp()},
		{"validate", validateCmd, validateHelp()},
		{"report", reportCmd, reportHelp()},
		{"compare", compareCmd, compareHelp()},
		{"brokers", brokersCmd, brokersHelp()},
		{"verify", verifyCmd, verifyHelp()},
		{"peer", peerCmd, peerHelp()},
		{"version", versionCmd, versionHelp()},
	}
}

func main() {
	os.Exit(mainCode(os.Args[1:], os.Stdout, os.Stderr))
}

func mainCode(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	stderr = newSyncWriter(stderr)
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(rest) == 0 {
			fmt.Fprint(stdout, usage)
			return exitOK
		}
		for _, c := range commands() {
			if c.name == rest[0] {
				fmt.Fprint(stdout, c.help)
				return exitOK
			}
		}
		fmt.Fprintf(stderr, "bench: no command %q\n\n%s", rest[0], usage)
		return exitUsage
	}
	for _, c := range commands() {
		if c.name != name {
			continue
		}
		err := c.run(rest, stdout, stderr)
		var ue usageError
		switch {
		case err == nil:
			return exitOK
		case errors.Is(err, errHelp):
			fmt.Fprint(stdout, c.help)
			return exitOK
		case errors.As(err, &ue):
			fmt.Fprintf(stderr, "bench %s: %s\n\n%s", name, ue.msg, c.help)
			return exitUsage
		case errors.Is(err, errInterrupted):
			fmt.Fprintf(stderr, "bench %s: interrupted\n", name)
			return exitInterrupted
		case errors.As(err, new(invalidInput)):
			fmt.Fprintln(stderr, err)
			return exitUsage
		case errors.As(err, new(*session.SLOError)):
			fmt.Fprintf(stderr, "bench %s: %v\n", name, err)
			return sloExit(err)
		}
		fmt.Fprintf(stderr, "bench %s: %v\n", name, err)
		return exitFailed
	}
	fmt.Fprintf(stderr, "bench: no command %q\n\n%s", name, usage)
	return exitUsage
}

// sloExit is the exit code of a run whose SLOs did not hold: integrity's when an SLO on
// lost or duplicated messages failed, else the SLO code.
func sloExit(err error) int {
	var e *session.SLOError
	if errors.As(err, &e) && e.Outcome == report.IntegrityFailed {
		return exitIntegrity
	}
	return exitSLO
}

// invalidInput wraps errors in files the user gave (a scenario), which are printed as
// they are: they already name the file, line and field.
type invalidInput struct{ err error }

func (e invalidInput) Error() string { return e.err.Error() }
func (e invalidInput) Unwrap() error { return e.err }
