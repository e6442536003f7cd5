package inspect

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/flowhook/flowhook/internal/browsertest"
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
		http.Header{"X-Api-Key": {"xk-second-secret"}, "Content-Type": {"application/json"}}, `{"note":"<i>hi</i>"}`)
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
	if st.Bodies["2"] != `{"note":"<i>hi</i>"}` {
		t.Errorf("body #2 shown as %q", st.Bodies["2"])
	}
	for _, secret := range []string{"first-secret-value", "qk-second", "xk-second-secret", "<i>hi"} {
		if strings.Contains(st.HTML, secret) {
			t.Errorf("page DOM holds %q", secret)
		}
	}
	if !strings.Contains(st.HTML, `class="req failed"`) {
		t.Error("the injected failure of request 1 is not marked")
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
	send(t, "GET", srv.URL+"/hooks/fourth", nil, "")
	st = waitAndRead(t, ctx, "req-4")
	if !slices.Equal(st.Seqs, []string{"4"}) {
		t.Errorf("after clear and one request: %v", st.Seqs)
	}
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
