package egress

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/valyala/fasthttp"
)

// Buffer sizes of the pooled readers and writers. A response header that
// does not fit the reader is read again with a reader of
// MaxResponseHeaderBytes (see readHeader).
const (
	readBufferSize  = 4 << 10
	writeBufferSize = 4 << 10
)

// aLongTimeAgo is a deadline in the past: setting it interrupts every
// blocked read and write of a connection.
var aLongTimeAgo = time.Unix(1, 0)

// exchange sends one hop's request and reads its response: on an idle
// connection to the hop's origin when one is alive, else on a new one.
// The connection goes back to the pool only when the response was read
// whole and both sides keep it open.
func (c *Client) exchange(ctx context.Context, h *hop) (*Response, error) {
	t, err := targetOf(h.url)
	if err != nil {
		return nil, err
	}
	t.withIdentity(h.tls)
	cn, err := c.conn(ctx, &t)
	if err != nil {
		return nil, err
	}
	reusable := false
	defer func() {
		if reusable {
			c.pool.put(cn)
		} else {
			cn.Close()
		}
	}()
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, func() { _ = cn.SetDeadline(aLongTimeAgo) })
		defer func() {
			if !stop() { // ctx ended meanwhile: the deadline may be in the past
				reusable = false
			}
		}()
	}
	deadline, _ := ctx.Deadline()
	if err := c.write(ctx, cn, &t, h, deadline); err != nil {
		return nil, err
	}
	// An idle connection keeps its deadlines: every use sets its own, and
	// the liveness check reads the socket beneath them.
	resp, reusable, err := c.read(ctx, cn, deadline)
	return resp, err
}

// conn returns an idle connection to t that is still alive, or dials one.
func (c *Client) conn(ctx context.Context, t *target) (*conn, error) {
	for {
		cn := c.pool.get(t.key)
		if cn == nil {
			break
		}
		if alive(cn) {
			return cn, nil
		}
		cn.Close()
	}
	return c.dial(ctx, t)
}

// dial opens a connection to t through the guard, with TLS for https.
func (c *Client) dial(ctx context.Context, t *target) (*conn, error) {
	raw, err := c.dialer.DialContext(ctx, "tcp", t.addr)
	if err != nil {
		return nil, err
	}
	cn := &conn{Conn: raw, tcp: raw, origin: t.key, owner: t.owner}
	cn.peek.init(raw, t.tls)
	if !t.tls {
		return cn, nil
	}
	cfg := t.identity.config(c.tls.Clone())
	cfg.ServerName = t.serverName
	tc := tls.Client(raw, cfg)
	hctx, cancel := context.WithTimeout(ctx, c.tlsTimeout)
	defer cancel()
	if err := tc.HandshakeContext(hctx); err != nil {
		raw.Close()
		if hctx.Err() != nil && ctx.Err() == nil {
			return nil, errTLSTimeout
		}
		return nil, err
	}
	cn.Conn = tc
	return cn, nil
}

// write sends h's request on cn.
func (c *Client) write(ctx context.Context, cn *conn, t *target, h *hop, deadline time.Time) error {
	if err := setDeadline(ctx, cn.SetWriteDeadline, deadline); err != nil {
		return err
	}
	req := fasthttp.AcquireRequest()
	defer fasthttp.ReleaseRequest(req)
	c.fill(req, t, h)
	bw := c.writer(cn)
	defer func() {
		bw.Reset(nil)
		c.writers.Put(bw)
	}()
	err := req.Write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return &stageError{stage: "writing request", err: err}
	}
	return nil
}

// fill writes h into req exactly: fasthttp's special handling of headers
// (Host, User-Agent, Content-Type, Cookie) and its name normalisation are
// off, so every field goes out in order, as named; the request target is
// the URL's RequestURI as is.
func (c *Client) fill(req *fasthttp.Request, t *target, h *hop) {
	req.Header.DisableNormalizing()
	req.Header.DisableSpecialHeader()
	req.Header.SetMethod(h.method)
	var scratch [256]byte
	req.Header.SetRequestURIBytes(appendRequestURI(scratch[:0], h.url))
	req.Header.SetHost(t.host) // read by Request.Write; written below
	req.Header.Add("Host", t.host)
	ua := false
	for i := range h.header {
		f := &h.header[i]
		isUA := strings.EqualFold(f.Name, "User-Agent")
		ua = ua || isUA
		if isUA && f.Value == "" {
			continue // an empty User-Agent suppresses the header, as in net/http
		}
		req.Header.Add(f.Name, f.Value)
	}
	if !ua && c.userAgent != "" {
		req.Header.Add("User-Agent", c.userAgent)
	}
	req.Header.Add("Accept-Encoding", "gzip")
	if h.body != nil {
		req.SetBodyRaw(h.body)
	}
}

