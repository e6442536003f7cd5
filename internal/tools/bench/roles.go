package bench

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/flowhook/flowhook/internal/bus"
)

// startNATS runs an embedded NATS JetStream server with file storage in a
// temporary directory, removed when it stops.
func startNATS(context.Context) (hello, func(), error) {
	dir, err := os.MkdirTemp("", "flowhook-bench-nats-")
	if err != nil {
		return hello{}, func() {}, err
	}
	emb, err := bus.StartEmbedded(bus.EmbeddedOptions{StoreDir: dir, Port: -1, ServerName: "flowhook-bench"})
	if err != nil {
		_ = os.RemoveAll(dir)
		return hello{}, func() {}, err
	}
	return hello{URL: emb.ClientURL()}, func() {
		emb.Shutdown()
		_ = os.RemoveAll(dir)
	}, nil
}

// receiverBody is every receiver response's body: what a typical webhook
// endpoint answers.
var (
	receiverBody = []byte(`{"status":"ok"}`)
	receiverCT   = []string{"application/json"}
)

// receive answers every request 200 with a small JSON body.
func receive(w http.ResponseWriter, _ *http.Request) {
	w.Header()["Content-Type"] = receiverCT
	_, _ = w.Write(receiverBody)
}

// startReceiver serves the loopback endpoint(s). With more than one
// endpoint each gets its own listener, so that every endpoint is a distinct
// origin (scheme://host:port) to its callers: a distinct breaker and
// connection pool. On Linux they are distinct loopback addresses
// 127.88.x.y on one port (the whole 127/8 is local there); elsewhere
// distinct ports on 127.0.0.1.
func startReceiver(_ context.Context, endpoints int) (hello, func(), error) {
	srv := &http.Server{Handler: http.HandlerFunc(receive), ReadHeaderTimeout: 10 * time.Second}
	lns, note, err := listenEndpoints(max(endpoints, 1))
	if err != nil {
		return hello{}, func() {}, err
	}
	h := hello{Note: note}
	for _, ln := range lns {
		go func() { _ = srv.Serve(ln) }()
		h.Endpoints = append(h.Endpoints, "http://"+ln.Addr().String())
	}
	h.URL = h.Endpoints[0]
	if len(lns) == 1 {
		h.Endpoints = nil
	}
	return h, func() { _ = srv.Close() }, nil
}

// listenEndpoints opens n loopback listeners on distinct origins.
func listenEndpoints(n int) ([]net.Listener, string, error) {
	if n == 1 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, "", err
		}
		return []net.Listener{ln}, "", nil
	}
	if lns, err := listenAddresses(n); err == nil {
		return lns, fmt.Sprintf("%d distinct loopback addresses (127.88.x.y), one port", n), nil
	}
	lns := make([]net.Listener, 0, n)
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			closeAll(lns)
			return nil, "", fmt.Errorf("listen on %d endpoints: %w", n, err)
		}
		lns = append(lns, ln)
	}
	return lns, fmt.Sprintf("%d distinct ports on 127.0.0.1", n), nil
}

// listenAddresses listens on one port of n distinct loopback addresses.
func listenAddresses(n int) ([]net.Listener, error) {
	if n > 250*256 {
		return nil, fmt.Errorf("at most %d endpoints", 250*256)
	}
	first, err := net.Listen("tcp", loopbackAddr(0)+":0")
	if err != nil {
		return nil, err
	}
	_, port, _ := net.SplitHostPort(first.Addr().String())
	lns := []net.Listener{first}
	for k := 1; k < n; k++ {
		ln, err := net.Listen("tcp", net.JoinHostPort(loopbackAddr(k), port))
		if err != nil {
			closeAll(lns)
			return nil, err
		}
		lns = append(lns, ln)
	}
	return lns, nil
}

// loopbackAddr is the k-th address of 127.88.0.0/16 (never .0).
func loopbackAddr(k int) string {
	return "127.88." + strconv.Itoa(k/250) + "." + strconv.Itoa(k%250+1)
}

func closeAll(lns []net.Listener) {
	for _, ln := range lns {
		_ = ln.Close()
	}
}
