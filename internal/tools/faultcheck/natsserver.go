package faultcheck

import (
	"fmt"
	"net"
	"time"

	"github.com/flowhook/flowhook/internal/bus"
)

// natsServer is an in-process NATS JetStream server with file storage
// that can be restarted on the same port and store directory, as a NATS
// deployment coming back after a restart would be.
type natsServer struct {
	opts bus.EmbeddedOptions
	emb  *bus.Embedded
}

// startNATS starts a server storing in dir, on a free port.
func startNATS(dir string) (*natsServer, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	n := &natsServer{opts: bus.EmbeddedOptions{StoreDir: dir, Port: port, ServerName: "faultcheck", SyncAlways: true}}
	if n.emb, err = bus.StartEmbedded(n.opts); err != nil {
		return nil, err
	}
	return n, nil
}

// url is the client URL; it does not change across restarts.
func (n *natsServer) url() string { return fmt.Sprintf("nats://127.0.0.1:%d", n.opts.Port) }

// restart shuts the server down, keeps it down for down, and starts it
// again on the same port and store.
func (n *natsServer) restart(down time.Duration) error {
	n.emb.Shutdown()
	time.Sleep(down)
	var err error
	for range 20 { // the port may take a moment to be free again
		if n.emb, err = bus.StartEmbedded(n.opts); err == nil {
			return nil
		}
		time.Sleep(250 * time.Millisecond)
	}
	return fmt.Errorf("faultcheck: restart nats: %w", err)
}

func (n *natsServer) shutdown() {
	if n.emb != nil {
		n.emb.Shutdown()
	}
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("faultcheck: free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
