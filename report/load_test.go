package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReportLoad(t *testing.T) {
	// A directory, a file in it again, and a file of another directory.
	files, err := Load(filepath.Join(resultsDir, "small-msgs"), filepath.Join(resultsDir, "small-msgs", "20261124T140000Z-kafka.json"), filepath.Join(resultsDir, "other", "20261125T090000Z-kafka.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		got = append(got, filepath.Base(f.Path)+" "+f.Result.Target.Name)
	}
	want := "20261124T140000Z-kafka.json kafka,20261124T140100Z-kinesis.json kinesis,20261124T140200Z-kafka.json kafka," +
		"20261124T140300Z-kinesis.json kinesis,20261124T140400Z-kafka.json kafka,20261124T140500Z-kinesis.json kinesis,20261125T090000Z-kafka.json kafka"
	if strings.Join(got, ",") != want {
		t.Errorf("loaded %v, want each file once, in order:\n%s", got, want)
	}
}

func TestReportLoadRejects(t *testing.T) {
	good, err := os.ReadFile(filepath.Join(resultsDir, "other", "20261125T090000Z-kafka.json"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	write("empty/.hidden/x.json", []byte("hidden files are not results"))
	write("empty/notes.txt", []byte("not *.json"))
	for _, tc := range []struct {
		name string
		path string
		want string
	}{
		{"not JSON", write("a.json", []byte("hello")), "a.json: not a result file (not JSON"},
		{"not a result", write("b.json", []byte(`{"name": "small-msgs"}`)), "b.json: not a result file (no schema_version)"},
		{"future schema", write("c.json", bytes.Replace(good, []byte(`"schema_version": 2`), []byte(`"schema_version": 99`), 1)), "c.json: result schema_version 99, this bench reads versions 1 to 2"},
		{"corrupt", write("d.json", bytes.Replace(good, []byte(`"sent": 17500`), []byte(`"sent": "many"`), 1)), "d.json: corrupt result file"},
		{"truncated", write("e.json", good[:len(good)/3]), "e.json: not a result file"},
		{"empty dir", empty, empty + ": no result files (*.json) in this directory"},
		{"missing", filepath.Join(dir, "nope.json"), "nope.json: no such file"},
		{"bad file in a dir", filepath.Dir(write("sub/deeper/f.json", []byte("[]"))), filepath.Join(dir, "sub", "deeper", "f.json") + ": not a result file"},
	} {
		files, err := Load(tc.path)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
		if len(files) != 0 {
			t.Errorf("%s: %d results loaded", tc.name, len(files))
		}
	}
	// Every bad file is named, and the good ones are still read.
	files, err := Load(filepath.Join(dir, "a.json"), filepath.Join(resultsDir, "other"), filepath.Join(dir, "b.json"))
	if err == nil || !strings.Contains(err.Error(), "a.json") || !strings.Contains(err.Error(), "b.json") || len(files) != 1 {
		t.Errorf("two bad files and a good one: %d loaded, error %v", len(files), err)
	}
}
