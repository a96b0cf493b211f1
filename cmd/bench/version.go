package main

import (
	"flag"
	"fmt"
	"io"
	"runtime"

	"streambench/report"
)

// versionHelp is the help of 'bench version': versionHelpHead and the flags (it has
// none).
func versionHelp() string {
	return versionHelpHead + flagHelp(newVersionFlagSet(), nil)
}

// versionHelpHead is the help of 'bench version' before its flags.
const versionHelpHead = `Usage: bench version

Prints bench's version and the Go version it was built with.
`

// newVersionFlagSet registers the flags of 'bench version': none but --help.
func newVersionFlagSet() *flag.FlagSet {
	return flag.NewFlagSet("version", flag.ContinueOnError)
}

func versionCmd(args []string, stdout, _ io.Writer) error {
	pos, err := parseFlags(newVersionFlagSet(), args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("version takes no arguments")
	}
	fmt.Fprintf(stdout, "bench %s (%s, %s/%s)\n", report.Version(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}
