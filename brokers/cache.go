package brokers

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// errNotCached says a cached install is missing or unusable; the wrapping text says why.
var errNotCached = errors.New("not in cache")

// install is something fetched once into the cache directory and read from there after.
type install struct {
	// dir is where the install lives, <cache>/<name>-<version>.
	dir string
	// what names it in messages: "the Kafka jars".
	what string
	// check returns nil if a directory holds a complete install, or an error wrapping
	// errNotCached if it does not (any other error is reported as it is).
	check func(dir string) error
	// fill installs into tmp, an empty directory.
	fill func(ctx context.Context, tmp string) error
}

// ensure makes sure in.dir holds a complete install, running in.fill the first time.
//
// fill works in a fresh temporary directory beside in.dir, which is renamed into place
// only once check accepts it, so that an interrupted install never passes for a complete
// one. A lock beside in.dir makes a second bench started meanwhile wait and then find the
// install, rather than replace a directory the first one's broker is loading from.
func (in install) ensure(ctx context.Context) error {
	err := in.check(in.dir)
	if err == nil || !errors.Is(err, errNotCached) {
		return err
	}
	parent := filepath.Dir(in.dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("create cache directory: %w", err)
	}
	unlock, err := lockFile(ctx, in.dir+".lock", "another bench installing "+in.what+"?")
	if err != nil {
		return err
	}
	defer unlock()
	if in.check(in.dir) == nil {
		return nil
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(in.dir)+"-fetch-")
	if err != nil {
		return fmt.Errorf("create directory to install %s: %w", in.what, err)
	}
	defer os.RemoveAll(tmp) // a no-op once tmp has been renamed into place
	if err := in.fill(ctx, tmp); err != nil {
		return err
	}
	if err := in.check(tmp); err != nil {
		return fmt.Errorf("install %s: %w", in.what, err)
	}
	if err := replaceDir(tmp, in.dir); err != nil {
		return fmt.Errorf("install %s into %s: %w", in.what, in.dir, err)
	}
	return nil
}

// replaceDir renames src to dst, first moving aside whatever stale directory is at dst.
func replaceDir(src, dst string) error {
	if _, err := os.Stat(dst); err == nil {
		// Into a fresh directory of its own: os.Rename refuses to replace a directory.
		old, err := os.MkdirTemp(filepath.Dir(dst), ".stale-"+filepath.Base(dst)+"-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(old)
		if err := os.Rename(dst, filepath.Join(old, "dir")); err != nil {
			return err
		}
	}
	return os.Rename(src, dst)
}
