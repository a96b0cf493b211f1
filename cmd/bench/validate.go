package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"streambench/session"
)

// validateHelp is the help of 'bench validate': validateHelpHead, the flags (it has
// none), and validateHelpTail.
func validateHelp() string {
	return validateHelpHead + flagHelp(newValidateFlagSet(), nil) + validateHelpTail
}

// validateHelpHead is the help of 'bench validate' before its flags.
const validateHelpHead = `Usage: bench validate SCENARIO.yaml...

Checks scenario files without running anything: every unknown or misspelt field, wrong
type and out-of-range value is reported with file:line:column, in every run of a
scenario's matrix, and so is an SLO naming an unknown metric or target. Exits 0 when every file is valid, 2 otherwise.
`

// validateHelpTail is the help of 'bench validate' after its flags.
const validateHelpTail = `
Example:
  bench validate scenarios/*.yaml
`

// newValidateFlagSet registers the flags of 'bench validate': none but --help.
func newValidateFlagSet() *flag.FlagSet {
	return flag.NewFlagSet("validate", flag.ContinueOnError)
}

func validateCmd(args []string, stdout, stderr io.Writer) error {
	fs := newValidateFlagSet()
	files, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return usagef("no scenario file given")
	}
	var errs []error
	for _, f := range files {
		s, err := session.Load(f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if len(s.Matrix) == 0 {
			fmt.Fprintf(stdout, "%s: ok\n", f)
			continue
		}
		fmt.Fprintf(stdout, "%s: ok, a matrix of %d runs (%s) on each target\n", f, s.Matrix.Runs(), s.Matrix)
	}
	if len(errs) > 0 {
		return invalidInput{errors.Join(errs...)}
	}
	return nil
}
