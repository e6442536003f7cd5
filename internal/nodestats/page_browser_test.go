package nodestats

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/flowhook/flowhook/internal/testsupport/browsertest"
)

// statsPage is what the test reads off the rendered page.
type statsPage struct {
	Rows []struct {
		Flow, Node, Passed, Errors, Latency, LastError string
		Spike                                          bool
		Bars                                           int
	} `json:"rows"`
	TotalPassed string `json:"totalPassed"`
	Updated     string `json:"updated"`
}

const readStatsPage = `(() => {
  const s = {rows: [], totalPassed: (document.getElementById("total-passed") || {}).textContent || "", updated: document.getElementById("updated").textContent};
  for (const tr of document.querySelectorAll("#worst tbody tr.node")) {
    const t = (c) => tr.querySelector(c).textContent.trim();
    s.rows.push({Flow: tr.dataset.flow, Node: tr.dataset.node, Passed: t(".passed"), Errors: t(".errors"), Latency: t(".latency"),
      LastError: t(".lasterror"), Spike: tr.classList.contains("spike"), Bars: tr.querySelectorAll("svg.spark rect").length});
  }
  return s;
})()`

// nodeDetail is what the test reads off a node's page.
type nodeDetail struct {
	Title     string            `json:"title"`
	Passed    string            `json:"passed"`
	Routes    map[string]string `json:"routes"`
	Reasons   map[string]string `json:"reasons"`
	Latency   string            `json:"latency"`
	LastError string            `json:"lastError"`
	Bars      int               `json:"bars"`
	ErrorBars int               `json:"errorBars"`
}

const readNodeDetail = `(() => {
  const pairs = (sel) => Object.fromEntries(Array.from(document.querySelectorAll(sel + " tr")).map(tr => [tr.cells[0].textContent, tr.cells[1].textContent]));
  return {title: document.getElementById("node-title").textContent, passed: document.getElementById("passed").textContent,
    routes: pairs("#routes"), reasons: pairs("#reasons"), latency: (document.getElementById("latency") || {}).textContent || "",
    lastError: document.getElementById("last-error").textContent,
    bars: document.querySelectorAll("#errors-per-minute rect").length, errorBars: document.querySelectorAll("#errors-per-minute rect.err").length};
})()`

// TestStatsPageInBrowser opens the node stats page in a real headless
// browser: the account's worst nodes with their spike marks, sparklines,
// latency and last error; the numbers follow new outcomes without a
// reload; a click opens a node with its routes, reasons, percentiles, the
// hour's errors per minute and its last error.
func TestStatsPageInBrowser(t *testing.T) {
	ctx := browsertest.Open(t, 90*time.Second)
	e := newEnv(t)
	actx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go e.aggregator(nil).Run(actx)
	e.waitCheckpoint(t, e.publish(t, 400))
	mux := http.NewServeMux()
	mux.Handle(PagePrefix, Page(NewReader(e.js, "")))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+PagePrefix), chromedp.WaitVisible(chromedp.ID("account")),
		chromedp.SendKeys(chromedp.ID("account"), "acme"), chromedp.Submit(chromedp.ID("account")), chromedp.WaitVisible(chromedp.ID("worst"))); err != nil {
		t.Fatalf("open the page and ask for acme: %v", err)
	}
	st := readStats(t, ctx)
	if len(st.Rows) != 10 || st.TotalPassed != "400" {
		t.Fatalf("%d rows, total passed %q; want 10 nodes and 400", len(st.Rows), st.TotalPassed)
	}
	for i, r := range st.Rows {
		if r.Bars != 12 {
			t.Errorf("row %d: sparkline of %d bars, want 12 (5-minute steps over an hour)", i, r.Bars)
		}
		if r.Flow == "flow.0" && (!r.Spike || !strings.Contains(r.Errors, "SPIKE") || !strings.HasPrefix(r.LastError, "status_mismatch (503)")) {
			t.Errorf("row %d %+v: flow.0's nodes fail a quarter of their requests with 503: want a spike and the last error", i, r)
		}
		if r.Latency == "" || r.Latency == "-" {
			t.Errorf("row %d: no latency", i)
		}
	}
	if !st.Rows[0].Spike {
		t.Errorf("first row %+v: spiking nodes come first", st.Rows[0])
	}

	// New outcomes show up without a reload.
	e.waitCheckpoint(t, e.publish(t, 100))
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("total-passed").textContent === "500"`, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Errorf("the page did not follow new outcomes: %v (shows %q)", err, readStats(t, ctx).TotalPassed)
	}

	// A node's own page.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#worst tbody tr.node[data-flow="flow.0"] td.id a`)), chromedp.WaitVisible(chromedp.ID("node-title"))); err != nil {
		t.Fatalf("open a node: %v", err)
	}
	d, err := chromedp.Run(ctx, chromedp.Evaluate[nodeDetail](readNodeDetail))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(d.Title, "acme / flow.0 / node ") || !strings.Contains(d.Title, "ERROR SPIKE") {
		t.Errorf("title %q", d.Title)
	}
	passed, _ := strconv.Atoi(d.Passed)
	yes, _ := strconv.Atoi(d.Routes["yes"])
	no, _ := strconv.Atoi(d.Routes["no"])
	if passed == 0 || yes+no != passed || d.Reasons["status_mismatch"] != d.Routes["no"] || d.Reasons["matched"] != d.Routes["yes"] {
		t.Errorf("passed %q, routes %v, reasons %v: want the reasons to add up to the routes", d.Passed, d.Routes, d.Reasons)
	}
	if !strings.Contains(d.Latency, "p50 ") || !strings.Contains(d.Latency, "p99 ") {
		t.Errorf("latency %q", d.Latency)
	}
	if !strings.Contains(d.LastError, "status_mismatch (status 503): expected status 200, got 503") {
		t.Errorf("last error %q", d.LastError)
	}
	if d.Bars != WindowMinutes || d.ErrorBars == 0 {
		t.Errorf("errors per minute: %d bars (%d with errors), want %d with some errors", d.Bars, d.ErrorBars, WindowMinutes)
	}
}

func readStats(t *testing.T, ctx context.Context) statsPage {
	t.Helper()
	st, err := chromedp.Run(ctx, chromedp.Evaluate[statsPage](readStatsPage))
	if err != nil {
		t.Fatalf("read page: %v", err)
	}
	return st
}
