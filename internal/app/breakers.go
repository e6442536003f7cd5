package app

import (
	"encoding/json"
	"net/http"

	"github.com/flowhook/flowhook/internal/breaker"
)

// breakersResponse is the body of GET /v1/breakers.
type breakersResponse struct {
	Breakers []breaker.Status `json:"breakers"`
}

// serveBreakers answers GET /v1/breakers[?account=A][&state=S]: this
// replica's circuit breakers (one per account and origin), sorted by
// account and origin, optionally only those of one account or in one
// state (closed, half-open, open).
func (a *App) serveBreakers(w http.ResponseWriter, r *http.Request) {
	account, state := r.URL.Query().Get("account"), r.URL.Query().Get("state")
	switch state {
	case "", "closed", "half-open", "open":
	default:
		http.Error(w, "state must be closed, half-open or open", http.StatusBadRequest)
		return
	}
	resp := breakersResponse{Breakers: []breaker.Status{}}
	for _, s := range a.breakers.Snapshot() {
		if (account == "" || s.Account == account) && (state == "" || s.State.String() == state) {
			resp.Breakers = append(resp.Breakers, s)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}
