package brokers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// kinesisPackage is the npm package that ships kinesis-mock as one Node.js script, with
// no dependencies.
const kinesisPackage = "kinesis-local"

// minNodeMajor is the oldest Node.js release kinesis-mock is run on; nodeHint says the
// same in words.
const (
	minNodeMajor = 18
	nodeHint     = "kinesis-mock needs Node.js 18 or later (node and npm on PATH); install it with your " +
		"package manager (Debian/Ubuntu: apt-get install nodejs npm; macOS: brew install node)"
)

// EnsureKinesisMock returns the path of kinesis-mock's main script, installing the npm
// package kinesis-local (version KinesisVersion) into the cache directory with `npm` the
// first time. Later calls only read the cache directory and need neither npm nor the
// network; running the script still needs node.
func EnsureKinesisMock(ctx context.Context, o KinesisOptions) (string, error) {
	o.Engine = EngineKinesisMock
	c, err := o.resolve()
	if err != nil {
		return "", err
	}
	if err := c.ensureMockInstalled(ctx); err != nil {
		return "", err
	}
	return c.script(), nil
}

// mockVersionDir is where this kinesis-mock version is installed: an npm prefix directory.
func mockVersionDir(cacheDir string) string {
	return filepath.Join(cacheDir, kinesisPackage+"-"+KinesisVersion)
}

func (c kinesisConfig) versionDir() string { return mockVersionDir(c.cacheDir) }

// packageDir is the installed package inside an npm prefix directory.
func packageDir(prefix string) string {
	return filepath.Join(prefix, "node_modules", kinesisPackage)
}

// script is kinesis-mock's entry point.
func (c kinesisConfig) script() string { return filepath.Join(packageDir(c.versionDir()), "main.js") }

// certPath is the certificate kinesis-mock serves HTTPS with, shipped in the package.
func (c kinesisConfig) certPath() string {
	return filepath.Join(packageDir(c.versionDir()), "server.json")
}

func (c kinesisConfig) ensureMockInstalled(ctx context.Context) error {
	return install{
		dir:   c.versionDir(),
		what:  KinesisProduct,
		check: checkKinesisInstall,
		fill:  c.npmInstall,
	}.ensure(ctx)
}

// checkKinesisInstall accepts an npm prefix directory that holds the pinned version of the
// package with the two files we run.
func checkKinesisInstall(prefix string) error {
	dir := packageDir(prefix)
	b, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%s %w: no %s package in %s", KinesisProduct, errNotCached, kinesisPackage, prefix)
	}
	if err != nil {
		return fmt.Errorf("read %s package: %w", KinesisProduct, err)
	}
	var pkg struct{ Name, Version string }
	if err := json.Unmarshal(b, &pkg); err != nil || pkg.Name != kinesisPackage || pkg.Version != KinesisVersion {
		return fmt.Errorf("%s %w: %s holds %q %q, not %s %s", KinesisProduct, errNotCached,
			dir, pkg.Name, pkg.Version, kinesisPackage, KinesisVersion)
	}
	for _, f := range []string{"main.js", "server.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			return fmt.Errorf("%s %w: %s lacks %s", KinesisProduct, errNotCached, dir, f)
		}
	}
	return nil
}

// npmInstall installs the pinned package into the npm prefix directory tmp.
func (c kinesisConfig) npmInstall(ctx context.Context, tmp string) error {
	if _, err := lookNode(ctx); err != nil {
		return err
	}
	npm, err := lookNpm()
	if err != nil {
		return err
	}
	// A package.json of our own makes tmp the project npm installs into; without one, npm
	// would look upwards for a project and could install into the user's.
	manifest := fmt.Sprintf(`{"name": "streambench-kinesis-mock", "private": true, "dependencies": {%q: %q}}`+"\n",
		kinesisPackage, KinesisVersion)
	if err := os.WriteFile(filepath.Join(tmp, "package.json"), []byte(manifest), 0o644); err != nil {
		return fmt.Errorf("write %s package.json: %w", KinesisProduct, err)
	}
	spec := kinesisPackage + "@" + KinesisVersion
	c.logf("installing %s %s with npm (%s, first run only)…", KinesisProduct, KinesisVersion, spec)
	start := time.Now()
	out, err := runTool(ctx, c.note("npm installing kinesis-mock"), tmp, npm, "install", "--prefix", tmp, "--no-audit", "--no-fund",
		"--save-exact", spec)
	if err != nil {
		return fmt.Errorf("install %s %s: npm install %s in %s: %w%s",
			KinesisProduct, KinesisVersion, spec, tmp, err, OutputTail(out, 25))
	}
	if err := checkKinesisInstall(tmp); err != nil {
		return fmt.Errorf("install %s %s: npm succeeded but %w%s", KinesisProduct, KinesisVersion, err, OutputTail(out, 25))
	}
	c.logf("installed %s into %s in %s", spec, c.versionDir(), time.Since(start).Round(100*time.Millisecond))
	return nil
}

// lookNode finds node on PATH and checks that it is recent enough, or says what to
// install.
func lookNode(ctx context.Context) (string, error) {
	p, err := exec.LookPath("node")
	if err != nil {
		return "", fmt.Errorf("node not found on PATH: %s: %w", nodeHint, err)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := runTool(ctx, nil, "", p, "--version")
	if err != nil {
		return "", fmt.Errorf("%s --version: %w%s", p, err, OutputTail(out, 5))
	}
	major, ok := nodeMajor(out)
	if !ok {
		return "", fmt.Errorf("%s --version printed %q, not a Node.js version: %s", p, strings.TrimSpace(out), nodeHint)
	}
	if major < minNodeMajor {
		return "", fmt.Errorf("%s is Node.js %s: %s", p, strings.TrimSpace(out), nodeHint)
	}
	return p, nil
}

// nodeMajor reads the major version from `node --version` output, such as "v20.20.2".
func nodeMajor(out string) (int, bool) {
	v, ok := strings.CutPrefix(strings.TrimSpace(out), "v")
	if !ok {
		return 0, false
	}
	major, _, _ := strings.Cut(v, ".")
	n, err := strconv.Atoi(major)
	return n, err == nil && n > 0
}

// lookNpm finds npm on PATH, or says what to install.
func lookNpm() (string, error) {
	p, err := exec.LookPath("npm")
	if err != nil {
		return "", fmt.Errorf("npm not found on PATH, needed once to install %s@%s from the npm registry: %s: %w",
			kinesisPackage, KinesisVersion, nodeHint, err)
	}
	return p, nil
}
