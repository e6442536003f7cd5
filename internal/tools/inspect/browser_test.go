package inspect

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/flowhook/flowhook/internal/testsupport/browsertest"
)

// pageState is what the test reads off the rendered page.
type pageState struct {
	Seqs    []string              `json:"seqs"`
	Query   map[string][][]string `json:"query"`
	Headers map[string][][]string `json:"headers"`
	Bodies  map[string]string     `json:"bodies"`
	Count   string                `json:"count"`
	HTML    string                `json:"html"`
}

// readPage collects, from the DOM, the captures' order and each one's
// query table, header table and body.
const readPage = `(() => {
  const rows = (el) => Array.from(el ? el.querySelectorAll("tbody tr") : []).map(tr => Array.from(tr.cells).map(td => td.textContent));
  const s = {seqs: [], query: {}, headers: {}, bodies: {}, count: document.getElementById("count").textContent, html: document.documentElement.outerHTML};
  for (const a of document.querySelectorAll("#requests article.req")) {
    const seq = a.dataset.seq;
    s.seqs.push(seq);
    s.query[seq] = rows(a.querySelector("section.query"));
    s.headers[seq] = rows(a.querySelector("section.headers"));
    const pre = a.querySelector("section.body pre");
    s.bodies[seq] = pre ? pre.textContent : "";
  }
  return s;
})()`

// TestPageInBrowser opens the page in a real headless browser, sends
// requests to the catcher and checks they appear live: newest first, query
// decoded into a table, credentials masked, body shown; then clears.
func TestPageInBrowser(t *testing.T) {
	ctx := browsertest.Open(t, 60*time.Second)
	c, srv := startCatcher(t, Options{Response: Response{FailFirst: 1}})
	// One capture before the page opens: rendered by the server.
	send(t, "GET", srv.URL+"/hooks/first?email=ada%40example.com&name=Ada+Lovelace", http.Header{"Authorization": {"Bearer first-secret-value"}}, "")

	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+UIPrefix), chromedp.WaitVisible(chromedp.ID("req-1"))); err != nil {
		t.Fatalf("open page: %v", err)
	}
	// Two more while the page is open: fetched by the page's script.
	send(t, "POST", srv.URL+"/hooks/second?city=S%C3%A3o+Paulo&api_key=qk-second&tags=%5B%22a%22%5D",
		http.Header{"X-Api-Key": {"xk-second-secret"}, "Content-Type": {"application/json"},
			"X-Hub-Signature-256": {"sha256=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd"}}, `{"note":"<i>hi</i>"}`)
	send(t, "DELETE", srv.URL+"/hooks/third", nil, "")

	st := waitAndRead(t, ctx, "req-3")
	if want := []string{"3", "2", "1"}; !slices.Equal(st.Seqs, want) || st.Count != "3" {
		t.Errorf("order %v count %s, want %v 3", st.Seqs, st.Count, want)
	}
	checkRows(t, "query #1", st.Query["1"], [][]string{{"email", "ada@example.com"}, {"name", "Ada Lovelace"}})
	checkRows(t, "query #2", st.Query["2"], [][]string{{"city", "São Paulo"}, {"api_key", Mask}, {"tags", `["a"]`}})
	checkRows(t, "query #3", st.Query["3"], nil)
	if v := rowValue(st.Headers["1"], "Authorization"); v != "Bearer "+Mask {
		t.Errorf("Authorization shown as %q", v)
	}
	if v := rowValue(st.Headers["2"], "X-Api-Key"); v != Mask {
		t.Errorf("X-Api-Key shown as %q", v)
	}
	if v := rowValue(st.Headers["2"], "X-Hub-Signature-256"); v != "sha256="+Mask {
		t.Errorf("X-Hub-Signature-256 shown as %q", v)
	}
	if st.Bodies["2"] != "{\n  \"note\": \"<i>hi</i>\"\n}" {
		t.Errorf("JSON body #2 shown as %q, want it indented", st.Bodies["2"])
	}
	for _, secret := range []string{"first-secret-value", "qk-second", "xk-second-secret", "<i>hi", "5257a869e7"} {
		if strings.Contains(st.HTML, secret) {
			t.Errorf("page DOM holds %q", secret)
		}
	}
	if !strings.Contains(st.HTML, `class="req failed"`) {
		t.Error("the injected failure of request 1 is not marked")
	}

	// The filter keeps the requests whose text holds it; new ones too.
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("filter"), "São")); err != nil {
		t.Fatal(err)
	}
	if got := visibleSeqs(t, ctx); !slices.Equal(got, []string{"2"}) {
		t.Errorf("filtered on São: %v visible, want [2]", got)
	}
	send(t, "GET", srv.URL+"/hooks/elsewhere", nil, "")
	if err := chromedp.Do(ctx, chromedp.WaitReady(chromedp.ID("req-4"))); err != nil { // arrived, hidden
		t.Fatalf("wait for #req-4: %v", err)
	}
	if got := visibleSeqs(t, ctx); !slices.Equal(got, []string{"2"}) {
		t.Errorf("a new request that does not match shows: %v", got)
	}
	// Emptied as a person does: three backspaces.
	if err := chromedp.Do(ctx, chromedp.Focus(chromedp.ID("filter")), chromedp.KeyEvent("\b\b\b")); err != nil {
		t.Fatal(err)
	}
	if got := visibleSeqs(t, ctx); !slices.Equal(got, []string{"4", "3", "2", "1"}) {
		t.Errorf("without a filter: %v visible", got)
	}
	// Collapse all folds every request to its summary line; expand all
	// opens them again.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("collapse"))); err != nil {
		t.Fatal(err)
	}
	if n := openDetails(t, ctx); n != 0 {
		t.Errorf("%d requests open after collapse all", n)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("expand"))); err != nil {
		t.Fatal(err)
	}
	if n := openDetails(t, ctx); n != 4 {
		t.Errorf("%d requests open after expand all, want 4", n)
	}

	// Clear empties the page and the catcher.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("clear"))); err != nil {
		t.Fatalf("click clear: %v", err)
	}
	st = waitAndRead(t, ctx, "empty")
	if len(st.Seqs) != 0 || st.Count != "0" {
		t.Errorf("after clear: %v count %s", st.Seqs, st.Count)
	}
	if got, _ := c.Requests(0); len(got) != 0 {
		t.Errorf("catcher still holds %d captures after clear", len(got))
	}
	send(t, "GET", srv.URL+"/hooks/fifth", nil, "")
	st = waitAndRead(t, ctx, "req-5")
	if !slices.Equal(st.Seqs, []string{"5"}) {
		t.Errorf("after clear and one request: %v", st.Seqs)
	}
}

