package nodestats

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/flowhook/flowhook/internal/pageserve"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// PagePrefix starts the paths of the node stats page.
const PagePrefix = "/stats/"

//go:embed web
var webFiles embed.FS

var pageTemplate = template.Must(template.New("").Funcs(template.FuncMap{
	"pct":      func(r float64) string { return strconv.FormatFloat(100*r, 'f', 1, 64) + "%" },
	"ms":       func(v float64) string { return strconv.FormatFloat(v, 'f', 0, 64) },
	"sparkOf":  sparkOf,
	"withNode": func(p pageData, v View) nodeData { return nodeData{P: p, V: v} },
	"ago":      func(at, now time.Time) string { return now.Sub(at).Round(time.Second).String() },
	"rfc3339":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"nodeURL":  nodeURL,
	"reasons":  sortedReasons,
	"routeOf":  func(v View, r string) uint64 { return v.Routes[flowevent.Route(r)] },
	"squeezed": func(v View) []uint32 { return squeeze(v.ErrorsByMinute, 5) },
}).ParseFS(webFiles, "web/page.html"))

// contentSecurityPolicy lets the page load only its own script and style:
// ids and error details shown on it cannot run script even if escaping
// failed.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
	"img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Page serves the node stats page of the admin port, for people rather
// than programs (those read Handler's JSON):
//
//	GET /stats/?account=A[&limit=N]             the account's worst nodes (error spikes first), and its total
//	GET /stats/node?account=A&flow=F&node=N     one node: routes, reasons, latency, the hour's errors, the last error
//
// Both follow new outcomes: the page's script reloads its content every
// few seconds. Unknown accounts and nodes answer 404, bad parameters 400,
// an unreadable bucket 503, each with a page saying so.
func Page(r *Reader) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+PagePrefix+"{$}", func(w http.ResponseWriter, req *http.Request) { serveAccount(w, req, r) })
	mux.HandleFunc("GET "+PagePrefix+"node", func(w http.ResponseWriter, req *http.Request) { serveNode(w, req, r) })
	mux.HandleFunc("GET "+PagePrefix+"app.js", pageserve.Asset(webFiles, "web/app.js", "text/javascript; charset=utf-8"))
	mux.HandleFunc("GET "+PagePrefix+"style.css", pageserve.Asset(webFiles, "web/style.css", "text/css; charset=utf-8"))
	return pageserve.SecureHeaders(contentSecurityPolicy, mux)
}

// pageData is what the page template renders.
type pageData struct {
	Prefix  string
	Account string
	Limit   int
	Now     time.Time
	// Status and Message explain a page without stats.
	Status  int
	Message string
	// Report is the account's worst nodes; Node one node.
	Report *Report
	Node   *View
}

func serveAccount(w http.ResponseWriter, req *http.Request, r *Reader) {
	d := pageData{Prefix: PagePrefix, Now: r.Now(), Limit: 20}
	q := req.URL.Query()
	d.Account = q.Get("account")
	if d.Account == "" {
		render(w, req, d) // the form alone
		return
	}
	if !flowevent.ValidAccount(d.Account) {
		d.Status, d.Message = http.StatusBadRequest, "An account is 1 to 64 characters from A-Z a-z 0-9 _ -."
		render(w, req, d)
		return
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxLimit {
			d.Status, d.Message = http.StatusBadRequest, fmt.Sprintf("limit must be a number from 1 to %d.", MaxLimit)
			render(w, req, d)
			return
		}
		d.Limit = n
	}
	ctx, cancel := context.WithTimeout(req.Context(), 10*time.Second)
	defer cancel()
	rep, err := r.Worst(ctx, d.Account, d.Limit)
	switch {
	case err != nil:
		d.Status, d.Message = unavailable(err)
	case len(rep.Nodes) == 0:
		d.Status, d.Message = http.StatusNotFound, "No stats yet for this account: no outcome of its nodes was counted."
	default:
		d.Report = &rep
	}
	render(w, req, d)
}

