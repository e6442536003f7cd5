package demo

import (
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
)

// capture is a receiving endpoint that records what it got.
type capture struct {
	name   string
	server *httptest.Server
	mu     sync.Mutex
	seen   []seenRequest
}

// seenRequest is a received request with personal data and credentials
// already masked.
type seenRequest struct {
	Method string
	Path   string
	Query  string // parameter names with masked values
	Auth   string // masked Authorization header
}

func newCapture(name string, status int, body string) *capture {
	c := &capture{name: name}
	c.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.seen = append(c.seen, seenRequest{
			Method: r.Method,
			Path:   r.URL.Path,
			Query:  maskQuery(r),
			Auth:   maskCredential(r.Header.Get("Authorization")),
		})
		c.mu.Unlock()
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	return c
}

func (c *capture) requests() []seenRequest {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]seenRequest(nil), c.seen...)
}

// maskQuery lists the query's parameter names in order of the raw query,
// each value replaced by a mask that shows only its length class.
func maskQuery(r *http.Request) string {
	var parts []string
	for _, kv := range strings.Split(r.URL.RawQuery, "&") {
		if kv == "" {
			continue
		}
		name, value, _ := strings.Cut(kv, "=")
		parts = append(parts, name+"="+maskValue(value))
	}
	return strings.Join(parts, "&")
}

func maskValue(v string) string {
	if v == "" {
		return "(empty)"
	}
	return "***"
}

// maskCredential keeps an Authorization header's scheme and hides the rest.
func maskCredential(v string) string {
	if v == "" {
		return ""
	}
	scheme, _, found := strings.Cut(v, " ")
	if !found {
		return "***"
	}
	return scheme + " ***"
}

// tally counts strings.
type tally map[string]int

func (t tally) sorted() []string {
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
