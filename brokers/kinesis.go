package brokers

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	// KinesisProduct is the product name of kinesis-mock, the emulator of the Kinesis Data
	// Streams API that LocalStack runs, and one of the two local engines this package
	// starts (EngineKinesisMock).
	KinesisProduct = "kinesis-mock"
	// KinesisVersion is the kinesis-mock release this package installs and runs, from the
	// npm package kinesis-local of the same version.
	KinesisVersion = "0.6.2"
	// EnvKinesisEndpoint names an existing Kinesis endpoint URL to use instead of a local
	// engine, such as "http://127.0.0.1:4569".
	EnvKinesisEndpoint = "BENCH_KINESIS_ENDPOINT"
	// EnvKinesisEngine picks the local Kinesis engine when neither a flag nor the scenario
	// does: ferrokinesis or kinesis-mock.
	EnvKinesisEngine = "BENCH_KINESIS_ENGINE"
)

// Defaults for KinesisOptions fields left zero. Each engine has its own default port, so
// that both can be up at once.
const (
	DefaultKinesisPort         = 4568 // kinesis-mock's plain HTTP port, HTTPS on the port below
	DefaultFerrokinesisPort    = 4569
	DefaultKinesisStartTimeout = 30 * time.Second

	// kinesisStopGrace is short because kinesis-mock, on SIGTERM, waits for its clients to
	// close their connections, and an idle keep-alive connection in a client's pool (as
	// AWS SDKs keep) holds it up for as long as the client lives. It keeps its streams in
	// memory only, so the SIGKILL that follows loses nothing.
	kinesisStopGrace = 3 * time.Second
)

// KinesisOptions configures a local Kinesis engine. The zero value asks for the defaults:
// the default engine (see KinesisEngineChoice) on its default port, AWS's write quotas
// enforced where the engine can.
//
// Neither engine has a setting for the address it binds: both listen on all interfaces,
// so a machine's firewall, not this package, keeps them off the network. Clients here
// always reach them through 127.0.0.1.
type KinesisOptions struct {
	// Engine is EngineFerrokinesis or EngineKinesisMock; empty means $BENCH_KINESIS_ENGINE,
	// and failing that ferrokinesis where it is built or cargo can build it, else
	// kinesis-mock.
	Engine string
	// NoQuotas starts ferrokinesis without AWS's per-shard write quotas (1 MiB/s and
	// 1,000 records/s); kinesis-mock enforces none in any case.
	NoQuotas bool
	// CacheDir holds the installed engines. Empty means $BENCH_CACHE_DIR, or
	// os.UserCacheDir()/streambench when that is unset.
	CacheDir string
	// StateDir holds the state file and data of a detached engine, and the data
	// directories of run-scoped ones (under run/). Empty means
	// $BENCH_STATE_DIR, or <CacheDir>/state when that is unset.
	StateDir string
	// Port serves the API over plain HTTP, the endpoint clients use; 0 means
	// $BENCH_KINESIS_PORT, else the engine's default (4569 for ferrokinesis, 4568 for
	// kinesis-mock).
	Port int
	// TLSPort serves the API over HTTPS with a self-signed certificate. kinesis-mock always
	// opens it; nothing here uses it. 0 means the port below Port (4567 by default).
	// ferrokinesis serves plain HTTP only.
	TLSPort int
	// FreePorts picks unused ports instead of Port and TLSPort, so that tests can run
	// beside an engine on the default ports.
	FreePorts bool
	// StartTimeout bounds the wait for the engine to answer; 0 means 30s.
	StartTimeout time.Duration
	// Bound ties a broker UpKinesis starts to the calling process, as StartKinesis's is: it
	// dies with it (on Linux) even though its state file lets other bench processes use
	// it meanwhile. For a caller that shares one broker among its runs and must not
	// leave it behind if killed (bench verify).
	Bound bool
	// Log receives progress messages, one per line; nil discards them.
	Log io.Writer
}

// WantsWriteQuotas reports whether an engine started with o enforces AWS's write quotas:
// one that can (ferrokinesis), unless NoQuotas. o.Engine must be resolved (see
// KinesisEngineChoice).
func (o KinesisOptions) WantsWriteQuotas() bool {
	e, err := engineNamed(o.Engine)
	return err == nil && o.writeQuotas(e)
}

// writeQuotas reports whether engine e, started with o, enforces AWS's write quotas.
func (o KinesisOptions) writeQuotas(e kinesisEngine) bool { return e.quotas() && !o.NoQuotas }

// kinesisConfig is KinesisOptions with every default resolved and every value checked.
type kinesisConfig struct {
	baseConfig
	engine kinesisEngine
	// quotas is true when the engine is to enforce AWS's write quotas (ferrokinesis only).
	quotas  bool
	port    int
	tlsPort int
}

