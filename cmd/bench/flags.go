package main

import (
	"errors"
	"flag"
	"io"
	"strings"
	"unicode/utf8"
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

// A flagSection is a heading of a command's help and the flags listed under it.
type flagSection struct {
	title string
	flags []string
}

// Where a command's help puts a flag's usage, and how wide its lines are.
const (
	helpIndent = 24
	helpWidth  = 88
)

// flagHelp lists the flags of fs for a command's help, under the headings of sections
// and in their order: each flag (one dash for a one-letter name, two for the others)
// with the name of its value (the back-quoted word of its usage; none for a bool) and
// its usage, wrapped; a blank line between two sections. A flag that no section lists,
// one listed that fs lacks, or one with a value whose usage does not name it is a
// mistake of the command's code, which panics (and which TestHelp catches).
func flagHelp(fs *flag.FlagSet, sections []flagSection) string {
	var b strings.Builder
	listed := map[string]bool{}
	for i, s := range sections {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(wrap(s.title, 0, 0))
		for _, name := range s.flags {
			f := fs.Lookup(name)
			if f == nil || listed[name] {
				panic("help of " + fs.Name() + ": flag --" + name + " unknown or listed twice")
			}
			listed[name] = true
			arg, usage := flag.UnquoteUsage(f)
			if arg != "" && !strings.Contains(f.Usage, "`") {
				panic("help of " + fs.Name() + ": the usage of --" + name + " names no value (a back-quoted word)")
			}
			head := "  --" + name
			if utf8.RuneCountInString(name) == 1 {
				head = "  -" + name
			}
			if arg != "" {
				head += " " + arg
			}
			if len(head) <= helpIndent-2 {
				head += strings.Repeat(" ", helpIndent-len(head))
			} else {
				head += "  "
			}
			b.WriteString(head + wrap(usage, len(head), helpIndent))
		}
	}
	fs.VisitAll(func(f *flag.Flag) {
		if !listed[f.Name] {
			panic("help of " + fs.Name() + ": flag --" + f.Name + " in no section")
		}
	})
	return b.String()
}

// wrap breaks text into lines of at most helpWidth characters (a word longer than a
// line has one of its own), the first starting at column first (already written), the
// others indented to column indent; each line ends with a newline.
func wrap(text string, first, indent int) string {
	var b strings.Builder
	col := first
	for i, word := range strings.Fields(text) {
		n := utf8.RuneCountInString(word)
		switch {
		case i == 0:
		case col+1+n > helpWidth:
			b.WriteString("\n" + strings.Repeat(" ", indent))
			col = indent
		default:
			b.WriteString(" ")
			col++
		}
		b.WriteString(word)
		col += n
	}
	return b.String() + "\n"
}
