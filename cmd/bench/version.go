package main

import (
	"fmt"
	"io"
	"runtime"

	"streambench/report"
)

func versionCmd(args []string, stdout, _ io.Writer) error {
	if len(args) > 0 {
		return usagef("version takes no arguments")
	}
	fmt.Fprintf(stdout, "bench %s (%s, %s/%s)\n", report.Version(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}
