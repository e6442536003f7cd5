package scaleout

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// receiver is an HTTP endpoint that answers every request the same way and
// counts requests per event id (the "id" query parameter) and per replica
// (the User-Agent's last path segment), with their times.
type receiver struct {
	srv    *http.Server
	ln     net.Listener
	status int
	delay  time.Duration

	mu      sync.Mutex
	byID    map[string]int
	byAgent map[string]int
	times   []time.Time
}

func startReceiver(status int, delay time.Duration) (*receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &receiver{ln: ln, status: status, delay: delay, byID: map[string]int{}, byAgent: map[string]int{}}
	r.srv = &http.Server{Handler: http.HandlerFunc(r.serve), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = r.srv.Serve(ln) }()
	return r, nil
}

func (r *receiver) url() string { return "http://" + r.ln.Addr().String() }

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	agent := req.Header.Get("User-Agent")
	if i := strings.LastIndexByte(agent, '/'); i >= 0 {
		agent = agent[i+1:]
	}
	r.mu.Lock()
	r.byID[req.URL.Query().Get("id")]++
	r.byAgent[agent]++
	r.times = append(r.times, time.Now())
	r.mu.Unlock()
	if r.delay > 0 {
		time.Sleep(r.delay)
	}
	w.WriteHeader(r.status)
}

// counts returns copies of the per-id and per-replica counts and the
// request times.
func (r *receiver) counts() (byID, byAgent map[string]int, times []time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	byID, byAgent = make(map[string]int, len(r.byID)), make(map[string]int, len(r.byAgent))
	for k, v := range r.byID {
		byID[k] = v
	}
	for k, v := range r.byAgent {
		byAgent[k] = v
	}
	return byID, byAgent, append([]time.Time(nil), r.times...)
}

func (r *receiver) close() { _ = r.srv.Close() }
