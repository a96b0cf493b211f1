// Package golden compares rendered output with a golden file in tests, or rewrites the
// file when the test binary runs with its package's -update flag.
package golden

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// Check compares got with the file at path; with update it writes got there instead. A
// difference is reported at its first differing line, with the whole output.
func Check(t testing.TB, path string, got []byte, update bool) {
	t.Helper()
	if update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if bytes.Equal(got, want) {
		return
	}
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range max(len(g), len(w)) {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			t.Errorf("%s: line %d differs (go test -update to accept the new output)\ngot:  %q\nwant: %q\nwhole output:\n%s", path, i+1, gl, wl, got)
			return
		}
	}
}