// resolve fills in defaults and rejects values that cannot work. Ports are not checked
// for availability here: that happens just before the engine starts.
func (o KinesisOptions) resolve() (kinesisConfig, error) {
	c := kinesisConfig{
		baseConfig: baseConfig{
			// Named for the engine once it is chosen, which needs the cache directory.
			name:         "kinesis",
			kind:         "kinesis",
			cacheDir:     o.CacheDir,
			stateDir:     o.StateDir,
			freePorts:    o.FreePorts,
			startTimeout: o.StartTimeout,
			log:          o.Log,
		},
		port:    o.Port,
		tlsPort: o.TLSPort,
	}
	var err error
	if c.baseConfig, err = c.baseConfig.resolve(DefaultKinesisStartTimeout); err != nil {
		return c, err
	}
	if c.engine, _, err = chooseEngine(o.Engine, c.cacheDir); err != nil {
		return c, err
	}
	c.quotas = o.writeQuotas(c.engine)
	c.name, c.stopGrace, c.killNote = c.engine.files(), c.engine.stopGrace(), c.engine.killNote()
	if c.port == 0 {
		if c.port, err = portFromEnv(EnvKinesisPort); err != nil {
			return c, err
		}
	}
	if c.port == 0 {
		c.port = c.engine.defaultPort()
	}
	if c.tlsPort == 0 && c.engine.tls() {
		c.tlsPort = c.port - 1
	}
	if !c.freePorts {
		if err := checkPorts(c.name, c.ports()); err != nil {
			return c, err
		}
	}
	return c, nil
}

// ports are the ports the engine listens on, on all interfaces.
func (c kinesisConfig) ports() []namedPort {
	if !c.engine.tls() {
		return []namedPort{{"HTTP", c.port}}
	}
	return []namedPort{{"HTTP", c.port}, {"HTTPS", c.tlsPort}}
}

// choosePorts returns the HTTP and HTTPS ports to use (tlsPort 0 for an engine without
// HTTPS), checking that they can be bound on all interfaces right now, as the engines bind
// them.
func (c kinesisConfig) choosePorts() (port, tlsPort int, err error) {
	ports, err := choosePorts(c.name, "", c.freePorts, c.ports())
	if err != nil {
		return 0, 0, err
	}
	if len(ports) > 1 {
		tlsPort = ports[1]
	}
	return ports[0], tlsPort, nil
}

// Kinesis is a local Kinesis engine started by StartKinesis for the length of one run. It
// is tied to the calling process: Stop ends it, and on Linux it is killed if that process
// dies first. It keeps its streams in memory only: each start begins empty.
type Kinesis struct {
	info KinesisState
	run  *runScoped
}

// Endpoint returns the URL of the Kinesis API over plain HTTP, such as
// "http://127.0.0.1:4569". Clients must still sign their requests (any credentials do)
// and name a region.
func (k *Kinesis) Endpoint() string { return k.info.Endpoint }

// PID returns the process id of the engine.
func (k *Kinesis) PID() int { return k.info.PID }

// LogPath returns the file that receives the engine's stdout and stderr.
func (k *Kinesis) LogPath() string { return k.info.LogPath }

// Version returns the engine's release, such as "0.7.0".
func (k *Kinesis) Version() string { return k.info.Version }

// Product returns the engine's name: "ferrokinesis" or "kinesis-mock".
func (k *Kinesis) Product() string { return k.info.Product }

// Info returns everything known about the running engine.
func (k *Kinesis) Info() KinesisState { return k.info }

// StartKinesis installs the engine if needed (kinesis-mock with npm, ferrokinesis with
// cargo: see EnsureKinesisEngine), starts it with a fresh data directory as its working
// directory, and returns once it answers the Kinesis API. ctx bounds the start only
// (install, wait); the engine then runs until Stop, which also removes the data
// directory. The caller must call Stop.
func StartKinesis(ctx context.Context, o KinesisOptions) (*Kinesis, error) {
	c, err := o.resolve()
	if err != nil {
		return nil, err
	}
	run, info, err := startRunScoped(c.baseConfig, func(dataDir string) (*child, KinesisState, error) {
		return c.launch(ctx, dataDir, true)
	})
	if err != nil {
		return nil, err
	}
	return &Kinesis{info: info, run: run}, nil
}

// Stop shuts the engine down: SIGTERM, a few seconds (or until ctx ends) for a clean
// shutdown, then SIGKILL to its whole process group. The grace is short because
// kinesis-mock waits on SIGTERM until its clients close their idle connections, which
// they may never do; the streams of either engine live in memory only, so the SIGKILL
// loses nothing. Stop then removes the data directory. Calling Stop again does nothing
// more.
func (k *Kinesis) Stop(ctx context.Context) error {
	return k.run.stop(ctx)
}

