package bench_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"streambench/bench"
	"streambench/report"
	"streambench/targets"
)

// FuzzScenario feeds bytes to the scenario loader as 'bench validate' and 'bench run'
// use it, with the real drivers' settings. No input may make it panic or hang; every
// failure is an Errors whose every line names the file and, where it has a place, one
// inside the file; what it accepts, Validate accepts too, and its matrix expands into
// runs that are each valid.
//
// The seeds are the loader's test files and the scenarios the project ships;
// testdata/fuzz/FuzzScenario keeps the inputs that once broke it.
func FuzzScenario(f *testing.F) {
	var files []string
	for _, pattern := range []string{"testdata/scenarios/*.yaml", "../scenarios/*.yaml", "../scenarios/claims/*.yaml"} {
		found, err := filepath.Glob(pattern)
		if err != nil || len(found) == 0 {
			f.Fatalf("no seed files %s (%v)", pattern, err)
		}
		files = append(files, found...)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}

	reg, names := targets.Registry(), targets.Names()
	known := bench.Known{Registry: reg, Targets: names, Metrics: report.SLOMetrics()}
	const file = "fuzz.yaml"
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := bench.ParseWith(file, data, known)
		if err != nil {
			checkFuzzErrors(t, err, file, data)
			return
		}
		if err := s.Validate(names); err != nil {
			t.Fatalf("Parse accepted what Validate rejects: %v", err)
		}
		points, err := s.Expand()
		if err != nil {
			t.Fatalf("Parse accepted a matrix that does not expand: %v", err)
		}
		for _, p := range points {
			if err := p.Scenario.Validate(names); err != nil {
				t.Fatalf("run %s of an accepted matrix is invalid: %v", p.Sweep, err)
			}
		}
	})
}

// checkFuzzErrors checks that err is a non-empty Errors naming file on every line, at
// places inside data.
func checkFuzzErrors(t *testing.T, err error, file string, data []byte) {
	t.Helper()
	var errs bench.Errors
	if !errors.As(err, &errs) || len(errs) == 0 {
		t.Fatalf("error %v (%T) is not a non-empty Errors", err, err)
	}
	lines := bytes.Count(data, []byte("\n")) + bytes.Count(data, []byte("\r")) + 1
	for _, e := range errs {
		switch {
		case e.File != file || e.Msg == "":
			t.Fatalf("FieldError %+v lacks the file or a message", e)
		case e.Line < 0 || e.Line > lines || (e.Line > 0) != (e.Column > 0):
			t.Fatalf("FieldError %+v is at no place of the %d lines", e, lines)
		}
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		if !strings.HasPrefix(line, file+":") {
			t.Fatalf("error line %q does not start with %s:", line, file)
		}
	}
}
