package brokers

import (
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
	in := install{
		dir:  c.versionDir(),
		what: "the Kafka jars",
		check: func(dir string) error {
			_, err := cachedJars(dir, c.version)
			return err
		},
		fill: c.fetchJars,
	}
	if err := in.ensure(ctx); err != nil {
		return nil, err
	}
	return cachedJars(in.dir, c.version)
}

// cachedJars lists the jars in a version directory, if a fetch from the current POM
// completed there.
func cachedJars(dir, version string) ([]string, error) {
	marker, err := os.ReadFile(filepath.Join(dir, markerFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("kafka jars %w: no completed fetch in %s", errNotCached, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("read kafka jar cache marker: %w", err)
	}
	if strings.TrimSpace(string(marker)) != pomDigest() {
		return nil, fmt.Errorf("kafka jars %w: %s was fetched from a different POM", errNotCached, dir)
	}
	jars, err := filepath.Glob(filepath.Join(dir, libsDir, "*.jar"))
	if err != nil {
		return nil, fmt.Errorf("list kafka jars in %s: %w", dir, err)
	}
	if !hasJar(jars, "kafka_2.13-"+version+".jar") {
		return nil, fmt.Errorf("kafka jars %w: %s lacks kafka_2.13-%s.jar", errNotCached, dir, version)
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

// fetchJars runs Maven in tmp, leaving there the jars and the marker that says they came
// from the current POM.
func (c kafkaConfig) fetchJars(ctx context.Context, tmp string) error {
	if _, err := lookJava(); err != nil {
		return err
	}
	mvn, err := lookMaven()
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tmp, pomFile), kafkaPOM, 0o644); err != nil {
		return fmt.Errorf("write kafka pom: %w", err)
	}

	c.logf("fetching %s %s jars with Maven (first run only)…", KafkaProduct, c.version)
	start := time.Now()
	out, err := runTool(ctx, c.note("mvn fetching the kafka jars"), tmp, mvn, "-B", "-q", "dependency:copy-dependencies")
	if err != nil {
		return fmt.Errorf("fetch %s %s jars: mvn dependency:copy-dependencies in %s: %w%s",
			KafkaProduct, c.version, tmp, err, OutputTail(out, 25))
	}
	jars, err := filepath.Glob(filepath.Join(tmp, libsDir, "*.jar"))
	if err != nil || !hasJar(jars, "kafka_2.13-"+c.version+".jar") {
		return fmt.Errorf("fetch %s %s jars: mvn succeeded but %s has no kafka_2.13-%s.jar%s",
			KafkaProduct, c.version, filepath.Join(tmp, libsDir), c.version, OutputTail(out, 25))
	}
	if err := os.WriteFile(filepath.Join(tmp, markerFile), []byte(pomDigest()+"\n"), 0o644); err != nil {
		return fmt.Errorf("write kafka jar cache marker: %w", err)
	}
	c.logf("fetched %d jars into %s in %s", len(jars), filepath.Join(c.versionDir(), libsDir),
		time.Since(start).Round(100*time.Millisecond))
	return nil
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
