package report

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzDecodeResult feeds bytes to Decode. No input may make it panic; an error names
// the file; and a result that decodes must come through encoding and decoding again,
// with the second encoding the same as the first (what a report reads back is what was
// written).
//
// The seeds are the result files of the report tests, whole and cut short;
// testdata/fuzz/FuzzDecodeResult keeps the inputs that once broke it, and results whose
// values cannot be (semantic-*: negative counts, more received than sent, histograms
// that do not decode or disagree with their counts), which Decode must refuse.
func FuzzDecodeResult(f *testing.F) {
	var files []string
	var err error
	// testdata/v1 holds a result as schema_version 1 wrote it.
	for _, dir := range []string{filepath.Join("testdata", "results"), filepath.Join("testdata", "v1")} {
		err = errors.Join(err, filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(path, ".json") {
				files = append(files, path)
			}
			return err
		}))
	}
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed results (%v)", err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		f.Add(data[:len(data)/2])
	}

	const name = "fuzz.json"
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Decode(name, data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), name+": ") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		first, err := encode(r)
		if err != nil {
			t.Fatalf("a decoded result does not encode: %v", err)
		}
		again, err := Decode(name, first)
		if err != nil {
			t.Fatalf("a decoded result, encoded, does not decode: %v\n%s", err, first)
		}
		second, err := encode(again)
		if err != nil {
			t.Fatalf("a result decoded twice does not encode: %v", err)
		}
		if !bytes.Equal(first, second) {
			t.Fatalf("encoding changed on the second round:\n%s\nthen:\n%s", first, second)
		}
	})
}
