package egress

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Client sends requests to customer endpoints through the destination guard
// and the limits of its Config, over HTTP/1.1. It is safe for concurrent use
// by multiple goroutines; create one and share it, since it holds the
// connection pool.
type Client struct {
	dialer          *dialer
	tls             *tls.Config
	pool            *pool
	maxBody         int64
	maxHeaderBytes  int
	tlsTimeout      time.Duration
	headerTimeout   time.Duration
	followRedirects int
	userAgent       string
	readers         sync.Pool // *bufio.Reader of readBufferSize
	writers         sync.Pool // *bufio.Writer of writeBufferSize
}

// Response is a response whose body was read, up to the limit.
type Response struct {
	// Status is the HTTP status code.
	Status int
	// Header is the response's header, names canonical. When the body
	// was gzip-decoded, Content-Encoding and Content-Length are removed.
	Header http.Header
	// Body is the decoded body, at most MaxResponseBytes long; nil when
	// empty. It is the caller's: nothing else refers to it.
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
	return &Client{
		dialer: newDialer(newGuard(cfg), cfg),
		tls: &tls.Config{
			MinVersion: tls.VersionTLS12,
			RootCAs:    cfg.RootCAs,
			NextProtos: []string{"http/1.1"},
		},
		pool:            newPool(cfg.MaxIdleConns, cfg.MaxIdleConnsPerHost, cfg.IdleConnTimeout),
		maxBody:         cfg.MaxResponseBytes,
		maxHeaderBytes:  int(min(cfg.MaxResponseHeaderBytes, 1<<30)),
		tlsTimeout:      cfg.TLSHandshakeTimeout,
		headerTimeout:   cfg.ResponseHeaderTimeout,
		followRedirects: cfg.FollowRedirects,
		userAgent:       cfg.UserAgent,
	}, nil
}

// Do sends req and returns the status, the headers and at most
// MaxResponseBytes of the decoded body. ctx carries the total deadline,
// which covers the body read (a body still arriving at the deadline is a
// timeout), and cancels the exchange when it ends. Do adds Host,
// Accept-Encoding: gzip (a gzip body is decoded, and bounded after
// decoding), Content-Length when there is a body or the method may carry
// one, and the configured User-Agent when req has none. req is sent once:
// no request is ever re-sent on an error, since the endpoint may have
// acted on it (a webhook is sent once per attempt). Every error is an
// *Error.
func (c *Client) Do(ctx context.Context, req *Request) (*Response, error) {
	if err := checkRequest(req); err != nil {
		return nil, err
	}
	h := hop{method: req.Method, url: req.URL, header: req.Header, body: req.Body, tls: req.TLS}
	via := make([]*hop, 0, 1)
	for {
		resp, err := c.exchange(ctx, &h)
		if err != nil {
			return nil, newError(ctx, req.URL, err)
		}
		if len(via) >= c.followRedirects || !isRedirect(resp.Status) {
			return resp, nil
		}
		next, follow, err := c.redirect(&h, via, resp)
		if err != nil {
			return nil, newError(ctx, req.URL, err)
		}
		if !follow {
			return resp, nil
		}
		prev := h
		via = append(via, &prev)
		h = next
	}
}

// hop is one request of a redirect chain.
type hop struct {
	method string
	url    *url.URL
	header []Field
	body   []byte
	tls    *ClientTLS
}

// Close closes idle connections. The Client stays usable.
func (c *Client) Close() { c.pool.closeIdle() }