// read reads the response on cn: its header within the header timeout,
// its body (decoded, bounded) within the request's deadline. reusable
// says whether cn may carry another request.
func (c *Client) read(ctx context.Context, cn *conn, deadline time.Time) (*Response, bool, error) {
	headerBy := time.Now().Add(c.headerTimeout)
	if !deadline.IsZero() && deadline.Before(headerBy) {
		headerBy = deadline
	}
	if err := setDeadline(ctx, cn.SetReadDeadline, headerBy); err != nil {
		return nil, false, err
	}
	resp := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseResponse(resp)
	resp.StreamBody = true
	br := c.reader(cn)
	br, err := c.readHeader(resp, br, cn)
	if err != nil {
		c.putReader(br)
		return nil, false, headerError(ctx, tlsCause(cn, err))
	}
	if err := setDeadline(ctx, cn.SetReadDeadline, deadline); err != nil {
		_ = resp.CloseBodyStream()
		c.putReader(br)
		return nil, false, err
	}
	out := &Response{Status: resp.StatusCode()}
	gzipped := isGzip(resp.Header.ContentEncoding())
	out.Header = convertHeader(&resp.Header, gzipped)
	complete := true
	if stream := resp.BodyStream(); stream != nil {
		out.Body, out.Truncated, complete, err = readBody(stream, gzipped, c.maxBody)
	}
	reusable := complete && err == nil && !resp.ConnectionClose() &&
		resp.Header.ContentLength() != -2 && br.Buffered() == 0 // -2: a body ended by closing
	_ = resp.CloseBodyStream()
	c.putReader(br)
	if err != nil {
		return nil, false, &stageError{stage: "reading body", err: err}
	}
	return out, reusable, nil
}

// setDeadline sets a deadline of cn with set, unless ctx has ended: then
// it sets one in the past. The cancellation sets a past deadline too (see
// Do), but it may have done so before this call, which would otherwise
// put a later one back and leave the call running to its timeout.
func setDeadline(ctx context.Context, set func(time.Time) error, t time.Time) error {
	if ctx.Err() != nil {
		t = aLongTimeAgo
	}
	if err := set(t); err != nil {
		return err
	}
	if ctx.Err() != nil { // ended while setting: the past wins
		return set(aLongTimeAgo)
	}
	return nil
}

// tlsCause returns the TLS alert behind err, an error of reading a
// response on cn, when the server refused the client's certificate: with
// TLS 1.3 that alert arrives after the handshake, on the first read, and
// fasthttp reports any error on a response's first byte as io.EOF. A
// tls.Conn keeps a read error, so a read with the deadline in the past
// returns it without waiting. Other errors are returned as they are.
func tlsCause(cn *conn, err error) error {
	tc, ok := cn.Conn.(*tls.Conn)
	if !ok || !errors.Is(err, io.EOF) {
		return err
	}
	_ = cn.SetReadDeadline(aLongTimeAgo)
	var b [1]byte
	if _, rerr := tc.Read(b[:]); certificateRefused(rerr) {
		return rerr
	}
	return err
}

// readHeader reads the response header with br. A header larger than br
// is read again with a reader of MaxResponseHeaderBytes that starts with
// what br holds; that reader is returned in br's place.
func (c *Client) readHeader(resp *fasthttp.Response, br *bufio.Reader, cn *conn) (*bufio.Reader, error) {
	err := resp.ReadLimitBody(br, 0)
	if err == nil || !isSmallBuffer(err) || c.maxHeaderBytes <= br.Size() {
		return br, err
	}
	held, _ := br.Peek(br.Buffered())
	big := bufio.NewReaderSize(io.MultiReader(&onceReader{b: append([]byte(nil), held...)}, cn), c.maxHeaderBytes)
	c.putReader(br)
	resp.Reset()
	resp.StreamBody = true
	return big, resp.ReadLimitBody(big, 0)
}

func isSmallBuffer(err error) bool {
	var small *fasthttp.ErrSmallBuffer
	return errors.As(err, &small)
}

// onceReader reads b, then reports EOF.
type onceReader struct{ b []byte }

func (r *onceReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

func (c *Client) reader(cn net.Conn) *bufio.Reader {
	if br, ok := c.readers.Get().(*bufio.Reader); ok {
		br.Reset(cn)
		return br
	}
	return bufio.NewReaderSize(cn, readBufferSize)
}

// putReader pools br when it is one of the pooled size.
func (c *Client) putReader(br *bufio.Reader) {
	if br.Size() == readBufferSize {
		br.Reset(nil)
		c.readers.Put(br)
	}
}

func (c *Client) writer(cn net.Conn) *bufio.Writer {
	if bw, ok := c.writers.Get().(*bufio.Writer); ok {
		bw.Reset(cn)
		return bw
	}
	return bufio.NewWriterSize(cn, writeBufferSize)
}

// appendRequestURI appends u.RequestURI() to b, without building the
// string: the path as the URL escapes it ("/" when empty), then "?" and
// the query byte for byte.
func appendRequestURI(b []byte, u *url.URL) []byte {
	if u.Opaque != "" {
		return append(b, u.RequestURI()...)
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	b = append(b, path...)
	if u.ForceQuery || u.RawQuery != "" {
		b = append(b, '?')
		b = append(b, u.RawQuery...)
	}
	return b
}
