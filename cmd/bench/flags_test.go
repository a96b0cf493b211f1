package main

import (
	"flag"
	"regexp"
	"strings"
	"testing"
)

// TestRunHelp checks the help of 'bench run', generated from its flags: every flag is
// listed, at the start of a line, with the name of its value, and the examples are
// there.
func TestRunHelp(t *testing.T) {
	code, help, _ := runBench("help", "run")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	newRunFlagSet(new(runFlags)).VisitAll(func(f *flag.Flag) {
		arg, _ := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if arg != "" {
			line += " " + arg
		}
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(line) + ` `).MatchString(help) {
			t.Errorf("no line starts with %q", line)
		}
		if _, isBool := f.Value.(interface{ IsBoolFlag() bool }); !isBool && arg != strings.ToUpper(arg) {
			t.Errorf("--%s: its usage does not name its value (a back-quoted word): %q", f.Name, f.Usage)
		}
	})
	for _, want := range []string{
		"Examples:\n  bench run scenarios/small-msgs.yaml\n",
		"  bench run --repeat 3 scenarios/small-msgs.yaml\n",
		"\nSecurity of an external Kafka or Redpanda cluster",
		"\nWhere the brokers come from",
		"\nCtrl-C once stops the load",
	} {
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %q", want)
		}
	}
	if strings.Contains(help, "\n\n\n") {
		t.Error("help has two blank lines in a row")
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
