package report

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// hdrhVersion is the release of Python's HdrHistogram package (PyPI "hdrhistogram",
// module hdrh) that TestHDRDecodesWithPythonHdrh decodes result files with.
const hdrhVersion = "0.10.8"

// decodeScript prints, for each latency of the result file named by argv[1], its name,
// total count, max and 99th percentile as Python's hdrh decodes them from the hdr field
// as it is: the standard text of HdrHistogram's interval logs, no other step.
const decodeScript = `
import json, sys
from hdrh.histogram import HdrHistogram
latency = json.load(open(sys.argv[1]))["latency"]
for name in sorted(latency):
    h = HdrHistogram.decode(latency[name]["hdr"])
    print(name, h.get_total_count(), h.get_max_value(), h.get_value_at_percentile(99))
`

// TestHDRDecodesWithPythonHdrh decodes the hdr fields of a result file with a decoder
// bench does not control, Python's hdrh, and checks it finds what bench's own summary
// says. The package is installed from PyPI into a virtual environment under the cache
// directory ($BENCH_CACHE_DIR, else the user cache directory's streambench/), once.
// Without python3 the test skips, saying so, except in CI (CI=true), where it fails.
func TestHDRDecodesWithPythonHdrh(t *testing.T) {
	python := hdrhPython(t)
	// 100 end-to-end latencies, the others empty: what bench's own decoder finds in each
	// is what the Python decoder must find.
	path := mustWrite(t, sampleResult(t))
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(python, "-c", decodeScript, path).CombinedOutput()
	if err != nil {
		t.Fatalf("python hdrh could not decode %s: %v\n%s", path, err, out)
	}
	seen := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var name string
		var count, maxNs, p99Ns int64
		if _, err := fmt.Sscan(line, &name, &count, &maxNs, &p99Ns); err != nil {
			t.Fatalf("python printed %q: %v", line, err)
		}
		var l *Latency
		for _, x := range got.latencies() {
			if x.field == "latency."+name {
				l = x.l
			}
		}
		if l == nil {
			t.Fatalf("python printed an unknown latency %q", name)
		}
		seen++
		h, err := l.Histogram()
		if err != nil {
			t.Fatal(err)
		}
		if count != l.Count || maxNs != h.Max() || p99Ns != h.ValueAtQuantile(99) {
			t.Errorf("%s: python hdrh decodes count %d, max %d ns, p99 %d ns; bench says count %d, max %d ns, p99 %d ns",
				name, count, maxNs, p99Ns, l.Count, h.Max(), h.ValueAtQuantile(99))
		}
	}
	if seen != 4 {
		t.Errorf("python decoded %d latencies, want 4:\n%s", seen, out)
	}
}

// hdrhPython returns a python with hdrh installed, making its virtual environment under
// the cache directory the first time (in a temporary directory renamed into place, so
// that two tests at once don't see half of one).
func hdrhPython(t *testing.T) string {
	t.Helper()
	ci := os.Getenv("CI") == "true"
	python3, err := exec.LookPath("python3")
	if err != nil {
		if ci {
			t.Fatal("python3 is not on PATH, and CI must decode result files with an independent decoder (apt-get install python3 python3-venv)")
		}
		t.Skip("python3 is not on PATH: the result files' hdr fields are not checked against Python's hdrh (install python3 and python3-venv)")
	}
	if testing.Short() && !ci {
		t.Skip("-short: not installing Python's hdrh from PyPI to check the hdr fields against it")
	}
	cache := os.Getenv("BENCH_CACHE_DIR")
	if cache == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			t.Fatalf("locate the cache directory (set BENCH_CACHE_DIR): %v", err)
		}
		cache = filepath.Join(base, "streambench")
	}
	venv := filepath.Join(cache, "python-hdrh-"+hdrhVersion)
	python := filepath.Join(venv, "bin", "python")
	if _, err := os.Stat(python); err == nil {
		return python
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		t.Fatal(err)
	}
	tmp, err := os.MkdirTemp(cache, ".python-hdrh-*")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp) // after a successful rename, nothing is left there
	// A virtual environment finds itself from the path of its interpreter (pyvenv.cfg
	// beside bin/), so one made under tmp works once renamed into place.
	tmpPython := filepath.Join(tmp, "bin", "python")
	for _, args := range [][]string{
		{python3, "-m", "venv", tmp},
		{tmpPython, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "hdrhistogram==" + hdrhVersion},
	} {
		t.Logf("installing Python's hdrh to decode result files with: %s", strings.Join(args, " "))
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	if err := os.Rename(tmp, venv); err != nil {
		if _, serr := os.Stat(python); serr != nil {
			t.Fatalf("install Python's hdrh into %s: %v", venv, err)
		}
		// Another test process installed it meanwhile.
	}
	return python
}
