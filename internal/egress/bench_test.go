package egress

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
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
	req, err := NewRequest(http.MethodGet, url, nil)
	if err != nil {
		b.Fatal(err)
	}
	resp, err := c.Do(b.Context(), req)
	if err != nil || resp.Status != http.StatusOK {
		b.Fatalf("Do: %v", err)
	}
}

// BenchmarkClients is the measurement behind the choice of client (see the
// package doc): 64 concurrent loopback GETs with 6 query parameters
// against a Go server in another process (this test binary, started with
// serverEnv), each response read and its body bounded, with net/http's
// client (tuned: an idle connection per worker), fasthttp's own Client
// (pooled Request and Response, DoTimeout) and this package's Client
// (fasthttp's request writer and response parser on its own pool, with
// the guard and every limit). client-core-µs/op is the CPU time of this
// process (the clients) per request, from getrusage: it does not depend on
// how busy the machine is, as ns/op does.
//
//	go test -run '^$' -bench Clients -benchmem -count 5 ./internal/egress
func BenchmarkClients(b *testing.B) {
	base := startServerProcess(b)
	url := base + "/hook?email=ada%40example.com&first_name=Ada&city=London&score=87.5&campaign=spring&form=demo-request"
	parallel := func(b *testing.B, do func() error) {
		b.ReportAllocs()
		b.SetParallelism(32) // 64 goroutines on 2 cores
		cpu0 := processCPU()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := do(); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(processCPU()-cpu0)/float64(time.Microsecond)/float64(b.N), "client-core-µs/op")
	}
	b.Run("net-http", func(b *testing.B) {
		hc := &http.Client{Transport: &http.Transport{MaxIdleConns: 128, MaxIdleConnsPerHost: 128}}
		defer hc.CloseIdleConnections()
		parallel(b, func() error {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if err != nil {
				return err
			}
			resp, err := hc.Do(req)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			return err
		})
	})
	b.Run("fasthttp-Client", func(b *testing.B) {
		fc := &fasthttp.Client{MaxIdemponentCallAttempts: 1, DisablePathNormalizing: true, MaxResponseBodySize: 64 << 10}
		defer fc.CloseIdleConnections()
		parallel(b, func() error {
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(resp)
			req.SetRequestURI(url)
			return fc.DoTimeout(req, resp, 10*time.Second)
		})
	})
	b.Run("egress", func(b *testing.B) {
		c, err := New(Config{AllowCIDRs: pfx("127.0.0.0/8")})
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		req, err := NewRequest(http.MethodGet, url, nil)
		if err != nil {
			b.Fatal(err)
		}
		parallel(b, func() error {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err := c.Do(ctx, req)
			return err
		})
	})
}

// BenchmarkManyOrigins is the measurement behind the connection pool (see
// the package doc): one GET to each of 500 origins (distinct loopback
// ports), then the goroutines and heap that remain while the connections
// are idle, per origin, with fasthttp's Client (a HostClient per origin,
// each running a cleaner goroutine while it holds a connection) and with
// this package's Client (idle connections bounded in all, one timer). The
// receiver's own goroutine per connection is counted in both.
//
//	go test -run '^$' -bench ManyOrigins -benchtime 3x ./internal/egress
func BenchmarkManyOrigins(b *testing.B) {
	const origins = 500
	var urls []string
	var recvs []*rawReceiver
	for range origins {
		r := newRawReceiverB(b, ok200)
		recvs = append(recvs, r)
		urls = append(urls, r.url("/hook?email=ada%40example.com"))
	}
	// measure makes a new client per round (a used one keeps cleaner
	// goroutines asleep), sends one GET to each origin, and counts what
	// stays while the connections are idle.
	measure := func(b *testing.B, newClient func() (get func(url string) error, closeIdle func())) {
		for b.Loop() {
			get, closeIdle := newClient()
			runtime.GC()
			g0 := runtime.NumGoroutine()
			var m0, m1 runtime.MemStats
			runtime.ReadMemStats(&m0)
			var wg sync.WaitGroup
			sem := make(chan struct{}, 64)
			for _, u := range urls {
				sem <- struct{}{}
				wg.Go(func() {
					defer func() { <-sem }()
					if err := get(u); err != nil {
						b.Error(err)
					}
				})
			}
			wg.Wait()
			runtime.GC()
			runtime.ReadMemStats(&m1)
			b.ReportMetric(float64(runtime.NumGoroutine()-g0)/origins, "goroutines/origin")
			b.ReportMetric(float64(int64(m1.HeapInuse)-int64(m0.HeapInuse))/origins/1024, "heap-KiB/origin")
			closeIdle()
		}
	}
	b.Run("fasthttp-Client", func(b *testing.B) {
		measure(b, func() (func(string) error, func()) {
			fc := &fasthttp.Client{MaxIdemponentCallAttempts: 1}
			return func(url string) error {
				req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
				defer fasthttp.ReleaseRequest(req)
				defer fasthttp.ReleaseResponse(resp)
				req.SetRequestURI(url)
				return fc.DoTimeout(req, resp, 10*time.Second)
			}, fc.CloseIdleConnections
		})
	})
	b.Run("egress", func(b *testing.B) {
		measure(b, func() (func(string) error, func()) {
			c, err := New(Config{AllowCIDRs: pfx("127.0.0.0/8"), MaxIdleConns: origins})
			if err != nil {
				b.Fatal(err)
			}
			return func(url string) error {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				req, err := NewRequest(http.MethodGet, url, nil)
				if err != nil {
					return err
				}
				_, err = c.Do(ctx, req)
				return err
			}, c.Close
		})
	})
	for _, r := range recvs {
		r.ln.Close()
	}
}

// serverEnv makes the test binary a plain Go HTTP server for
// BenchmarkClients (see TestMain): it prints its address and serves until
// its standard input closes.
const serverEnv = "EGRESS_BENCH_SERVER"

// serveBenchServer is the server process of BenchmarkClients.
func serveBenchServer() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"status":"ok"}`)
	})}
	go srv.Serve(ln)
	fmt.Println("http://" + ln.Addr().String())
	io.Copy(io.Discard, os.Stdin)
	srv.Close()
}

// startServerProcess starts this binary as the benchmark server and
// returns its base URL.
func startServerProcess(b *testing.B) string {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run", "^$")
	cmd.Env = append(os.Environ(), serverEnv+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		b.Fatalf("benchmark server: %v", err)
	}
	return strings.TrimSpace(line)
}

// processCPU is the user and system CPU time of this process.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// newRawReceiverB is newRawReceiver for a benchmark.
func newRawReceiverB(b *testing.B, reply func(n int, c net.Conn, head string)) *rawReceiver {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	r := &rawReceiver{ln: ln, reply: reply}
	r.wg.Go(r.accept)
	b.Cleanup(func() {
		ln.Close()
		r.wg.Wait()
	})
	return r
}