func serveNode(w http.ResponseWriter, req *http.Request, r *Reader) {
	d := pageData{Prefix: PagePrefix, Now: r.Now()}
	q := req.URL.Query()
	d.Account = q.Get("account")
	flow, node := q.Get("flow"), q.Get("node")
	if !flowevent.ValidAccount(d.Account) || flow == "" || node == "" {
		d.Status, d.Message = http.StatusBadRequest, "A node is named by account, flow and node."
		render(w, req, d)
		return
	}
	ctx, cancel := context.WithTimeout(req.Context(), 10*time.Second)
	defer cancel()
	v, err := r.Node(ctx, d.Account, flow, node)
	switch {
	case errors.Is(err, ErrNotFound):
		d.Status, d.Message = http.StatusNotFound, "No stats yet for this node."
	case err != nil:
		d.Status, d.Message = unavailable(err)
	default:
		d.Node = &v
	}
	render(w, req, d)
}

func unavailable(err error) (int, string) {
	if errors.Is(err, ErrNotFound) {
		return http.StatusNotFound, "No stats yet."
	}
	return http.StatusServiceUnavailable, "Node stats are unavailable: the stats bucket cannot be read (is a flowhook serve with --node-stats running?)."
}

// render writes the page, or with ?part=main only its main element (what
// the page's script reloads).
func render(w http.ResponseWriter, req *http.Request, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if d.Status != 0 {
		w.WriteHeader(d.Status)
	}
	name := "page"
	if req.URL.Query().Get("part") == "main" {
		name = "main"
	}
	_ = pageTemplate.ExecuteTemplate(w, name, d)
}

// nodeData is what the node template renders.
type nodeData struct {
	P pageData
	V View
}

// spark is a sparkline's SVG: its size, bars and a text for screen
// readers.
type spark struct {
	W, H  int
	Bars  []bar
	Label string
}

func sparkOf(vals []uint32, height int) spark {
	var sum, peak uint32
	for _, v := range vals {
		sum, peak = sum+v, max(peak, v)
	}
	return spark{W: 4 * len(vals), H: height, Bars: bars(vals, height),
		Label: fmt.Sprintf("%d errors over %d bars, at most %d in one", sum, len(vals), peak)}
}

// bar is one bar of a sparkline: its position, height and count.
type bar struct {
	X, Y, H int
	N       uint32
}

// bars lays vals out as a sparkline of the given height, each bar 4 units
// wide, scaled to the largest value; a zero draws a 1-unit baseline.
func bars(vals []uint32, height int) []bar {
	var peak uint32
	for _, v := range vals {
		peak = max(peak, v)
	}
	out := make([]bar, len(vals))
	for i, v := range vals {
		h := 1
		if peak > 0 && v > 0 {
			h = max(2, int(uint64(v)*uint64(height)/uint64(peak)))
		}
		out[i] = bar{X: i * 4, Y: height - h, H: h, N: v}
	}
	return out
}

// squeeze sums every n consecutive values.
func squeeze(vals []uint32, n int) []uint32 {
	out := make([]uint32, 0, (len(vals)+n-1)/n)
	for i := 0; i < len(vals); i += n {
		var s uint32
		for _, v := range vals[i:min(i+n, len(vals))] {
			s += v
		}
		out = append(out, s)
	}
	return out
}

type reasonCount struct {
	Reason flowevent.Reason
	N      uint64
}

// sortedReasons lists reasons by count, most first.
func sortedReasons(m map[flowevent.Reason]uint64) []reasonCount {
	out := make([]reasonCount, 0, len(m))
	for r, n := range m {
		out = append(out, reasonCount{r, n})
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].N > out[j].N || out[i].N == out[j].N && out[i].Reason < out[j].Reason
	})
	return out
}

func nodeURL(v View) string {
	return PagePrefix + "node?" + url.Values{"account": {v.Account}, "flow": {v.FlowID}, "node": {v.NodeID}}.Encode()
}
