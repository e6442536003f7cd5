package inspect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowhook/flowhook/internal/testsupport/poll"
)

// startCatcher serves a Catcher for opts on a test server.
func startCatcher(t *testing.T, opts Options) (*Catcher, *httptest.Server) {
	t.Helper()
	c, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	return c, srv
}

// send sends one request and returns the status (0 on a transport error)
// and body.
func send(t *testing.T, method, url string, header http.Header, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// list reads the API.
func list(t *testing.T, srv *httptest.Server, after int64) List {
	t.Helper()
	resp, err := http.Get(srv.URL + UIPrefix + "api/requests?after=" + itoa(after))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("API status %d", resp.StatusCode)
	}
	var l List
	if err := json.NewDecoder(resp.Body).Decode(&l); err != nil {
		t.Fatal(err)
	}
	return l
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestCaptureRecordsAndMasks(t *testing.T) {
	_, srv := startCatcher(t, Options{})
	h := http.Header{
		"Authorization": {"Bearer s3cr3t-token-value"},
		"X-Api-Key":     {"k-12345"},
		"Cookie":        {"session=abc"},
		"X-Source":      {"flowhook"},
	}
	status, body := send(t, "POST", srv.URL+"/hooks/crm?source=flows&email=ada%40example.com&api_key=qk-999&name=Ada+L", h, `{"a":1}`)
	if status != 200 || body != DefaultBody {
		t.Fatalf("answer %d %q, want 200 %q", status, body, DefaultBody)
	}
	l := list(t, srv, 0)
	if len(l.Requests) != 1 || l.Newest != 1 || l.Capacity != DefaultCapacity {
		t.Fatalf("list = %+v", l)
	}
	c := l.Requests[0]
	if c.Seq != 1 || c.Method != "POST" || c.Path != "/hooks/crm" || c.Body != `{"a":1}` || c.BodyBytes != 7 || c.Status != 200 || c.Failed {
		t.Errorf("capture = %+v", c)
	}
	wantQuery := []Field{
		{Name: "source", Value: "flows"}, {Name: "email", Value: "ada@example.com"},
		{Name: "api_key", Value: Mask, Masked: true}, {Name: "name", Value: "Ada L"},
	}
	if !equalFields(c.Query, wantQuery) {
		t.Errorf("query = %+v, want %+v", c.Query, wantQuery)
	}
	wantHeaders := map[string]Field{
		"Authorization": {Name: "Authorization", Value: "Bearer " + Mask, Masked: true},
		"X-Api-Key":     {Name: "X-Api-Key", Value: Mask, Masked: true},
		"Cookie":        {Name: "Cookie", Value: Mask, Masked: true},
		"X-Source":      {Name: "X-Source", Value: "flowhook"},
	}
	for _, f := range c.Headers {
		if want, ok := wantHeaders[f.Name]; ok && f != want {
			t.Errorf("header %s = %+v, want %+v", f.Name, f, want)
		}
		delete(wantHeaders, f.Name)
	}
	if len(wantHeaders) != 0 {
		t.Errorf("headers missing: %v", wantHeaders)
	}
	raw, _ := json.Marshal(l)
	for _, secret := range []string{"s3cr3t", "k-12345", "abc", "qk-999"} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("API output holds credential %q: %s", secret, raw)
		}
	}
}

func equalFields(a, b []Field) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestMaskQueryMasksEveryValue(t *testing.T) {
	_, srv := startCatcher(t, Options{MaskQuery: true})
	send(t, "GET", srv.URL+"/x?email=ada%40example.com&empty=", nil, "")
	q := list(t, srv, 0).Requests[0].Query
	want := []Field{{Name: "email", Value: Mask, Masked: true}, {Name: "empty"}}
	if !equalFields(q, want) {
		t.Errorf("query = %+v, want %+v", q, want)
	}
}

