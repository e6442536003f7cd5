package app

import (
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/flowhook/flowhook/internal/nodestats"
)

// startAdmin serves the operator endpoints:
//
//	GET /healthz          200 while the process is alive
//	GET /readyz           200 while connected to NATS, bound to the consumer
//	                      and pulling, and not draining; else 503 and why
//	GET /metrics          Prometheus metrics (internal/metrics)
//	GET /v1/breakers      the circuit breakers' states as JSON (breakers.go)
//	GET /v1/stats         node stats as JSON (internal/nodestats.Handler)
//	GET /v1/stats/worst   an account's worst nodes
//	GET /stats/           the node stats page (nodestats.Page), for people
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
		if ok, why := a.readiness(); !ok {
			http.Error(w, "not ready: "+why, http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	mux.HandleFunc("GET /v1/breakers", a.serveBreakers)
	mux.Handle("GET /metrics", promhttp.HandlerFor(a.ops.reg, promhttp.HandlerOpts{}))
	stats := nodestats.Handler(a.ops.stats)
	mux.Handle("GET /v1/stats", stats)
	mux.Handle("GET /v1/stats/worst", stats)
	mux.Handle("GET "+nodestats.PagePrefix, nodestats.Page(a.ops.stats))
	a.adminLn = ln
	a.admin = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = a.admin.Serve(ln) }()
	return nil
}
