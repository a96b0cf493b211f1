package brokers

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed" // kafkaPOM
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// kafkaPOM lists the broker's jars; it is written into the cache directory and resolved
// there by Maven. Its digest is stored with the jars, so editing it refetches them.
//
//go:embed kafka-pom.xml
var kafkaPOM []byte

// Files inside a cached version directory (<cache>/kafka-<version>/).
const (
	pomFile    = "pom.xml"
	libsDir    = "libs"
	markerFile = "complete"
)

// errNotCached says a version directory is missing or unusable; the wrapped text says why.
var errNotCached = errors.New("kafka jars not cached")

// EnsureKafkaJars returns the broker's classpath (absolute paths of every jar), fetching
// the jars from Maven Central with `mvn` the first time. Later calls only read the cache
// directory and need neither Maven nor the network.
func EnsureKafkaJars(ctx context.Context, o KafkaOptions) ([]string, error) {
	c, err := o.resolve()
	if err != nil {
		return nil, err
	}
	return c.ensureJars(ctx)
}

func (c kafkaConfig) ensureJars(ctx context.Context) ([]string, error) {
	dir := c.versionDir()
	jars, err := cachedJars(dir, c.version)
	if err == nil {
		return jars, nil
	}
	if !errors.Is(err, errNotCached) {
		return nil, err
	}
	if err := os.MkdirAll(c.cacheDir, 0o755); err != nil {
		return nil, fmt.Errorf("create cache directory: %w", err)
	}
	// One fetch at a time: a second bench started meanwhile waits and then finds the
	// jars, rather than replacing a directory the first one's broker is loading from.
	unlock, err := lockFile(ctx, dir+".lock", "another bench fetching the Kafka jars?")
	if err != nil {
		return nil, err
	}
	defer unlock()
	if jars, err := cachedJars(dir, c.version); err == nil {
		return jars, nil
	}
	if err := c.fetchJars(ctx); err != nil {
		return nil, err
	}
	return cachedJars(dir, c.version)
}

// cachedJars lists the jars in a version directory, if a fetch from the current POM
// completed there.
func cachedJars(dir, version string) ([]string, error) {
	marker, err := os.ReadFile(filepath.Join(dir, markerFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: no completed fetch in %s", errNotCached, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("read kafka jar cache marker: %w", err)
	}
	if strings.TrimSpace(string(marker)) != pomDigest() {
		return nil, fmt.Errorf("%w: %s was fetched from a different POM", errNotCached, dir)
	}
	jars, err := filepath.Glob(filepath.Join(dir, libsDir, "*.jar"))
	if err != nil {
		return nil, fmt.Errorf("list kafka jars in %s: %w", dir, err)
	}
	if !hasJar(jars, "kafka_2.13-"+version+".jar") {
		return nil, fmt.Errorf("%w: %s lacks kafka_2.13-%s.jar", errNotCached, dir, version)
	}
	return jars, nil
}

func hasJar(jars []string, name string) bool {
	for _, j := range jars {
		if filepath.Base(j) == name {
			return true
		}
	}
	return false
}

func pomDigest() string {
	sum := sha256.Sum256(kafkaPOM)
	return hex.EncodeToString(sum[:])
}

// fetchJars runs Maven in a fresh temporary directory and renames it into place only once
// the jars are all there, so an interrupted fetch never looks like a complete cache.
func (c kafkaConfig) fetchJars(ctx context.Context) error {
	if _, err := lookJava(); err != nil {
		return err
	}
	mvn, err := lookMaven()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(c.cacheDir, ".kafka-"+c.version+"-fetch-")
	if err != nil {
		return fmt.Errorf("create kafka fetch directory: %w", err)
	}
	defer os.RemoveAll(tmp) // a no-op once tmp has been renamed into place
	if err := os.WriteFile(filepath.Join(tmp, pomFile), kafkaPOM, 0o644); err != nil {
		return fmt.Errorf("write kafka pom: %w", err)
	}

	c.logf("fetching %s %s jars with Maven (first run only)…", KafkaProduct, c.version)
	start := time.Now()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, mvn, "-B", "-q", "dependency:copy-dependencies")
	cmd.Dir = tmp
	cmd.Stdout = &out
	cmd.Stderr = &out
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return fmt.Errorf("fetch %s %s jars: mvn dependency:copy-dependencies in %s: %w%s",
			KafkaProduct, c.version, tmp, err, indentTail(out.String(), 25))
	}
	jars, err := filepath.Glob(filepath.Join(tmp, libsDir, "*.jar"))
	if err != nil || !hasJar(jars, "kafka_2.13-"+c.version+".jar") {
		return fmt.Errorf("fetch %s %s jars: mvn succeeded but %s has no kafka_2.13-%s.jar%s",
			KafkaProduct, c.version, filepath.Join(tmp, libsDir), c.version, indentTail(out.String(), 25))
	}
	if err := os.WriteFile(filepath.Join(tmp, markerFile), []byte(pomDigest()+"\n"), 0o644); err != nil {
		return fmt.Errorf("write kafka jar cache marker: %w", err)
	}
	if err := replaceDir(tmp, c.versionDir()); err != nil {
		return fmt.Errorf("install kafka jars into %s: %w", c.versionDir(), err)
	}
	c.logf("fetched %d jars into %s in %s", len(jars), filepath.Join(c.versionDir(), libsDir),
		time.Since(start).Round(100*time.Millisecond))
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

// lookJava finds java on PATH, or says what to install.
func lookJava() (string, error) {
	p, err := exec.LookPath("java")
	if err != nil {
		return "", fmt.Errorf("java not found on PATH: install OpenJDK 17 or later "+
			"(Debian/Ubuntu: apt-get install openjdk-17-jre-headless; macOS: brew install openjdk@17): %w", err)
	}
	return p, nil
}

// lookMaven finds mvn on PATH, or says what to install.
func lookMaven() (string, error) {
	p, err := exec.LookPath("mvn")
	if err != nil {
		return "", fmt.Errorf("mvn not found on PATH: install Apache Maven 3.6 or later, used once to fetch "+
			"the Kafka jars from Maven Central (Debian/Ubuntu: apt-get install maven; macOS: brew install maven): %w", err)
	}
	return p, nil
}

// indentTail returns the last n non-empty lines of out, each on its own indented line, for
// appending to an error message; empty if out is blank.
func indentTail(out string, n int) string {
	lines := lastLines(out, n)
	if len(lines) == 0 {
		return ""
	}
	return "\n    " + strings.Join(lines, "\n    ")
}

// lastLines returns up to n trailing non-blank lines of s, without ANSI colour codes,
// which mvn emits even in batch mode on some versions.
func lastLines(s string, n int) []string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimRight(stripANSI(l), " \r\t")
		if l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines
}

// stripANSI removes CSI escape sequences (ESC [ ... final byte).
func stripANSI(s string) string {
	if !strings.Contains(s, "\x1b[") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && (s[j] < 0x40 || s[j] > 0x7e) {
				j++
			}
			i = j
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
