package main

import (
	"context"
	"fmt"
	"io"

	"streambench/brokers"
)

// benchProcesses does, for 'bench brokers status' and 'down', what concerns the
// processes that benches record in the state directory (run-scoped brokers, tools, a
// detached broker not yet in its state file): status lists those still running; down
// kills those whose bench is gone (killed or crashed) and removes their records, as it
// removes the records of processes already gone, saying what it did.
func benchProcesses(ctx context.Context, action string, names []string, stdout, stderr io.Writer) error {
	dir, err := brokers.StateDir("")
	if err != nil {
		return err
	}
	switch action {
	case "status":
		procs, err := brokers.Processes(dir, names...)
		left := false
		for _, p := range procs {
			switch {
			case p.Alive && p.OwnerAlive:
				fmt.Fprintf(stdout, "running for a bench: %s\n", p)
			case p.Alive:
				fmt.Fprintf(stdout, "left behind by a bench that is gone: %s\n", p)
				left = true
			}
		}
		if left {
			fmt.Fprintln(stdout, "('bench brokers down' kills what a bench that is gone left behind)")
		}
		return err
	case "down":
		procs, err := brokers.CleanProcesses(ctx, dir, names...)
		for _, p := range procs {
			switch {
			case p.Killed:
				fmt.Fprintf(stderr, "killed what a bench that is gone left behind: %s\n", p)
			case !p.Alive:
				fmt.Fprintf(stderr, "removed the record of a process already gone: %s\n", p)
			case p.OwnerAlive:
				fmt.Fprintf(stderr, "left alone, its bench is running: %s\n", p)
			}
		}
		for _, d := range brokers.CleanRunData(dir) {
			fmt.Fprintf(stderr, "removed the data a killed bench left behind: %s\n", d)
		}
		return err
	}
	return nil
}
