package nodestats

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// MaxLimit caps the number of worst nodes one query returns.
const MaxLimit = 1000

// Handler serves node stats as JSON:
//
//	GET /v1/stats?account=A                     every node of the account, and its total
//	GET /v1/stats?account=A&flow=F              every node of a flow, and its total
//	GET /v1/stats?account=A&flow=F&node=N       one node
//	GET /v1/stats/worst?account=A&limit=10      the account's worst nodes
//
// Bad parameters answer 400, an unknown node 404, an unreadable bucket 503;
// errors are JSON objects {"error": "..."}.
func Handler(r *Reader) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		ctx, cancel := context.WithTimeout(req.Context(), 10*time.Second)
		defer cancel()
		q := req.URL.Query()
		account := q.Get("account")
		if !flowevent.ValidAccount(account) {
			writeError(w, http.StatusBadRequest, "account is required: 1 to 64 characters from A-Z a-z 0-9 _ -")
			return
		}
		switch req.URL.Path {
		case "/v1/stats/worst":
			limit, err := parseLimit(q.Get("limit"))
			if err != nil {
				writeError(w, http.StatusBadRequest, err.Error())
				return
			}
			rep, err := r.Worst(ctx, account, limit)
			respond(w, rep, err)
		case "/v1/stats":
			flow, node := q.Get("flow"), q.Get("node")
			switch {
			case node != "" && flow == "":
				writeError(w, http.StatusBadRequest, "node needs flow")
			case node != "":
				v, err := r.Node(ctx, account, flow, node)
				respond(w, v, err)
			default:
				rep, err := r.Flow(ctx, account, flow)
				respond(w, rep, err)
			}
		default:
			writeError(w, http.StatusNotFound, "not found")
		}
	})
}

func parseLimit(s string) (int, error) {
	if s == "" {
		return 10, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > MaxLimit {
		return 0, errors.New("limit must be a number from 1 to " + strconv.Itoa(MaxLimit))
	}
	return n, nil
}

func respond(w http.ResponseWriter, v any, err error) {
	switch {
	case errors.Is(err, ErrNotFound):
		writeError(w, http.StatusNotFound, "no stats for this node yet")
	case err != nil:
		writeError(w, http.StatusServiceUnavailable, "node stats unavailable")
	default:
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
}

func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}
