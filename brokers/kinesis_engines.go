package brokers

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"time"
)

// The local Kinesis engines this package runs.
const (
	// EngineFerrokinesis is ferrokinesis, built from the Rust crate registry with cargo:
	// fast enough to carry real load, and able to enforce AWS's per-shard write quotas.
	EngineFerrokinesis = "ferrokinesis"
	// EngineKinesisMock is kinesis-mock, installed from the npm registry: the engine
	// LocalStack runs, slow under load, enforcing no quota.
	EngineKinesisMock = "kinesis-mock"
)

// KinesisEngines lists the engines, the default first.
var KinesisEngines = []string{EngineFerrokinesis, EngineKinesisMock}

// kinesisEngine is what differs between the local Kinesis engines: how each is installed,
// started and named. The rest (ports, process, state, readiness) is shared.
type kinesisEngine interface {
	product() string
	version() string
	// files names the engine's state file, lock, log and data directories ("kinesis" for
	// kinesis-mock, as before there was a second engine).
	files() string
	defaultPort() int
	// tls reports whether the engine also opens an HTTPS port.
	tls() bool
	// quotas reports whether the engine can enforce AWS's write quotas.
	quotas() bool
	stopGrace() time.Duration
	killNote() string
	// installDir is where the pinned version is installed in the cache.
	installDir(cacheDir string) string
	// installed reports whether the pinned version is in the cache, without installing.
	installed(cacheDir string) bool
	// installable says why the engine cannot be installed here (a missing tool), or nil.
	installable() error
	ensureInstalled(ctx context.Context, c kinesisConfig) error
	// command is the command line that runs the engine as c and info say; it fills in
	// info.Script.
	command(ctx context.Context, c kinesisConfig, info *KinesisState) (*exec.Cmd, error)
}

func engineNamed(name string) (kinesisEngine, error) {
	switch name {
	case EngineFerrokinesis:
		return ferroEngine{}, nil
	case EngineKinesisMock:
		return mockEngine{}, nil
	}
	return nil, fmt.Errorf("unknown Kinesis engine %q: want %s or %s", name, EngineFerrokinesis, EngineKinesisMock)
}

// KinesisEngineChoice says which engine KinesisOptions{Engine: engine} runs, and why,
// for the output: the one named, else $BENCH_KINESIS_ENGINE, else ferrokinesis where it
// is built or cargo can build it, else kinesis-mock.
func KinesisEngineChoice(engine, cacheDir string) (name, why string, err error) {
	if cacheDir == "" {
		c, err := (baseConfig{}).resolve(DefaultKinesisStartTimeout)
		if err != nil {
			return "", "", err
		}
		cacheDir = c.cacheDir
	}
	e, why, err := chooseEngine(engine, cacheDir)
	if err != nil {
		return "", "", err
	}
	return e.product(), why, nil
}

func chooseEngine(name, cacheDir string) (kinesisEngine, string, error) {
	why := "asked for"
	if name == "" {
		name, why = os.Getenv(EnvKinesisEngine), "$"+EnvKinesisEngine
	}
	if name != "" {
		e, err := engineNamed(name)
		if err != nil && why != "asked for" {
			err = fmt.Errorf("%s: %w", why, err)
		}
		return e, why, err
	}
	ferro := ferroEngine{}
	if ferro.installed(cacheDir) {
		return ferro, "the default engine, built in the cache", nil
	}
	err := ferro.installable()
	if err == nil {
		return ferro, "the default engine; the first start builds it with cargo", nil
	}
	return mockEngine{}, fmt.Sprintf("ferrokinesis, the default engine, cannot be built here (%v), so kinesis-mock", err), nil
}

// EnsureKinesisEngine installs o's engine if it is not in the cache yet (kinesis-mock with
// npm, ferrokinesis built with cargo) and returns the directory it is installed in,
// <cache>/<name>-<version>. Later calls only read the cache.
func EnsureKinesisEngine(ctx context.Context, o KinesisOptions) (string, error) {
	c, err := o.resolve()
	if err != nil {
		return "", err
	}
	if err := c.engine.ensureInstalled(ctx, c); err != nil {
		return "", err
	}
	return c.engine.installDir(c.cacheDir), nil
}

// KinesisEngineOf says which local engine recorded in the state directory serves
// endpoint, if any: for an endpoint named by a variable or flag that is in fact one of
// ours, so that its results still name the engine.
func KinesisEngineOf(ctx context.Context, endpoint string, o KinesisOptions) (KinesisState, bool) {
	for _, name := range KinesisEngines {
		o.Engine = name
		st, running, err := KinesisStatus(ctx, o)
		if (running || (err != nil && st.PID != 0)) && st.Endpoint == endpoint {
			return st, true
		}
	}
	return KinesisState{}, false
}

// mockEngine is kinesis-mock, run by node from the npm package kinesis-local.
type mockEngine struct{}

func (mockEngine) product() string          { return KinesisProduct }
func (mockEngine) version() string          { return KinesisVersion }
func (mockEngine) files() string            { return "kinesis" }
func (mockEngine) defaultPort() int         { return DefaultKinesisPort }
func (mockEngine) tls() bool                { return true }
func (mockEngine) quotas() bool             { return false }
func (mockEngine) stopGrace() time.Duration { return kinesisStopGrace }
func (mockEngine) killNote() string {
	return " (it waits for clients to close idle connections; it keeps nothing on disk, so nothing is lost)"
}

func (mockEngine) installDir(cacheDir string) string { return mockVersionDir(cacheDir) }

func (mockEngine) installed(cacheDir string) bool {
	return checkKinesisInstall(mockVersionDir(cacheDir)) == nil
}

func (mockEngine) installable() error {
	if _, err := exec.LookPath("npm"); err != nil {
		return errors.New("npm not found on PATH")
	}
	return nil
}

func (mockEngine) ensureInstalled(ctx context.Context, c kinesisConfig) error {
	if _, err := lookNode(ctx); err != nil {
		return err
	}
	return c.ensureMockInstalled(ctx)
}

func (mockEngine) command(ctx context.Context, c kinesisConfig, info *KinesisState) (*exec.Cmd, error) {
	node, err := lookNode(ctx)
	if err != nil {
		return nil, err
	}
	info.Script = c.script()
	cmd := exec.Command(node, info.Script)
	cmd.Env = kinesisEnv(os.Environ(), info.Port, info.TLSPort, c.certPath())
	return cmd, nil
}
