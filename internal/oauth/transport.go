package oauth

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sort"
	"strconv"

	"github.com/flowhook/flowhook/internal/egress"
)

// Sender sends one request through egress (internal/egress.Client
// implements it).
type Sender interface {
	Do(ctx context.Context, req *egress.Request) (*egress.Response, error)
}

// RoundTripper sends net/http requests with a Sender: what lets
// golang.org/x/oauth2 fetch tokens through egress. Header fields are sent
// sorted by name; the response body is what egress read (a truncated one
// is an error: a token answer is small).
type RoundTripper struct {
	Sender Sender
}

// RoundTrip implements http.RoundTripper.
func (rt RoundTripper) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		b, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
	}
	names := make([]string, 0, len(r.Header))
	for name := range r.Header {
		names = append(names, name)
	}
	sort.Strings(names)
	fields := make([]egress.Field, 0, len(names))
	for _, name := range names {
		for _, v := range r.Header[name] {
			fields = append(fields, egress.Field{Name: name, Value: v})
		}
	}
	resp, err := rt.Sender.Do(r.Context(), &egress.Request{Method: r.Method, URL: r.URL, Header: fields, Body: body})
	if err != nil {
		return nil, err
	}
	if resp.Truncated {
		return nil, errTruncated
	}
	return &http.Response{
		Status:     strconv.Itoa(resp.Status) + " " + http.StatusText(resp.Status),
		StatusCode: resp.Status, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: resp.Header, Body: io.NopCloser(bytes.NewReader(resp.Body)),
		ContentLength: int64(len(resp.Body)), Request: r,
	}, nil
}
