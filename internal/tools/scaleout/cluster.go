package scaleout

import (
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Cluster is a NATS JetStream cluster of in-process servers on loopback
// ports, each with its own store directory. Its methods are safe for
// concurrent use.
type Cluster struct {
	dir          string
	clientPorts  []int
	clusterPorts []int

	mu   sync.Mutex
	srvs []*server.Server // nil while a node is down
}

// StartCluster starts an n-node cluster whose nodes keep their files under
// dir, and waits until JetStream has a meta leader.
func StartCluster(dir string, n int) (*Cluster, error) {
	c := &Cluster{dir: dir, srvs: make([]*server.Server, n)}
	for range n {
		cp, err := freePort()
		if err != nil {
			return nil, err
		}
		rp, err := freePort()
		if err != nil {
			return nil, err
		}
		c.clientPorts, c.clusterPorts = append(c.clientPorts, cp), append(c.clusterPorts, rp)
	}
	for i := range n {
		if err := c.start(i); err != nil {
			c.Shutdown()
			return nil, err
		}
	}
	if err := c.waitMetaLeader(30 * time.Second); err != nil {
		c.Shutdown()
		return nil, err
	}
	return c, nil
}

// options are node i's server options; fresh on every start, since the
// server keeps and changes them.
func (c *Cluster) options(i int) *server.Options {
	routes := make([]string, len(c.clusterPorts))
	for j, p := range c.clusterPorts {
		routes[j] = fmt.Sprintf("nats://127.0.0.1:%d", p)
	}
	return &server.Options{
		ServerName: fmt.Sprintf("scaleout-n%d", i),
		Host:       "127.0.0.1",
		Port:       c.clientPorts[i],
		JetStream:  true,
		StoreDir:   filepath.Join(c.dir, fmt.Sprintf("n%d", i)),
		NoSigs:     true,
		NoLog:      true,
		MaxPayload: 8 << 20,
		Cluster:    server.ClusterOpts{Name: "scaleout", Host: "127.0.0.1", Port: c.clusterPorts[i]},
		Routes:     server.RoutesFromStr(strings.Join(routes, ",")),
	}
}

func (c *Cluster) start(i int) error {
	srv, err := server.NewServer(c.options(i))
	if err != nil {
		return fmt.Errorf("scaleout: node %d: %w", i, err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		return fmt.Errorf("scaleout: node %d not ready within 10s", i)
	}
	c.mu.Lock()
	c.srvs[i] = srv
	c.mu.Unlock()
	return nil
}

// waitMetaLeader waits until one node is JetStream's meta leader.
func (c *Cluster) waitMetaLeader(within time.Duration) error {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		c.mu.Lock()
		for _, s := range c.srvs {
			if s != nil && s.JetStreamIsLeader() {
				c.mu.Unlock()
				return nil
			}
		}
		c.mu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("scaleout: no JetStream meta leader")
}

// URL is node i's client URL.
func (c *Cluster) URL(i int) string { return fmt.Sprintf("nats://127.0.0.1:%d", c.clientPorts[i]) }

// URLs lists every node's client URL, comma-separated.
func (c *Cluster) URLs() string {
	urls := make([]string, len(c.clientPorts))
	for i := range urls {
		urls[i] = c.URL(i)
	}
	return strings.Join(urls, ",")
}

// Kill shuts node i down at once: its clients are cut off, its stream
// replicas stop, another node takes the leaderships it held.
func (c *Cluster) Kill(i int) {
	c.mu.Lock()
	srv := c.srvs[i]
	c.srvs[i] = nil
	c.mu.Unlock()
	if srv != nil {
		srv.Shutdown()
		srv.WaitForShutdown()
	}
}

// Restart starts node i again on its port and store, and waits until its
// JetStream has caught up with the cluster.
func (c *Cluster) Restart(i int) error {
	if err := c.start(i); err != nil {
		return err
	}
	c.mu.Lock()
	srv := c.srvs[i]
	c.mu.Unlock()
	deadline := time.Now().Add(30 * time.Second)
	for !srv.JetStreamIsCurrent() {
		if time.Now().After(deadline) {
			return fmt.Errorf("scaleout: node %d did not catch up within 30s", i)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil
}

// Shutdown stops every node.
func (c *Cluster) Shutdown() {
	for i := range c.srvs {
		c.Kill(i)
	}
}

// freePort returns a loopback TCP port free at the time of the call.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("scaleout: free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
