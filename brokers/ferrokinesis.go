package brokers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	// FerrokinesisVersion is the ferrokinesis release this package builds and runs, from
	// the crate of the same name and version on the Rust crate registry.
	FerrokinesisVersion = "0.7.0"

	ferroCrate = "ferrokinesis"
	// ferroShardLimit replaces ferrokinesis's default account limit of 10 open shards,
	// which a test suite or a sweep creating streams one after another would reach
	// long before AWS's own limit would; bench does not measure that limit.
	ferroShardLimit = 10000
	// ferroStopGrace: ferrokinesis shuts down promptly on SIGTERM, closing connections
	// with a grace of its own; its streams are in memory, so a SIGKILL loses nothing.
	ferroStopGrace = 5 * time.Second
	// ferroBuildProgress is how often the first build says how far it has got.
	ferroBuildProgress = 20 * time.Second
)

const cargoHint = "ferrokinesis is built once with cargo, Rust's package manager (Debian/Ubuntu: " +
	"apt-get install cargo, or rustup); without it, bench uses kinesis-mock"

// ferroEngine is ferrokinesis, built with `cargo install` into the cache directory.
type ferroEngine struct{}

func (ferroEngine) product() string          { return EngineFerrokinesis }
func (ferroEngine) version() string          { return FerrokinesisVersion }
func (ferroEngine) files() string            { return "ferrokinesis" }
func (ferroEngine) defaultPort() int         { return DefaultFerrokinesisPort }
func (ferroEngine) tls() bool                { return false }
func (ferroEngine) quotas() bool             { return true }
func (ferroEngine) stopGrace() time.Duration { return ferroStopGrace }
func (ferroEngine) killNote() string         { return " (it keeps nothing on disk, so nothing is lost)" }

// ferroVersionDir is the cargo install root of this version: the binary is in bin/.
func ferroVersionDir(cacheDir string) string {
	return filepath.Join(cacheDir, ferroCrate+"-"+FerrokinesisVersion)
}

func ferroBinary(root string) string { return filepath.Join(root, "bin", ferroCrate) }

func (ferroEngine) installDir(cacheDir string) string { return ferroVersionDir(cacheDir) }

func (ferroEngine) installed(cacheDir string) bool {
	return checkFerroInstall(ferroVersionDir(cacheDir)) == nil
}

func (ferroEngine) installable() error {
	_, err := lookCargo()
	return err
}

// checkFerroInstall accepts a cargo install root that holds the pinned version's binary.
func checkFerroInstall(root string) error {
	// cargo records what it installed in the root's .crates.toml, a line such as
	// "ferrokinesis 0.7.0 (registry+…)" = ["ferrokinesis"].
	b, err := os.ReadFile(filepath.Join(root, ".crates.toml"))
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%s %w: nothing installed in %s", ferroCrate, errNotCached, root)
	}
	if err != nil {
		return fmt.Errorf("read %s install record: %w", ferroCrate, err)
	}
	if !bytes.Contains(b, []byte(`"`+ferroCrate+" "+FerrokinesisVersion+" ")) {
		return fmt.Errorf("%s %w: %s holds no %s %s", ferroCrate, errNotCached, root, ferroCrate, FerrokinesisVersion)
	}
	if fi, err := os.Stat(ferroBinary(root)); err != nil || fi.Mode()&0o111 == 0 {
		return fmt.Errorf("%s %w: no executable %s", ferroCrate, errNotCached, ferroBinary(root))
	}
	return nil
}

func (e ferroEngine) ensureInstalled(ctx context.Context, c kinesisConfig) error {
	return install{
		dir:   ferroVersionDir(c.cacheDir),
		what:  ferroCrate + " " + FerrokinesisVersion,
		check: checkFerroInstall,
		fill:  func(ctx context.Context, tmp string) error { return c.cargoInstall(ctx, tmp) },
	}.ensure(ctx)
}

