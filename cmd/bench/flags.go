package main

import (
	"errors"
	"flag"
	"io"
	"strings"
)

// errHelp asks for a command's help text.
var errHelp = errors.New("help requested")

// parseFlags parses args with fs, allowing flags after the positional arguments
// (`bench run scenario.yaml --duration 10s`), and returns the positional ones. It
// records which flags were set, and to what, in set (if not nil).
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errHelp
			}
			return nil, usagef("%s", err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// setFlags lists the flags given on the command line, with their values.
func setFlags(fs *flag.FlagSet) map[string]string {
	out := map[string]string{}
	fs.Visit(func(f *flag.Flag) { out["--"+f.Name] = f.Value.String() })
	return out
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

func (l *stringList) Set(v string) error {
	*l = append(*l, v)
	return nil
}
