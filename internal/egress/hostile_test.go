package egress

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// hostile starts a loopback receiver and returns a URL carrying the planted
// path and query.
func hostile(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL + "/" + secretPath + "?q=" + secretQuery
}

// gzipBomb is a small body that decompresses to 1 GiB of zeros: 1024
// concatenated gzip members of 1 MiB each (a gzip reader reads them as one
// stream).
func gzipBomb(t *testing.T) []byte {
	t.Helper()
	var member bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&member, gzip.BestCompression)
	zw.Write(make([]byte, 1<<20))
	zw.Close()
	return bytes.Repeat(member.Bytes(), 1024)
}

func TestGzipBombBounded(t *testing.T) {
	bomb := gzipBomb(t)
	url := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Type", "text/plain")
		w.Write(bomb)
	})
	c := newClient(t, loopback())

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	resp, err := get(t, c, url, 10*time.Second)
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)

	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	if !resp.Truncated || len(resp.Body) != DefaultMaxResponseBytes {
		t.Errorf("got %d bytes truncated=%v, want %d truncated", len(resp.Body), resp.Truncated, DefaultMaxResponseBytes)
	}
	if bytes.ContainsFunc(resp.Body, func(r rune) bool { return r != 0 }) {
		t.Error("body is not the decoded zeros")
	}
	if d := int64(after.HeapInuse) - int64(before.HeapInuse); d > 16<<20 {
		t.Errorf("HeapInuse grew by %d MiB", d>>20)
	}
	if d := after.TotalAlloc - before.TotalAlloc; d > 64<<20 {
		t.Errorf("allocated %d MiB for a bounded read", d>>20)
	}
	if elapsed > 5*time.Second {
		t.Errorf("took %v", elapsed)
	}
	t.Logf("bomb of %d KiB: %v, %d KiB allocated", len(bomb)>>10, elapsed, (after.TotalAlloc-before.TotalAlloc)>>10)
}

func TestTricklingBodyTimesOut(t *testing.T) {
	url := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			if _, err := w.Write([]byte("x")); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-tick.C:
			}
		}
	})
	start := time.Now()
	_, err := get(t, newClient(t, loopback()), url, 300*time.Millisecond)
	e := wantError(t, err, flowevent.ReasonTimeout)
	if !strings.HasPrefix(e.Detail, "reading body") {
		t.Errorf("detail %q, want the body read named", e.Detail)
	}
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("deadline of 300ms held for %v", elapsed)
	}
}

func TestSlowHeadersTimeOut(t *testing.T) {
	url := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	cfg := loopback()
	cfg.ResponseHeaderTimeout = 100 * time.Millisecond
	start := time.Now()
	_, err := get(t, newClient(t, cfg), url, 10*time.Second)
	wantError(t, err, flowevent.ReasonTimeout)
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("response header timeout of 100ms held for %v", elapsed)
	}
	// The request context's own deadline, with no stage timeout hit.
	_, err = get(t, newClient(t, loopback()), url, 100*time.Millisecond)
	wantError(t, err, flowevent.ReasonTimeout)
}

func TestEndlessBodyTruncated(t *testing.T) {
	chunk := bytes.Repeat([]byte("y"), 32<<10)
	url := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		for {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	start := time.Now()
	resp, err := get(t, newClient(t, loopback()), url, 10*time.Second)
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	if !resp.Truncated || len(resp.Body) != DefaultMaxResponseBytes {
		t.Errorf("got %d bytes truncated=%v", len(resp.Body), resp.Truncated)
	}
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("took %v", elapsed)
	}
}

func TestHeaderFloodRejected(t *testing.T) {
	url := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		for i := range 2000 {
			w.Header().Set(fmt.Sprintf("X-Flood-%d", i), strings.Repeat("h", 100))
		}
		w.WriteHeader(http.StatusOK)
	})
	start := time.Now()
	_, err := get(t, newClient(t, loopback()), url, 10*time.Second)
	wantError(t, err, flowevent.ReasonResponseTooLarge)
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("took %v", elapsed)
	}
}

// TestEchoedQueryRedacted: a receiver that puts our query into an error
// (a malformed Location) must not get it into the error text.
func TestEchoedQueryRedacted(t *testing.T) {
	url := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "http://[::1%zz/"+r.URL.RawQuery)
		w.WriteHeader(http.StatusFound)
	})
	cfg := loopback()
	cfg.FollowRedirects = 1
	_, err := get(t, newClient(t, cfg), url, 5*time.Second)
	wantError(t, err, flowevent.ReasonConnectionError)
}
