package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	"streambench/brokers"
)

const brokersHelp = `Usage: bench brokers up|status|down [flags]

Manages a local Apache Kafka ` + brokers.KafkaVersion + ` broker (KRaft, single node, 127.0.0.1) that
outlives the command, so that several runs, or the tests, can share it. 'bench run' uses
it when it is up, and starts a broker of its own for the run when it is not.

  up      fetch the broker's jars with Maven (first time only), start it, wait until it
          answers, print its address; does nothing if one is already up
  status  say whether it is up, and where; exits 1 when it is not
  down    stop it and remove its data

Flags:
  --port N        PLAINTEXT listener port (default 9092; controller on port+1)
  --heap-mb N     JVM heap in MiB, 256 to 1024 (default 1024)

Needs java (17 or later) and mvn on PATH. Jars are cached in $BENCH_CACHE_DIR
(default: the user cache directory, streambench/); state in $BENCH_STATE_DIR.

Examples:
  bench brokers up && export BENCH_KAFKA_BROKERS=127.0.0.1:9092
  bench brokers status
  bench brokers down
`

func brokersCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("brokers", flag.ContinueOnError)
	port := fs.Int("port", 0, "")
	heap := fs.Int("heap-mb", 0, "")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want one of up, status, down")
	}
	o := brokers.KafkaOptions{Port: *port, HeapMB: *heap, Log: stderr}
	if *port != 0 {
		o.ControllerPort = *port + 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	switch pos[0] {
	case "up":
		st, started, err := brokers.UpKafka(ctx, o)
		if err != nil {
			return err
		}
		verb := "already up"
		if started {
			verb = "started"
		}
		fmt.Fprintf(stdout, "%s %s %s at %s (pid %d, log %s)\n", st.Product, st.Version, verb, st.Address, st.PID, st.LogPath)
		return nil
	case "status":
		st, running, err := brokers.KafkaStatus(ctx, o)
		if err != nil {
			return err
		}
		if !running {
			fmt.Fprintln(stdout, "no local broker is up")
			return fmt.Errorf("not running")
		}
		fmt.Fprintf(stdout, "%s %s up at %s (pid %d since %s, log %s)\n", st.Product, st.Version, st.Address, st.PID, st.StartedAt.Format("2006-01-02 15:04:05"), st.LogPath)
		return nil
	case "down":
		return brokers.DownKafka(ctx, o)
	}
	return usagef("unknown action %q: want up, status or down", pos[0])
}
