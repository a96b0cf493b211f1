package main

import (
	"flag"
	"strings"
	"testing"
)

// TestHelp builds the help of every command (flagHelp panics when a command's flags
// and the sections of its help disagree, or a flag's usage does not name its value),
// asks for it both ways ('bench help CMD' and 'bench CMD --help'), and checks that the
// hand-written parts around the flags are there.
func TestHelp(t *testing.T) {
	wants := map[string][]string{
		"run": {
			"\nWhere the brokers come from",
			"\nFlags (every flag given is recorded",
			"\n  --target NAME         run only",
			"\nSecurity of an external Kafka or Redpanda cluster",
			"\n  --kafka-insecure-skip-verify  accept any certificate",
			"\nCtrl-C once stops the load",
			"Examples:\n  bench run scenarios/small-msgs.yaml\n",
			"  bench run --repeat 3 scenarios/small-msgs.yaml\n",
		},
		"validate": {"Exits 0 when every file is valid", "Example:\n  bench validate scenarios/*.yaml\n"},
		"report": {
			"\nFlags:\n  --format F ", "\n  --metric M ", "\n  --each ", "\n  -o FILE ",
			"\nA file that is not a result", "Examples:\n  bench report results/small-msgs/\n",
		},
		"compare": {
			"\nFlags:\n  --format F ", "\n  --each ", "\n  -o FILE ", "(n.s.)",
			"Examples:\n  bench compare results/small-msgs/20261124T140000Z-kafka.json",
		},
		"brokers": {
			"\nEnvironments (--env):", "\nFlags:\n  --env E ", "\n  --aws-quotas ", "--aws-quotas=false",
			"\nLocally, Kafka needs java", "Examples:\n  bench brokers up\n",
		},
		"verify": {
			"\nFlags:\n  --from DIR ", "\nWhere the brokers are, as for 'bench run'", "\n  --kinesis-engine ENGINE ",
			"kinesis-mock for C4 and C8", "\nExit status: 0 when", "Examples:\n  bench verify\n",
		},
		"peer": {
			"\n  stall ", "\nFlags:\n  --repeat N ", "\n  --only NAME ", "\nExit status: 0 when",
			"Examples:\n  bench peer\n",
		},
		"version": {"Prints bench's version"},
	}
	for _, c := range commands() {
		t.Run(c.name, func(t *testing.T) {
			code, help, stderr := runBench("help", c.name)
			if code != exitOK || stderr != "" {
				t.Fatalf("help %s: exit %d\n%s", c.name, code, stderr)
			}
			code, dashHelp, stderr := runBench(c.name, "--help")
			if code != exitOK || stderr != "" || dashHelp != help {
				t.Errorf("%s --help: exit %d, stderr %q, and a help that differs from 'bench help %s':\n%s",
					c.name, code, stderr, c.name, dashHelp)
			}
			if !strings.HasPrefix(help, "Usage: bench "+c.name) {
				t.Errorf("help does not start with its usage line:\n%s", help)
			}
			if strings.Contains(help, "\n\n\n") || !strings.HasSuffix(help, "\n") || strings.HasSuffix(help, "\n\n") {
				t.Errorf("help has two blank lines in a row, or does not end in one newline:\n%s", help)
			}
			want, ok := wants[c.name]
			if !ok {
				t.Errorf("TestHelp has nothing to look for in the help of %s", c.name)
			}
			for _, w := range want {
				if !strings.Contains(help, w) {
					t.Errorf("help lacks %q", w)
				}
			}
		})
	}
}

func TestFlagHelp(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.String("name", "", "the `N` to use, which is a long description that goes on and on past the width of one line of help")
	fs.Bool("a-rather-long-flag-name", false, "short")
	fs.Int("o", 0, "one `DASH`")
	got := flagHelp(fs, []flagSection{{"One:", []string{"name"}}, {"Two:", []string{"a-rather-long-flag-name", "o"}}})
	want := `One:
  --name N              the N to use, which is a long description that goes on and on
                        past the width of one line of help

Two:
  --a-rather-long-flag-name  short
  -o DASH               one DASH
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	fs.String("unnamed", "", "a value without a name")
	all := []string{"name", "a-rather-long-flag-name", "o", "unnamed"}
	for _, sections := range [][]flagSection{
		{{"One:", []string{"name"}}},                 // flags in no section
		{{"One:", append([]string{"nope"}, all...)}}, // a flag fs lacks
		{{"One:", append([]string{"name"}, all...)}}, // a flag listed twice
		{{"One:", all}}, // a value the usage does not name
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("no panic for %v", sections)
				}
			}()
			flagHelp(fs, sections)
		}()
	}
}
