package nodestats

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestPage: the node stats page answers an account's worst nodes and one
// node's detail as HTML, escapes what flows name, and says why when there
// is nothing to show.
func TestPage(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go e.aggregator(nil).Run(ctx)
	e.waitCheckpoint(t, e.publish(t, 400))
	srv := httptest.NewServer(Page(NewReader(e.js, "")))
	defer srv.Close()
	missing := httptest.NewServer(Page(NewReader(e.js, "no_such_bucket")))
	defer missing.Close()

	node := PagePrefix + "node?" + url.Values{"account": {"acme"}, "flow": {"flow.0"}, "node": {"node 0"}}.Encode()
	for _, tc := range []struct {
		name, base, path string
		status           int
		want             []string
	}{
		{"form", srv.URL, PagePrefix, 200, []string{`<input id="account" name="account"`, "Enter an account"}},
		{"worst nodes", srv.URL, PagePrefix + "?account=acme", 200, []string{`<table id="worst">`, "SPIKE", `href="/stats/node?account=acme&amp;flow=flow.0&amp;node=node&#43;0"`, `<svg class="spark"`, "status_mismatch (503)"}},
		{"main only", srv.URL, PagePrefix + "?account=acme&part=main", 200, []string{`<table id="worst">`}},
		{"one node", srv.URL, node, 200, []string{"acme / flow.0 / node 0", `<table id="reasons">`, "status_mismatch", "expected status 200, got 503", "p50 "}},
		{"unknown account", srv.URL, PagePrefix + "?account=other", 404, []string{"No stats yet for this account"}},
		{"bad account", srv.URL, PagePrefix + "?account=%3Cscript%3E", 400, []string{"An account is 1 to 64 characters", "value=\"&lt;script&gt;\""}},
		{"bad limit", srv.URL, PagePrefix + "?account=acme&limit=0", 400, []string{"limit must be"}},
		{"unknown node", srv.URL, PagePrefix + "node?account=acme&flow=flow.0&node=%3Cb%3E", 404, []string{"No stats yet for this node"}},
		{"node without flow", srv.URL, PagePrefix + "node?account=acme&node=x", 400, nil},
		{"no bucket", missing.URL, PagePrefix + "?account=acme", 503, []string{"unavailable"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.Get(tc.base + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
				t.Fatalf("status %d %s, want %d HTML:\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), tc.status, b)
			}
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
				t.Errorf("Content-Security-Policy %q", csp)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(b), w) {
					t.Errorf("page lacks %q:\n%s", w, b)
				}
			}
			if strings.Contains(string(b), "<script>") || strings.Contains(string(b), "<b>") {
				t.Errorf("page holds unescaped markup:\n%s", b)
			}
		})
	}
}

// TestPageShowsCredentialsRejected: a node whose credentials are being
// rejected is flagged in the account's list and said so on its page.
func TestPageShowsCredentialsRejected(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 30, 0, 0, time.UTC)
	since := now.Add(-20 * time.Minute)
	v := View{Account: "acme", FlowID: "f", NodeID: "crm", Total: 9,
		CredentialsRejected: &Rejection{Since: since, Last: now.Add(-time.Minute), Times: 7}}
	for _, tc := range []struct {
		name string
		d    pageData
		want string
	}{
		{"worst nodes", pageData{Prefix: PagePrefix, Account: "acme", Now: now, Report: &Report{Account: "acme", Nodes: []View{v}}}, `<strong class="credmark" title="credentials rejected since 2026-03-01T10:10:00Z, 7 times">CREDENTIALS</strong>`},
		{"one node", pageData{Prefix: PagePrefix, Account: "acme", Now: now, Node: &v}, "Credentials rejected since"},
	} {
		rec := httptest.NewRecorder()
		render(rec, httptest.NewRequest("GET", PagePrefix, nil), tc.d)
		if !strings.Contains(rec.Body.String(), tc.want) {
			t.Errorf("%s: page lacks %q:\n%s", tc.name, tc.want, rec.Body.String())
		}
	}
}
