package egress

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"slices"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// Client sends requests to customer endpoints through the destination guard
// and the limits of its Config. It is safe for concurrent use by multiple
// goroutines; create one and share it, since it holds the connection pool.
type Client struct {
	http            *http.Client
	transport       *http.Transport
	maxBody         int64
	followRedirects int
	userAgent       []string // shared, never modified
}

// Response is a response whose body was read, up to the limit.
type Response struct {
	// Status is the HTTP status code.
	Status int
	// Header is the response's header.
	Header http.Header
	// Body is the decoded body, at most MaxResponseBytes long; nil when
	// empty.
	Body []byte
	// Truncated reports that the body was longer than MaxResponseBytes;
	// the rest was not read.
	Truncated bool
}

// New returns a Client for cfg, with defaults applied to zero fields. It
// returns an error wrapping ErrInvalidConfig when cfg is invalid.
func New(cfg Config) (*Client, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	c := &Client{
		transport:       newTransport(cfg, newDialer(newGuard(cfg), cfg)),
		maxBody:         cfg.MaxResponseBytes,
		followRedirects: cfg.FollowRedirects,
		userAgent:       slices.Clip([]string{cfg.UserAgent}),
	}
	c.http = &http.Client{Transport: c.transport, CheckRedirect: c.checkRedirect}
	return c, nil
}

func newTransport(cfg Config, d *dialer) *http.Transport {
	return &http.Transport{
		Proxy:             nil, // environment proxies would bypass the guard
		DialContext:       d.DialContext,
		ForceAttemptHTTP2: true,
		TLSClientConfig: &tls.Config{
			MinVersion: tls.VersionTLS12,
			RootCAs:    cfg.RootCAs,
		},
		TLSHandshakeTimeout:    cfg.TLSHandshakeTimeout,
		ResponseHeaderTimeout:  cfg.ResponseHeaderTimeout,
		MaxResponseHeaderBytes: cfg.MaxResponseHeaderBytes,
		MaxIdleConns:           cfg.MaxIdleConns,
		MaxIdleConnsPerHost:    cfg.MaxIdleConnsPerHost,
		IdleConnTimeout:        cfg.IdleConnTimeout,
	}
}

// Do sends req and returns the status, the headers and at most
// MaxResponseBytes of the decoded body. req's context carries the total
// deadline, which covers the body read; a body still arriving at the
// deadline is a timeout. Do sets the configured User-Agent when req has
// none, and leaves Accept-Encoding to the transport so that gzip is decoded
// (and bounded) transparently. Every error is an *Error.
func (c *Client) Do(req *http.Request) (*Response, error) {
	if err := checkRequest(req); err != nil {
		return nil, err
	}
	if req.Header == nil {
		req.Header = make(http.Header, 1)
	}
	if _, ok := req.Header["User-Agent"]; !ok {
		req.Header["User-Agent"] = c.userAgent
	}
	var resp *http.Response
	var err error
	if c.followRedirects == 0 {
		// No redirect is followed: the 3xx is the response. The
		// transport alone does what http.Client would, without copying
		// the headers for redirects that will not happen.
		resp, err = c.transport.RoundTrip(req)
	} else {
		resp, err = c.http.Do(req)
	}
	if err != nil {
		return nil, newError(req, "", err)
	}
	defer resp.Body.Close()
	body, truncated, err := readBody(resp.Body, c.maxBody)
	if err != nil {
		return nil, newError(req, "reading body", err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: body, Truncated: truncated}, nil
}

// checkRequest rejects requests net/http would reject with the URL in the
// error text.
func checkRequest(req *http.Request) error {
	if req == nil || req.URL == nil {
		return &Error{Reason: flowevent.ReasonInvalidConfig, Detail: "no request URL"}
	}
	switch req.URL.Scheme {
	case "http", "https":
		return nil
	default:
		return &Error{
			Reason: flowevent.ReasonInvalidConfig,
			Detail: fmt.Sprintf("unsupported scheme %q", req.URL.Scheme),
		}
	}
}

// Close closes idle connections. The Client stays usable.
func (c *Client) Close() { c.transport.CloseIdleConnections() }