// TestPageShowsGiveUpInBrowser: a request whose client goes away before
// the --delay'ed answer shows first as waiting, then as given up, without
// a reload.
func TestPageShowsGiveUpInBrowser(t *testing.T) {
	ctx := browsertest.Open(t, 60*time.Second)
	_, srv := startCatcher(t, Options{Response: Response{Delay: 3 * time.Second}})
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+UIPrefix), chromedp.WaitVisible(chromedp.ID("empty"))); err != nil {
		t.Fatalf("open page: %v", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		client := &http.Client{Timeout: time.Second}
		if resp, err := client.Get(srv.URL + "/hooks/slow"); err == nil {
			resp.Body.Close()
		}
	}()
	status := func() string {
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector("#req-1 .status") || {}).textContent || ""`))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	waitAndRead(t, ctx, "req-1")
	if s := status(); !strings.Contains(s, "due after the 3s delay") {
		t.Errorf("while waiting: status %q", s)
	}
	<-done
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector("#req-1.gaveup") !== null`, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("the page did not show the client giving up: %v (status %q)", err, status())
	}
	if s := status(); !strings.Contains(s, "client gave up after ") || !strings.Contains(s, "before the 3s delay ended") {
		t.Errorf("after the client gave up: status %q", s)
	}
}

func visibleSeqs(t *testing.T, ctx context.Context) []string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#requests article.req")).filter(a => !a.hidden).map(a => a.dataset.seq)`))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func openDetails(t *testing.T, ctx context.Context) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#requests details[open]").length`))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// waitAndRead waits until the element with id is visible, then reads the
// page.
func waitAndRead(t *testing.T, ctx context.Context, id string) pageState {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID(id))); err != nil {
		t.Fatalf("wait for #%s: %v", id, err)
	}
	st, err := chromedp.Run(ctx, chromedp.Evaluate[pageState](readPage))
	if err != nil {
		t.Fatalf("read page: %v", err)
	}
	return st
}

func checkRows(t *testing.T, what string, got, want [][]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: rows %q, want %q", what, got, want)
		return
	}
	for i := range want {
		if !slices.Equal(got[i], want[i]) {
			t.Errorf("%s: row %d %q, want %q", what, i, got[i], want[i])
		}
	}
}

func rowValue(rows [][]string, name string) string {
	for _, r := range rows {
		if len(r) == 2 && r[0] == name {
			return r[1]
		}
	}
	return "<absent>"
}
