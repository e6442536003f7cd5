package app

import (
	"encoding/json"
	"net"
	"net/http"
	"time"
)

// startAdmin serves the operator endpoints:
//
//	GET /healthz      200 while the process is alive
//	GET /readyz       200 while connected to NATS and consuming, else 503
//	GET /v1/breakers  the circuit breakers' states as JSON
func (a *App) startAdmin() error {
	if a.cfg.AdminAddr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", a.cfg.AdminAddr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !a.ready.Load() || a.nc == nil || !a.nc.IsConnected() {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	mux.HandleFunc("GET /v1/breakers", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(a.breakers.Snapshot())
	})
	a.adminLn = ln
	a.admin = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = a.admin.Serve(ln) }()
	return nil
}