func TestFailurePatterns(t *testing.T) {
	tests := []struct {
		name string
		resp Response
		want []int
	}{
		{"default", Response{}, []int{200, 200, 200}},
		{"status and body", Response{Status: 201, Body: "created"}, []int{201, 201}},
		{"fail first 2", Response{FailFirst: 2}, []int{500, 500, 200, 200}},
		{"fail every 3", Response{FailEvery: 3, FailStatus: 503}, []int{200, 200, 503, 200, 200, 503, 200}},
		{"both", Response{FailFirst: 1, FailEvery: 2, FailStatus: 429}, []int{429, 429, 200, 429, 200}},
		{"fail close", Response{FailFirst: 1, FailClose: true}, []int{0, 200}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, srv := startCatcher(t, Options{Response: tt.resp})
			for i, want := range tt.want {
				got, body := send(t, "GET", srv.URL+"/n", nil, "")
				if got != want {
					t.Fatalf("request %d: status %d, want %d", i+1, got, want)
				}
				if want == 201 && body != "created" {
					t.Errorf("body %q", body)
				}
			}
			l := list(t, srv, 0)
			for i, c := range l.Requests { // newest first
				want := tt.want[len(tt.want)-1-i]
				if c.Status != want || c.Failed != (want != tt.resp.withDefaults().Status) {
					t.Errorf("capture #%d: status %d failed %v, want %d", c.Seq, c.Status, c.Failed, want)
				}
			}
		})
	}
}

func TestResetRestartsPattern(t *testing.T) {
	_, srv := startCatcher(t, Options{Response: Response{FailFirst: 1}})
	if s, _ := send(t, "GET", srv.URL+"/a", nil, ""); s != 500 {
		t.Fatalf("first status %d", s)
	}
	req, _ := http.NewRequest("DELETE", srv.URL+UIPrefix+"api/requests", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("DELETE: %v %v", resp, err)
	}
	resp.Body.Close()
	if l := list(t, srv, 0); len(l.Requests) != 0 || l.Newest != 1 {
		t.Fatalf("after reset: %+v", l)
	}
	if s, _ := send(t, "GET", srv.URL+"/a", nil, ""); s != 500 {
		t.Errorf("first status after reset %d, want 500", s)
	}
	if l := list(t, srv, 0); len(l.Requests) != 1 || l.Requests[0].Seq != 2 {
		t.Errorf("after reset and one request: %+v", l)
	}
}

func TestRingKeepsNewest(t *testing.T) {
	_, srv := startCatcher(t, Options{Capacity: 3})
	for range 5 {
		send(t, "GET", srv.URL+"/r", nil, "")
	}
	l := list(t, srv, 0)
	var seqs []int64
	for _, c := range l.Requests {
		seqs = append(seqs, c.Seq)
	}
	if len(seqs) != 3 || seqs[0] != 5 || seqs[2] != 3 || l.Newest != 5 {
		t.Errorf("seqs %v newest %d, want [5 4 3] 5", seqs, l.Newest)
	}
	if l := list(t, srv, 4); len(l.Requests) != 1 || l.Requests[0].Seq != 5 {
		t.Errorf("after=4: %+v", l.Requests)
	}
	if l := list(t, srv, 5); len(l.Requests) != 0 {
		t.Errorf("after=5: %+v", l.Requests)
	}
}

func TestBodyTruncated(t *testing.T) {
	_, srv := startCatcher(t, Options{MaxBody: 4})
	send(t, "PUT", srv.URL+"/b", nil, "abcdefghij")
	c := list(t, srv, 0).Requests[0]
	if c.Body != "abcd" || c.BodyBytes != 10 || !c.BodyTruncated {
		t.Errorf("body %q bytes %d truncated %v", c.Body, c.BodyBytes, c.BodyTruncated)
	}
}

// TestCapturedBeforeDelay checks that a request shows up while its answer
// is still delayed, and that the delay holds.
func TestCapturedBeforeDelay(t *testing.T) {
	captured := make(chan Capture, 1)
	_, srv := startCatcher(t, Options{Response: Response{Delay: time.Hour}, OnCapture: func(c Capture) { captured <- c }})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/slow", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	c := <-captured
	if c.Path != "/slow" || c.Seq != 1 {
		t.Errorf("capture %+v", c)
	}
	if l := list(t, srv, 0); len(l.Requests) != 1 {
		t.Errorf("API lists %d requests while the answer is delayed", len(l.Requests))
	}
	select {
	case err := <-done:
		t.Fatalf("answered despite the delay: %v", err)
	default:
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("client error %v, want canceled", err)
	}
}

