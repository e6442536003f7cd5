package egress

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkDo measures one request/response over a kept-alive loopback
// connection, body read included: go test -bench Do -benchmem.
func BenchmarkDo(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"status":"ok"}`)
	}))
	defer srv.Close()
	c, err := New(Config{AllowCIDRs: pfx("127.0.0.0/8")})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	url := srv.URL + "/hook?email=a%40example.com&plan=gold"
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			doBench(b, c, url)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				doBench(b, c, url)
			}
		})
	})
}

func doBench(b *testing.B, c *Client, url string) {
	req, err := http.NewRequestWithContext(b.Context(), http.MethodGet, url, nil)
	if err != nil {
		b.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil || resp.Status != http.StatusOK {
		b.Fatalf("Do: %v", err)
	}
}
