package brokers

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// lockFile takes an exclusive flock on path (creating it), waiting until ctx ends; hint
// says in an error who probably holds it. The kernel drops the lock if the process dies,
// so a crash never leaves it held.
func lockFile(ctx context.Context, path, hint string) (unlock func(), err error) {
	for {
		unlock, ok, err := lockFileNB(path)
		if err != nil || ok {
			return unlock, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for lock %s (%s): %w", path, hint, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// lockFileNB takes the lock on path only if it is free right now.
func lockFileNB(path string) (unlock func(), ok bool, err error) {
	// Go opens files close-on-exec, so a broker started while we hold the lock does not
	// inherit (and keep) it.
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, false, fmt.Errorf("open lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("lock %s: %w", path, err)
	}
	// Closing the file releases the flock.
	return func() { f.Close() }, true, nil
}
