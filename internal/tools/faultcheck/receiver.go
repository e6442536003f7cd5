package faultcheck

import (
	"context"
	"net"
	"net/http"
	"sync"
	"time"
)

// delivery is one request the receiver got.
type delivery struct {
	id, key, webhookID string
	at                 time.Time
	status             int
	// answered: the response went out before the client gave up.
	answered bool
}

// behaviour decides the receiver's answer to a request for id arriving at
// at: its status and how long to wait before answering.
type behaviour func(id string, at time.Time) (status int, delay time.Duration)

// answerOK answers every request 200 at once.
func answerOK(string, time.Time) (int, time.Duration) { return http.StatusOK, 0 }

// receiver is a real HTTP endpoint that records every delivery with its
// idempotency headers.
type receiver struct {
	srv    *http.Server
	ln     net.Listener
	behave behaviour

	mu         sync.Mutex
	deliveries []delivery
}

// startReceiver listens on a loopback port.
func startReceiver(b behaviour) (*receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &receiver{ln: ln, behave: b}
	r.srv = &http.Server{Handler: http.HandlerFunc(r.serve), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = r.srv.Serve(ln) }()
	return r, nil
}

// url is the receiver's base URL.
func (r *receiver) url() string { return "http://" + r.ln.Addr().String() }

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	d := delivery{id: req.URL.Query().Get("id"), key: req.Header.Get("Idempotency-Key"),
		webhookID: req.Header.Get("Webhook-Id"), at: time.Now()}
	status, delay := r.behave(d.id, d.at)
	d.status = status
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-req.Context().Done():
		}
	}
	d.answered = req.Context().Err() == nil
	w.WriteHeader(status)
	r.mu.Lock()
	r.deliveries = append(r.deliveries, d)
	r.mu.Unlock()
}

// all returns a copy of every delivery so far.
func (r *receiver) all() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.deliveries...)
}

func (r *receiver) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = r.srv.Shutdown(ctx)
}
