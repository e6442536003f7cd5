package inspect

import (
	"bytes"
	"embed"
	"encoding/json"
	"html/template"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/flowhook/flowhook/internal/pageserve"
)

//go:embed web
var webFiles embed.FS

var pageTemplate = template.Must(template.New("").Funcs(template.FuncMap{
	"clock":       func(t time.Time) string { return t.Format("15:04:05.000") },
	"rfc3339":     func(t time.Time) string { return t.Format(time.RFC3339Nano) },
	"statusClass": statusClass,
	"answer":      answerText,
	"pretty":      prettyJSON,
}).ParseFS(webFiles, "web/page.html"))

// contentSecurityPolicy lets the page load only its own script, style and
// API: captured data cannot run script even if escaping failed.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
	"img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// uiHandler serves the page, its assets and the API under UIPrefix.
func (c *Catcher) uiHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+UIPrefix+"{$}", c.servePage)
	mux.HandleFunc("GET "+UIPrefix+"fragment", c.serveFragment)
	mux.HandleFunc("GET "+UIPrefix+"api/requests", c.serveList)
	mux.HandleFunc("DELETE "+UIPrefix+"api/requests", c.serveReset)
	mux.HandleFunc("GET "+UIPrefix+"app.js", pageserve.Asset(webFiles, "web/app.js", "text/javascript; charset=utf-8"))
	mux.HandleFunc("GET "+UIPrefix+"style.css", pageserve.Asset(webFiles, "web/style.css", "text/css; charset=utf-8"))
	mux.HandleFunc(strings.TrimSuffix(UIPrefix, "/"), func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, UIPrefix, http.StatusMovedPermanently)
	})
	return localOnly(pageserve.SecureHeaders(contentSecurityPolicy, mux))
}

// pageData is what the page template renders.
type pageData struct {
	Prefix   string
	Origin   string
	Newest   int64
	Rev      int64
	Capacity int
	Captures []Capture
}

func (c *Catcher) servePage(w http.ResponseWriter, r *http.Request) {
	captures, rev := c.ring.changedSince(0)
	_, newest := c.ring.since(0)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = pageTemplate.ExecuteTemplate(w, "page", pageData{
		Prefix: UIPrefix, Origin: "http://" + r.Host, Newest: newest, Rev: rev,
		Capacity: c.opts.Capacity, Captures: captures,
	})
}

// serveFragment returns the HTML of the captures added or changed after
// revision ?rev= (the newest revision in the X-Inspect-Rev header), or of
// those newer than ?after= (the newest seq in the X-Inspect-Seq header).
func (c *Catcher) serveFragment(w http.ResponseWriter, r *http.Request) {
	var captures []Capture
	if s := r.URL.Query().Get("rev"); s != "" {
		rev, err := strconv.ParseInt(s, 10, 64)
		if err != nil || rev < 0 {
			http.Error(w, "rev: must be a non-negative integer", http.StatusBadRequest)
			return
		}
		var newest int64
		captures, newest = c.ring.changedSince(rev)
		w.Header().Set("X-Inspect-Rev", strconv.FormatInt(newest, 10))
	} else {
		after, ok := afterParam(w, r)
		if !ok {
			return
		}
		var newest int64
		captures, newest = c.ring.since(after)
		w.Header().Set("X-Inspect-Seq", strconv.FormatInt(newest, 10))
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = pageTemplate.ExecuteTemplate(w, "captures", captures)
}

// prettyJSON returns a JSON body indented for reading, or "" when the body
// is not JSON, or only its start was kept.
func prettyJSON(body string, truncated bool) string {
	if truncated || body == "" || !json.Valid([]byte(body)) {
		return ""
	}
	var b bytes.Buffer
	if json.Indent(&b, []byte(body), "", "  ") != nil {
		return ""
	}
	return b.String()
}

// List is the API's answer: captures newest first.
type List struct {
	// Requests are the kept captures with seq > after, newest first.
	Requests []Capture `json:"requests"`
	// Newest is the seq of the newest capture ever recorded.
	Newest int64 `json:"newest"`
	// Capacity is how many captures are kept.
	Capacity int `json:"capacity"`
}

func (c *Catcher) serveList(w http.ResponseWriter, r *http.Request) {
	after, ok := afterParam(w, r)
	if !ok {
		return
	}
	captures, newest := c.ring.since(after)
	if captures == nil {
		captures = []Capture{}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(List{Requests: captures, Newest: newest, Capacity: c.opts.Capacity})
}

func (c *Catcher) serveReset(w http.ResponseWriter, _ *http.Request) {
	c.Reset()
	w.WriteHeader(http.StatusNoContent)
}

// afterParam reads ?after= (default 0), answering 400 when it is not a
// number.
func afterParam(w http.ResponseWriter, r *http.Request) (int64, bool) {
	s := r.URL.Query().Get("after")
	if s == "" {
		return 0, true
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		http.Error(w, "after: must be a non-negative integer", http.StatusBadRequest)
		return 0, false
	}
	return n, true
}

// localOnly refuses page and API requests whose Host is a name other than
// localhost: a web site that rebinds its own name to this address (DNS
// rebinding) must not read captured data. IP literals are accepted, so the
// page works on any interface the catcher listens on.
func localOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
		if net.ParseIP(host) == nil && !strings.EqualFold(host, "localhost") {
			http.Error(w, "the inspect page answers only on an IP address or localhost", http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// statusClass is the CSS class of a capture's answer.
func statusClass(c Capture) string {
	switch {
	case c.GaveUp:
		return "gaveup"
	case c.Pending:
		return "pending"
	case c.Status == 0:
		return "dropped"
	}
	return "s" + strconv.Itoa(c.Status/100) + "xx"
}
