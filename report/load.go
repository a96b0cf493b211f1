package report

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// File is a result and the file it was read from.
type File struct {
	Path   string
	Result *Result
}

// Load reads result files, and the result files (*.json) anywhere below directories,
// in the order given (a directory's files in name order, which for bench's names is
// the order of their start). A file named twice is read once. Every file that is not a
// result, is corrupt or has another schema version is an error naming it; all of them
// are reported, not just the first.
func Load(paths ...string) ([]File, error) {
	var files []File
	var errs []error
	seen := map[string]bool{}
	read := func(path string) {
		clean := filepath.Clean(path)
		if seen[clean] {
			return
		}
		seen[clean] = true
		r, err := Read(path)
		if err != nil {
			errs = append(errs, err)
			return
		}
		files = append(files, File{path, r})
	}
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			errs = append(errs, fmt.Errorf("reading results: %w", err))
			continue
		}
		if !info.IsDir() {
			read(p)
			continue
		}
		found, err := resultFiles(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if len(found) == 0 {
			errs = append(errs, fmt.Errorf("%s: no result files (*.json) in this directory", p))
		}
		for _, f := range found {
			read(f)
		}
	}
	return files, errors.Join(errs...)
}

// resultFiles lists the *.json files below dir, leaving out hidden files and
// directories.
func resultFiles(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		hidden := path != dir && strings.HasPrefix(d.Name(), ".")
		switch {
		case d.IsDir() && hidden:
			return filepath.SkipDir
		case !d.IsDir() && !hidden && strings.HasSuffix(d.Name(), ".json"):
			out = append(out, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading results: %w", err)
	}
	return out, nil
}

// Results are the results of files.
func Results(files []File) []*Result {
	out := make([]*Result, len(files))
	for i, f := range files {
		out[i] = f.Result
	}
	return out
}