// launch starts the engine with dataDir as its working directory, returning once it
// answers. bound ties it to this process (run-scoped); otherwise it is detached. On error
// nothing is left running.
func (c kinesisConfig) launch(ctx context.Context, dataDir string, bound bool) (*child, KinesisState, error) {
	if err := c.engine.ensureInstalled(ctx, c); err != nil {
		return nil, KinesisState{}, err
	}
	port, tlsPort, err := c.choosePorts()
	if err != nil {
		return nil, KinesisState{}, err
	}
	info := KinesisState{
		Product:     c.engine.product(),
		Version:     c.engine.version(),
		Endpoint:    "http://127.0.0.1:" + strconv.Itoa(port),
		Port:        port,
		TLSPort:     tlsPort,
		WriteQuotas: c.quotas,
		DataDir:     dataDir,
		LogPath:     filepath.Join(dataDir, logFileName(c.name)),
	}
	cmd, err := c.engine.command(ctx, c, &info)
	if err != nil {
		return nil, info, err
	}
	cmd.Dir = dataDir
	c.logf("starting %s at %s (%s, log %s)…", info.label(), info.Endpoint, info.QuotaText(), info.LogPath)
	start := time.Now()
	proc, err := c.spawn(ctx, cmd, info.Endpoint, info.LogPath, bound, func(ctx context.Context) error {
		return pingKinesis(ctx, info.Endpoint)
	})
	if err != nil {
		return nil, info, err
	}
	info.PID = proc.pid
	info.StartedAt = start.UTC().Truncate(time.Second)
	c.logf("%s ready at %s in %s (pid %d)", info.label(), info.Endpoint,
		time.Since(start).Round(100*time.Millisecond), info.PID)
	return proc, info, nil
}

// kinesisEnv is the environment of a kinesis-mock process: base (ours) with its ports,
// certificate and quieter logging set, and with the settings that would make it start
// with streams or data of its own removed, so that every start begins empty.
func kinesisEnv(base []string, port, tlsPort int, certPath string) []string {
	drop := []string{"INITIALIZE_STREAMS", "SHOULD_PERSIST_DATA", "LOAD_DATA_IF_EXISTS",
		"KINESIS_MOCK_PLAIN_PORT", "KINESIS_MOCK_TLS_PORT", "KINESIS_MOCK_CERT_PATH", "LOG_LEVEL"}
	env := make([]string, 0, len(base)+7)
	for _, kv := range base {
		name, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(drop, name) {
			env = append(env, kv)
		}
	}
	return append(env,
		"KINESIS_MOCK_PLAIN_PORT="+strconv.Itoa(port),
		"KINESIS_MOCK_TLS_PORT="+strconv.Itoa(tlsPort),
		// Read relative to the working directory unless absolute.
		"KINESIS_MOCK_CERT_PATH="+certPath,
		// INFO logs every request: a benchmark would fill the disk and pay for the writes.
		"LOG_LEVEL=WARN",
		"SHOULD_PERSIST_DATA=false",
		"LOAD_DATA_IF_EXISTS=false",
	)
}

// pingKinesis asks the engine at endpoint to list its streams.
func pingKinesis(ctx context.Context, endpoint string) error {
	status, body, err := kinesisCall(ctx, endpoint, "ListStreams", "{}")
	if err != nil {
		return err
	}
	var answer struct {
		StreamNames *[]string
	}
	if status != http.StatusOK || json.Unmarshal(body, &answer) != nil || answer.StreamNames == nil {
		return fmt.Errorf("ListStreams at %s answered HTTP %d: %.200s", endpoint, status, body)
	}
	return nil
}

// kinesisCall sends one Kinesis API request (action "ListStreams", body its JSON input)
// to endpoint and returns the HTTP status and body of the answer. kinesis-mock requires a
// request to be signed but does not check the signature, so a well-formed placeholder gets
// a real answer without pulling an AWS SDK into this package. Real AWS would refuse it:
// this is for local engines only.
func kinesisCall(ctx context.Context, endpoint, action, body string) (status int, answer []byte, err error) {
	now := time.Now().UTC()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+"/", strings.NewReader(body))
	if err != nil {
		return 0, nil, fmt.Errorf("kinesis request to %s: %w", endpoint, err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "Kinesis_20131202."+action)
	req.Header.Set("X-Amz-Date", now.Format("20060102T150405Z"))
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=streambench/"+now.Format("20060102")+
		"/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=0")
	client := http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	answer, err = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return 0, nil, fmt.Errorf("%s at %s: read answer: %w", action, endpoint, err)
	}
	return resp.StatusCode, answer, nil
}