func TestDelay(t *testing.T) {
	_, srv := startCatcher(t, Options{Response: Response{Delay: 60 * time.Millisecond}})
	start := time.Now()
	if s, _ := send(t, "GET", srv.URL+"/d", nil, ""); s != 200 {
		t.Fatalf("status %d", s)
	}
	if el := time.Since(start); el < 60*time.Millisecond {
		t.Errorf("answered after %v, before the 60ms delay", el)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	tests := []struct {
		opts Options
		want string
	}{
		{Options{Response: Response{Status: 99}}, "status 99"},
		{Options{Response: Response{FailStatus: 1000}}, "fail status 1000"},
		{Options{Response: Response{Delay: -1}}, "delay"},
		{Options{Response: Response{FailFirst: -1}}, "fail-first"},
		{Options{Response: Response{FailEvery: -2}}, "fail-every"},
		{Options{Capacity: -1}, "capacity"},
	}
	for _, tt := range tests {
		if _, err := New(tt.opts); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New(%+v) = %v, want an error naming %q", tt.opts, err, tt.want)
		}
	}
}

func TestContentType(t *testing.T) {
	tests := []struct {
		resp Response
		want string
	}{
		{Response{}, "application/json"},
		{Response{Body: "accepted"}, "text/plain; charset=utf-8"},
		{Response{Body: "<ok/>", ContentType: "application/xml"}, "application/xml"},
	}
	for _, tt := range tests {
		_, srv := startCatcher(t, Options{Response: tt.resp})
		resp, err := http.Get(srv.URL + "/ct")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Content-Type"); got != tt.want {
			t.Errorf("%+v: Content-Type %q, want %q", tt.resp, got, tt.want)
		}
	}
}

// TestOwnPageAndRootNotCaptured: what a browser asks for by itself — the
// root opened as a page, its icon — is not a captured request; the root
// asked for by a program is.
func TestOwnPageAndRootNotCaptured(t *testing.T) {
	c, srv := startCatcher(t, Options{})
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	do := func(method, path, accept string) *http.Response {
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := do("GET", "/", "text/html,application/xhtml+xml,*/*;q=0.8"); resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != UIPrefix {
		t.Errorf("a browser opening the root: %d to %q, want a redirect to the page", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp := do("GET", "/favicon.ico", "image/*"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("favicon: %d", resp.StatusCode)
	}
	do("GET", UIPrefix, "text/html")
	do("GET", "/_inspect", "text/html")
	if got, _ := c.Requests(0); len(got) != 0 {
		t.Fatalf("the page, its root and icon were captured: %+v", got)
	}
	do("GET", "/", "*/*") // curl's root
	do("POST", "/", "text/html")
	do("GET", "/?x=1", "text/html")
	if got, _ := c.Requests(0); len(got) != 3 {
		t.Errorf("%d captures of requests to the root by programs, want 3", len(got))
	}
}

// TestClientGaveUp: a client that goes away before the delayed answer is
// recorded as having given up, and when; the terminal says so.
func TestClientGaveUp(t *testing.T) {
	var gaveUp []Capture
	var mu sync.Mutex
	_, srv := startCatcher(t, Options{Response: Response{Delay: 2 * time.Second}, OnGiveUp: func(c Capture) {
		mu.Lock()
		defer mu.Unlock()
		gaveUp = append(gaveUp, c)
	}})
	client := &http.Client{Timeout: 300 * time.Millisecond}
	if _, err := client.Get(srv.URL + "/slow"); err == nil {
		t.Fatal("the client got an answer before the delay")
	}
	var l List
	poll.UntilNoError(t, 5*time.Second, func() error {
		if l = list(t, srv, 0); len(l.Requests) != 1 || !l.Requests[0].GaveUp {
			return fmt.Errorf("not marked as given up: %+v", l.Requests)
		}
		return nil
	})
	if c := l.Requests[0]; c.Pending || c.GaveUpAfterMS < 250 || c.GaveUpAfterMS > 1900 || c.DelayMS != 2000 {
		t.Errorf("capture %+v: want given up after about 300 ms of the 2000 ms delay", c)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(gaveUp) != 1 || !strings.Contains(GiveUpLine(gaveUp[0]), "#1  client gave up after ") || !strings.Contains(GiveUpLine(gaveUp[0]), "before the 2s delay ended: nothing answered") {
		t.Errorf("OnGiveUp got %+v (%q)", gaveUp, GiveUpLine(gaveUp[0]))
	}
}
