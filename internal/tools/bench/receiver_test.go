package bench

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"testing"
)

func TestReceiverEndpointsAreDistinctOrigins(t *testing.T) {
	for _, n := range []int{1, 5} {
		h, stop, err := startReceiver(context.Background(), n)
		if err != nil {
			t.Fatal(err)
		}
		urls := h.Endpoints
		if n == 1 {
			urls = []string{h.URL}
		}
		if len(urls) != n {
			t.Fatalf("%d endpoints, want %d", len(urls), n)
		}
		seen := map[string]bool{}
		for _, u := range urls {
			p, err := url.Parse(u)
			if err != nil || seen[p.Host] {
				t.Fatalf("endpoint %q not a distinct origin (err %v)", u, err)
			}
			seen[p.Host] = true
			resp, err := http.Get(u + "/hook?a=1")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusOK || string(body) != string(receiverBody) {
				t.Errorf("%s answered %d %q", u, resp.StatusCode, body)
			}
		}
		stop()
	}
}

func TestOptionsDefaults(t *testing.T) {
	full := Options{}.withDefaults()
	quick := Options{Quick: true}.withDefaults()
	if full.Events != 100_000 || full.Reps != 3 || len(full.Rates) != 3 || full.Endpoints != 10_000 {
		t.Errorf("full defaults = %+v", full)
	}
	if quick.Events != 2000 || quick.Reps != 1 || len(quick.Rates) != 1 || quick.Endpoints != 200 {
		t.Errorf("quick defaults = %+v", quick)
	}
	bad := []Options{
		{},
		{Command: []string{"x"}, Systems: []string{"kafka"}},
		{Command: []string{"x"}, Rates: []int{0}},
		{Command: []string{"x"}, Endpoints: 70_000},
	}
	for _, o := range bad {
		if err := o.withDefaults().validate(); err == nil {
			t.Errorf("validate(%+v) = nil, want an error", o)
		}
	}
}
