package main

import (
	"strings"
	"testing"
)

func TestRunRefusesUnknownEngine(t *testing.T) {
	code, _, stderr := runBench("run", "--kinesis-engine", "kinesalite", "../../scenarios/small-msgs.yaml")
	if code != exitUsage || !strings.Contains(stderr, `--kinesis-engine must be one of ferrokinesis, kinesis-mock, not "kinesalite"`) {
		t.Errorf("exit %d:\n%s", code, stderr)
	}
}
