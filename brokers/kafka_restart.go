package brokers

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// metaFile is what formatting the storage writes into each log directory; Kafka refuses
// to start without it.
const metaFile = "meta.properties"

// Restart stops the broker (SIGTERM, up to 15s, then SIGKILL to its process group, as
// Stop does) without removing its data directory, then starts it again in that directory,
// on the same ports, with the same configuration, certificate and KafkaUser password, and
// returns once it answers metadata requests again. The storage is not formatted again, so
// topics, records and KafkaUser's SCRAM credentials survive. ctx bounds the whole restart;
// the wait for the new JVM is also bounded by the start timeout.
//
// The new JVM is tied to this process like the first, and appends to the same log; PID and
// Info then describe it. If it cannot be started, Restart returns an error (with the end
// of the log) and nothing is left running; Stop still removes the data directory. Stop may
// be called during a Restart from another goroutine: it interrupts the restart.
func (k *Kafka) Restart(ctx context.Context) error {
	return k.restartAs(ctx, restartHow{})
}

// restartAs is Restart, taking the broker down as how says.
func (k *Kafka) restartAs(ctx context.Context, how restartHow) error {
	return k.run.restartAs(ctx, how, func(ctx context.Context) (func(context.Context) (*child, error), error) {
		info := k.Info()
		start, err := k.c.relaunch(ctx, info, true)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context) (*child, error) {
			// Stopped: until a new JVM answers there is none to report.
			info.PID = 0
			k.setInfo(info)
			proc, next, err := start(ctx)
			if err != nil {
				return nil, err
			}
			k.setInfo(next)
			return proc, nil
		}, nil
	})
}

// RestartKafka restarts the detached broker that UpKafka recorded in the state directory,
// as Kafka.Restart does a run-scoped one: it stops it, keeping its data, ports,
// certificate and KafkaUser password, and starts it again there, detached as UpKafka
// starts it. It takes the state lock as UpKafka and DownKafka do, records the new JVM's pid
// and start time in the state file, and returns the new state. The heap is the one the
// broker was started with, whatever o asks for.
//
// With no detached broker running it returns an error saying so. If the broker cannot be
// started again, nothing is left running and its state and data are removed, as after a
// failed UpKafka; the error says where its log was kept.
func RestartKafka(ctx context.Context, o KafkaOptions) (KafkaState, error) {
	return o.detached().restart(ctx)
}

// relaunch checks that the broker info describes can start again in its data directory,
// which an earlier JVM has left, and returns the function that starts it there: java
// found again, on the same ports, with the same server.properties and heap, appending to
// the same log, without formatting the storage. bound is as for launch.
func (c kafkaConfig) relaunch(ctx context.Context, info KafkaState, bound bool) (
	func(context.Context) (*child, KafkaState, error), error) {
	if info.Version != c.version {
		return nil, fmt.Errorf("the broker runs Kafka %s; this bench runs %s", info.Version, c.version)
	}
	java, err := c.tools(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range []string{info.ConfigPath, filepath.Join(info.DataDir, kraftLogDir, metaFile)} {
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("kafka data directory %s is not ready for a restart: %w", info.DataDir, err)
		}
	}
	ports, err := info.namedPorts()
	if err != nil {
		return nil, err
	}
	if info.HeapMB == 0 {
		info.HeapMB = c.heapMB
	}
	return func(ctx context.Context) (*child, KafkaState, error) {
		if err := ctx.Err(); err != nil {
			return nil, info, fmt.Errorf("start kafka at %s: %w", info.Address, err)
		}
		// The old JVM has let go of its ports; if something else has taken one, say which
		// rather than leave it to a bind error deep in the broker's log.
		for _, p := range ports {
			if err := portFree("127.0.0.1", p.port); err != nil {
				return nil, info, fmt.Errorf("start kafka at %s: its %s port %d on 127.0.0.1 was taken while it was "+
					"stopped: %w", info.Address, p.name, p.port, err)
			}
		}
		noteRestart(info.LogPath)
		return c.startJVM(ctx, java, info, bound)
	}, nil
}

// namedPorts are the ports the broker st describes listens on, all on 127.0.0.1, as
// namedPorts names them for a new broker. A state without TLS listeners (from an older
// bench) has none of those.
func (st KafkaState) namedPorts() ([]namedPort, error) {
	ports := []namedPort{{"listener", st.Port}, {"controller", st.ControllerPort}}
	for _, a := range []struct{ name, addr string }{{"TLS listener", st.TLSAddress}, {"SASL_SSL listener", st.SASLAddress}, {"fault listener", st.FaultListener}} {
		if a.addr == "" {
			continue
		}
		_, port, err := net.SplitHostPort(a.addr)
		if err != nil {
			return nil, fmt.Errorf("kafka %s address %q: %w", a.name, a.addr, err)
		}
		n, err := strconv.Atoi(port)
		if err != nil {
			return nil, fmt.Errorf("kafka %s address %q: bad port", a.name, a.addr)
		}
		ports = append(ports, namedPort{a.name, n})
	}
	if err := checkPorts("kafka", ports); err != nil {
		return nil, err
	}
	return ports, nil
}

// noteRestart marks in the broker's log where the next JVM's output begins, in the form
// of the broker's own lines. A log that cannot be written to is left to spawn to report.
func noteRestart(logPath string) {
	f, err := os.OpenFile(logPath, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return
	}
	defer f.Close()
	fmt.Fprintf(f, "[%s] INFO streambench: starting the broker again in this data directory, storage kept (streambench)\n",
		time.Now().Format("2006-01-02 15:04:05,000"))
}