// cargoInstall builds the pinned crate into the install root tmp, with the versions of its
// dependencies that it was published with (--locked). Its build directory is kept in the
// cache until the build succeeds, so that an interrupted build resumes where it stopped.
func (c kinesisConfig) cargoInstall(ctx context.Context, tmp string) error {
	cargo, err := lookCargo()
	if err != nil {
		return err
	}
	target := filepath.Join(c.cacheDir, ferroCrate+"-build")
	c.logf("building %s %s with cargo from the Rust crate registry (first run only; about 10 minutes on 2 cores)…",
		ferroCrate, FerrokinesisVersion)
	start := time.Now()
	cmd := toolCommand(tmp, cargo, "install", ferroCrate, "--version", FerrokinesisVersion, "--locked",
		"--root", tmp, "--target-dir", target)
	progress := &cargoProgress{}
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(ferroBuildProgress)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				c.logf("  building %s: %s, %s so far", ferroCrate, progress.String(), time.Since(start).Round(time.Second))
			}
		}
	}()
	r, err := runMeasured(ctx, c.note("cargo building ferrokinesis"), cmd, progress)
	close(done)
	if err != nil {
		return fmt.Errorf("build %s %s: cargo install %s --version %s: %w%s",
			ferroCrate, FerrokinesisVersion, ferroCrate, FerrokinesisVersion, err, OutputTail(r.Output, 25))
	}
	if err := checkFerroInstall(tmp); err != nil {
		return fmt.Errorf("build %s %s: cargo succeeded but %w%s", ferroCrate, FerrokinesisVersion, err, OutputTail(r.Output, 25))
	}
	os.RemoveAll(target)
	c.logf("built %s %s into %s in %s", ferroCrate, FerrokinesisVersion, ferroVersionDir(c.cacheDir),
		time.Since(start).Round(time.Second))
	return nil
}

// cargoProgress counts the crates cargo has compiled, from its "Compiling NAME VERSION"
// lines, and remembers the last one.
type cargoProgress struct {
	mu       sync.Mutex
	partial  []byte
	compiled int
	last     string
}

func (p *cargoProgress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.partial = append(p.partial, b...)
	for {
		i := bytes.IndexByte(p.partial, '\n')
		if i < 0 {
			break
		}
		line := strings.TrimSpace(string(p.partial[:i]))
		p.partial = p.partial[i+1:]
		if name, ok := strings.CutPrefix(line, "Compiling "); ok {
			p.compiled++
			p.last = name
		}
	}
	return len(b), nil
}

func (p *cargoProgress) String() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.compiled == 0 {
		return "fetching sources"
	}
	return fmt.Sprintf("%d crates compiled (last %s)", p.compiled, p.last)
}

func (ferroEngine) command(_ context.Context, c kinesisConfig, info *KinesisState) (*exec.Cmd, error) {
	info.Script = ferroBinary(ferroVersionDir(c.cacheDir))
	cmd := exec.Command(info.Script,
		"--port", strconv.Itoa(info.Port),
		"--enforce-limits", strconv.FormatBool(info.WriteQuotas),
		"--shard-limit", strconv.Itoa(ferroShardLimit),
		// Every request logged would fill the disk under load and cost the engine the
		// writes.
		"--log-level", "warn")
	cmd.Env = ferroEnv(os.Environ())
	return cmd, nil
}

// ferroWorkerThreads is the size of ferrokinesis's tokio runtime, instead of one thread
// per core. Its 0.7.0 store holds a map's read guard while it awaits a shard's records,
// and a put takes that map's write lock, blocking its thread: once every worker thread
// is blocked so, the reader can never run to release the guard, and the engine stops
// answering for good (ignoring SIGTERM). With one thread per core, 8 concurrent
// PutRecords and 8 GetRecords loops on one shard hung it within seconds on 2 cores; with
// 64 threads, 32 of each ran without a stall. bench's runs have far fewer calls in
// flight per engine (16 per producer), so 64 keeps them clear; idle threads cost little.
// TestFerrokinesisConcurrentPutsAndReads checks it.
const ferroWorkerThreads = 64

// ferroEnv is the environment of a ferrokinesis process: ours without its own variables,
// which could give it a configuration file, a state directory kept across starts, or a
// mirror endpoint that our flags do not override; and with its runtime's size set.
func ferroEnv(base []string) []string {
	env := slices.DeleteFunc(slices.Clone(base), func(kv string) bool {
		return strings.HasPrefix(kv, "FERROKINESIS_") || strings.HasPrefix(kv, "TOKIO_WORKER_THREADS=")
	})
	return append(env, "TOKIO_WORKER_THREADS="+strconv.Itoa(ferroWorkerThreads))
}

// lookCargo finds cargo on PATH, or where rustup puts it (~/.cargo/bin, which a
// non-login shell's PATH often lacks), or says what to install.
func lookCargo() (string, error) {
	if p, err := exec.LookPath("cargo"); err == nil {
		return p, nil
	}
	if home, err := os.UserHomeDir(); err == nil {
		if p, err := exec.LookPath(filepath.Join(home, ".cargo", "bin", "cargo")); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("cargo not found on PATH nor in ~/.cargo/bin: %s", cargoHint)
}
