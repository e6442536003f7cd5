package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/flowhook/flowhook/internal/tools/inspect"
)

func init() {
	register("inspect", "catch requests locally and show them live in a web page (a private request bin)", runInspect)
}

func runInspect(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("inspect", "inspect [flags]\n\n"+
		"Listens on --listen, records every request to any path, prints one line per request\n"+
		"(credential headers masked) and serves a page listing them live, newest first, at\n"+
		"/_inspect/ (JSON at /_inspect/api/requests). Answers are configurable, failures\n"+
		"included, to try a node's error path. Stop with Ctrl-C.\n\n"+
		"exit codes: 0 stopped; 1 cannot listen; 2 bad flags",
		"flowhook inspect --listen 127.0.0.1:9000 --status 201 --fail-first 2", stderr)
	addr := fs.String("listen", "127.0.0.1:9000", "address to listen on (port 0 picks a free one; :9000 listens on every interface)")
	var resp inspect.Response
	fs.IntVar(&resp.Status, "status", 200, "status of normal answers")
	fs.StringVar(&resp.Body, "body", inspect.DefaultBody, "body of normal answers")
	fs.StringVar(&resp.ContentType, "content-type", "", "Content-Type of answers (default: application/json for a JSON body, else text/plain)")
	fs.DurationVar(&resp.Delay, "delay", 0, "wait this long before every answer (longer than the node's timeout_ms tries the timeout path)")
	fs.IntVar(&resp.FailFirst, "fail-first", 0, "fail the first N requests (counted again after Clear)")
	fs.IntVar(&resp.FailEvery, "fail-every", 0, "fail every Nth request")
	fs.IntVar(&resp.FailStatus, "fail-status", 500, "status of failing answers")
	fs.StringVar(&resp.FailBody, "fail-body", inspect.DefaultFailBody, "body of failing answers")
	fs.BoolVar(&resp.FailClose, "fail-close", false, "fail by dropping the connection (a connection error) instead of answering --fail-status")
	capacity := fs.Int("capacity", inspect.DefaultCapacity, "requests kept (the oldest are dropped)")
	maxBody := fs.Int64("max-body", inspect.DefaultMaxBody, "request body bytes kept")
	maskQuery := fs.Bool("mask-query", false, "mask every query value, not only credentials (api_key, token, ...)")
	quiet := fs.Bool("quiet", false, "do not print a line per request")
	if err := parseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		fmt.Fprintln(stderr, "flowhook inspect:", err)
		return exitUsage
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(stderr, "flowhook inspect: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	var mu sync.Mutex
	opts := inspect.Options{Capacity: *capacity, MaxBody: *maxBody, Response: resp, MaskQuery: *maskQuery}
	if !*quiet {
		opts.OnCapture = func(c inspect.Capture) {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintln(stdout, inspect.Line(c))
		}
		opts.OnGiveUp = func(c inspect.Capture) {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintln(stdout, inspect.GiveUpLine(c))
		}
	}
	c, err := inspect.New(opts)
	if err != nil {
		fmt.Fprintln(stderr, "flowhook inspect:", err)
		return exitUsage
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(stderr, "flowhook inspect:", err)
		return exitFailure
	}
	base := "http://" + reachableAddr(ln.Addr())
	mu.Lock()
	fmt.Fprintf(stdout, "flowhook inspect: catching requests on %s/ (any path)\n", base)
	fmt.Fprintf(stdout, "  page: %s%s   JSON: %s%sapi/requests\n", base, inspect.UIPrefix, base, inspect.UIPrefix)
	fmt.Fprintf(stdout, "  answers: %s\n", describeAnswers(resp))
	mu.Unlock()
	return serveUntilDone(ctx, ln, c, stderr)
}

// reachableAddr is addr, with an unspecified IP (listening on every
// interface) replaced by the loopback address, to print a usable URL.
func reachableAddr(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return addr.String()
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(tcp.Port))
}

// describeAnswers says in one line how the catcher answers.
func describeAnswers(r inspect.Response) string {
	s := fmt.Sprintf("%d", r.Status)
	if r.Delay > 0 {
		s += fmt.Sprintf(" after %s", r.Delay)
	}
	failure := fmt.Sprintf("%d", r.FailStatus)
	if r.FailClose {
		failure = "a dropped connection"
	}
	var which []string
	switch {
	case r.FailFirst == 1:
		which = append(which, "the first request")
	case r.FailFirst > 1:
		which = append(which, fmt.Sprintf("the first %d requests", r.FailFirst))
	}
	switch {
	case r.FailEvery == 1:
		which = append(which, "every request")
	case r.FailEvery > 1:
		which = append(which, fmt.Sprintf("every request whose number is a multiple of %d", r.FailEvery))
	}
	if len(which) > 0 {
		s += fmt.Sprintf("; %s for %s", failure, strings.Join(which, " and "))
	}
	return s
}

// serveUntilDone serves h on ln until ctx ends, then shuts down.
func serveUntilDone(ctx context.Context, ln net.Listener, h http.Handler, stderr io.Writer) int {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		fmt.Fprintln(stderr, "flowhook inspect:", err)
		return exitFailure
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		_ = srv.Close() // delayed answers still pending
	}
	return exitOK
}
