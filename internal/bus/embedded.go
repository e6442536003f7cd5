package bus

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"syscall"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// EmbeddedOptions configures an in-process NATS server with JetStream.
type EmbeddedOptions struct {
	// Host and Port to listen on; Port -1 picks a free port. Defaults
	// 127.0.0.1 and -1.
	Host string
	Port int
	// StoreDir is where JetStream keeps its file storage. Required.
	StoreDir string
	// ServerName names the server; default "flowhook-embedded".
	ServerName string
	// SyncAlways makes JetStream fsync every write (sync_interval: always):
	// slower, but an acknowledged write survives a power loss.
	SyncAlways bool
	// MonitorPort, when > 0, serves NATS monitoring (/jsz, /varz) on it.
	MonitorPort int
	// MaxPayload is the largest message the server accepts; default
	// DefaultEmbeddedMaxPayload. Tests set a stock server's 1 MiB.
	MaxPayload int32
}

// DefaultEmbeddedMaxPayload is the embedded server's max_payload: room for
// dead-letter records, which carry a request event's bytes base64-encoded,
// of events up to a few MiB (NATS's own default is 1 MiB).
const DefaultEmbeddedMaxPayload = 8 << 20

// checkPortFree returns a *PortInUseError when host:port cannot be
// listened on because something else listens there. A port of 0 or less
// (any free port) is always free. The check is not atomic with the
// server's own listen, but turns the usual case — a server already
// running — into a clear error instead of a readiness timeout.
func checkPortFree(host string, port int) error {
	if port <= 0 {
		return nil
	}
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return &PortInUseError{Addr: addr}
		}
		return fmt.Errorf("bus: embedded NATS server: listen on %s: %w", addr, err)
	}
	return ln.Close()
}

// Embedded is a running in-process NATS server.
type Embedded struct {
	srv *server.Server
}

// StartEmbedded starts an in-process NATS server with JetStream and waits
// until it accepts connections.
func StartEmbedded(o EmbeddedOptions) (*Embedded, error) {
	if o.StoreDir == "" {
		return nil, errors.New("bus: embedded server needs a store directory")
	}
	if o.Host == "" {
		o.Host = "127.0.0.1"
	}
	if o.Port == 0 {
		o.Port = -1
	}
	if o.ServerName == "" {
		o.ServerName = "flowhook-embedded"
	}
	if o.MaxPayload <= 0 {
		o.MaxPayload = DefaultEmbeddedMaxPayload
	}
	opts := &server.Options{
		ServerName: o.ServerName,
		Host:       o.Host,
		Port:       o.Port,
		JetStream:  true,
		StoreDir:   o.StoreDir,
		NoSigs:     true,
		NoLog:      true,
		HTTPHost:   o.Host,
		HTTPPort:   o.MonitorPort,
		MaxPayload: o.MaxPayload,
	}
	if o.SyncAlways {
		opts.SyncAlways = true
	}
	if err := errors.Join(checkPortFree(o.Host, o.Port), checkPortFree(o.Host, o.MonitorPort)); err != nil {
		return nil, err
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("bus: embedded server: %w", err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		// Taken between the check and the server's own listen?
		if err := checkPortFree(o.Host, o.Port); err != nil {
			return nil, err
		}
		return nil, errors.New("bus: embedded server did not become ready within 10s")
	}
	return &Embedded{srv: srv}, nil
}

// ClientURL is the URL clients connect to.
func (e *Embedded) ClientURL() string { return e.srv.ClientURL() }

// Server exposes the underlying server (tests use it to restart or inspect).
func (e *Embedded) Server() *server.Server { return e.srv }

// Shutdown stops the server and waits until it is down.
func (e *Embedded) Shutdown() {
	e.srv.Shutdown()
	e.srv.WaitForShutdown()
}
