package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"streambench/brokers"
	"streambench/peer"
	"streambench/report"
)

// peerHelp is the help of 'bench peer': peerHelpHead, the flags, each with its usage,
// and peerHelpTail.
func peerHelp() string {
	return peerHelpHead + flagHelp(newPeerFlagSet(new(peerFlags)), peerFlagSections) + peerHelpTail
}

// peerHelpHead is the help of 'bench peer' before its flags.
const peerHelpHead = `Usage: bench peer [flags]

Measures bench beside Apache Kafka's own performance tools, on one local Kafka broker,
in one sitting: in each repetition the peer tool runs, then bench ('bench run' of a
scenario written for the purpose), with the same settings; each as a process of its
own, whose CPU time and peak memory come from the kernel.

  produce-100, produce-1024  producer throughput at 100-byte and 1 KiB records, as fast
                             as acknowledgements allow, acks=all: bench vs
                             ProducerPerformance (records/s, MB/s, CPU s per million
                             records, peak memory)
  consume                    consumer throughput over the same backlog: bench vs
                             ConsumerPerformance
  end-to-end                 end-to-end latency with one message in flight: bench vs
                             EndToEndLatency (mean, p50, p99, p99.9)
  stall                      the broker stopped (SIGSTOP) for 1 s during a 1,000 msg/s
                             run: what bench and ProducerPerformance report (p99.9, max)

It uses the broker of 'bench brokers up' if one is up, and otherwise starts one for
its runs and stops it at the end. The peer tools come from the org.apache.kafka:
kafka-tools jars, fetched with the broker's (Maven Central, cached). With the defaults
(3 repetitions, full size) it takes about 12 minutes on a 2-core machine.

Written to DIR/peer/<UTC time>/: peer.md (one table per measurement: bench's and the
peer's median [least-greatest] over the repetitions and the ratio bench/peer, then the
targets bench is held to), peer.json (every sample), the scenarios bench ran, bench's
results, and what each process printed, headed by its command line and its cost. The
tables are also printed on standard output.

`

// peerHelpTail is the help of 'bench peer' after its flags.
const peerHelpTail = `
Exit status: 0 when every measurement was taken, 1 when one failed (the tables hold
what was measured), 2 for a bad flag, 130 if interrupted.

Examples:
  bench peer
  bench peer --only end-to-end --repeat 5
  bench peer --scale 0.1 --repeat 1
`

var peerFlagSections = []flagSection{{"Flags:", []string{"repeat", "only", "scale", "out"}}}

type peerFlags struct {
	repeat int
	only   stringList
	scale  float64
	out    string
}

// newPeerFlagSet registers the flags of 'bench peer', with their usage, into f.
func newPeerFlagSet(f *peerFlags) *flag.FlagSet {
	fs := flag.NewFlagSet("peer", flag.ContinueOnError)
	fs.IntVar(&f.repeat, "repeat", 3, "`N` repetitions of each measurement (default 3)")
	fs.Var(&f.only, "only", "take only the measurement `NAME` (one of those above); repeatable")
	fs.Float64Var(&f.scale, "scale", 1, "multiply every run's size (records, durations) by `X`: 0.1 for a quick check (the "+
		"figures are then rougher, JVM start-up weighs more)")
	fs.StringVar(&f.out, "out", "results", "the directory `DIR` the comparison goes to (default results)")
	return fs
}

func peerCmd(args []string, stdout, stderr io.Writer) error {
	var f peerFlags
	fs := newPeerFlagSet(&f)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("takes no arguments, got %q", pos)
	}
	if f.repeat < 1 || f.repeat > 100 {
		return usagef("--repeat must be from 1 to 100, not %d", f.repeat)
	}
	if !(f.scale > 0 && f.scale <= 10) {
		return usagef("--scale must be above 0 and at most 10, not %g", f.scale)
	}
	for _, name := range f.only {
		if !slices.Contains(peer.Names(), name) {
			return usagef("--only: no measurement %q (known: %s)", name, strings.Join(peer.Names(), ", "))
		}
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding bench's own binary, whose runs are measured: %w", err)
	}

	in, stopInterrupts := catchInterrupts()
	defer stopInterrupts()
	soft, hard := in.soft, in.hard
	ko := brokers.KafkaOptions{Log: stderr, Bound: true}
	st, started, err := brokers.UpKafka(soft, ko)
	if err != nil {
		return err
	}
	if started {
		fmt.Fprintln(stderr, "bench peer: started a local Kafka broker for the comparison; it is stopped at the end")
		defer func() {
			if err := brokers.DownKafka(hard, ko); err != nil {
				fmt.Fprintf(stderr, "bench peer: %v\n", err)
			}
		}()
	}
	dir := filepath.Join(f.out, "peer", time.Now().UTC().Format("20060102T150405Z"))
	outs, runErr := peer.Run(soft, peer.Config{
		Kafka: ko, Address: st.Address, Bench: exe, Dir: dir,
		Repeat: f.repeat, Only: f.only, Scale: f.scale, Log: stderr,
	})
	if err := writePeer(dir, outs, stdout); err != nil {
		return errors.Join(runErr, err)
	}
	fmt.Fprintf(stderr, "bench peer: written to %s\n", dir)
	if soft.Err() != nil {
		return errInterrupted
	}
	return runErr
}

// writePeer writes the tables (to dir/peer.md and stdout) and the samples.
func writePeer(dir string, outs []peer.Outcome, stdout io.Writer) error {
	var md strings.Builder
	fmt.Fprintf(&md, "## bench vs Kafka's performance tools (%s)\n\n", filepath.Base(dir))
	if err := peer.Markdown(&md, outs); err != nil {
		return err
	}
	js, err := json.MarshalIndent(outs, "", "  ")
	if err != nil {
		return err
	}
	for name, data := range map[string][]byte{"peer.md": []byte(md.String()), "peer.json": append(js, '\n')} {
		if err := report.WriteFile(filepath.Join(dir, name), data); err != nil {
			return err
		}
	}
	_, err = io.WriteString(stdout, md.String())
	return err
}
