// Package egress is the only way flowhook talks HTTP to customer endpoints.
//
// A [Client] sends a [Request] built elsewhere (internal/request) and
// returns the status, the headers and a bounded prefix of the decoded body.
// It enforces, for every request and every redirect hop:
//
//   - a dial-time destination guard: the IP address actually being
//     connected to (after DNS resolution, IPv4-mapped IPv6 unmapped) is
//     checked against an explicit deny list of internal, special-purpose and
//     translation ranges, so numeric host forms (2130706433, 0x7f000001,
//     0177.0.0.1, 127.1, [::ffff:127.0.0.1], [::ffff:0:7f00:1]) and DNS
//     answers that change between calls (rebinding) cannot reach internal
//     addresses;
//   - an operator allow-list of address ranges and host names that bypass
//     the deny list, and an optional allow-list of ports;
//   - no proxy (environment proxy variables are never read), TLS 1.2 or
//     later with verification always on (system roots, or Config.RootCAs);
//   - no redirects unless configured, and headers dropped when a redirect
//     leaves the original origin;
//   - limits on connect, TLS handshake and response-header time, on the
//     size of the response headers and of the decoded body; the request's
//     context bounds the whole exchange, body read included, and cancels it;
//   - the request exactly as built: the URL's path and query are sent as
//     written (never normalised), header fields in order with their names
//     as written;
//   - one send per call: a request is never re-sent after an error, since
//     the endpoint may have acted on it (a webhook is sent once per
//     attempt; retries are the dispatcher's, on the bus).
//
// Errors are [*Error] values carrying a [flowevent.Reason]. Their text never
// contains the request URL, its path or its query string, which carry
// personal data, nor an address of flowhook's own infrastructure (a
// resolver, a local address): a name that does not resolve is "host not
// found".
//
// # Why fasthttp, and what of it
//
// Requests are written and responses parsed by github.com/valyala/fasthttp
// (Request.Write, Response.ReadLimitBody with a streamed body), over
// connections this package dials, checks and pools itself. Measured with
// BenchmarkClients on a 2-core machine: 64 concurrent loopback GETs with 6
// query parameters against a Go server in another process, CPU time of the
// client process per request (getrusage), four alternating runs:
//
//	net/http Client (tuned)  75-89 core-µs, 55 allocs per request
//	fasthttp Client          27-34 core-µs,  0 allocs
//	egress Client            41-46 core-µs, 18 allocs (guard, liveness
//	                         check, deadlines, cancellation, header copy)
//
// Go's net/http client spends most of its time handing each request
// between goroutines (roundTrip, writeLoop, readLoop per connection);
// fasthttp writes and reads on the caller's goroutine with pooled buffers.
//
// fasthttp's own connection pool (Client, HostClient) is not used
// (BenchmarkManyOrigins: one GET to each of 500 origins, then what stays
// while the connections are idle):
//
//	fasthttp Client  2.0 goroutines and 6.8 KiB of heap per origin
//	egress Client    1.0 goroutine  and 3.6 KiB of heap per origin
//
// (the receiver's goroutine per connection is counted in both). A
// HostClient per origin runs a cleaner goroutine for as long as it holds a
// connection, and nothing bounds idle connections across origins: 10,000
// origins are 10,000 goroutines and sockets, beyond the memory flowhook
// runs in. The pool here keeps at most MaxIdleConnsPerHost idle
// connections per origin and MaxIdleConns in all (the oldest closed
// first), closes them after IdleConnTimeout from one timer, and starts no
// goroutine. Before an idle connection carries a request it is checked
// with one non-blocking peek at its socket: a receiver that closed it (its
// keep-alive timeout) would otherwise make the request fail, and a request
// is never re-sent. fasthttp's retries (MaxIdemponentCallAttempts,
// RetryIfErr) belong to its pool and so never run.
//
// # Client certificates and private roots
//
// A Request may carry its own TLS identity (Request.TLS, a ClientTLS): a
// client certificate for an endpoint behind mutual TLS, and certificate
// authorities that replace the trusted roots for it. The identity is part
// of the connection's pool key (origin, owner account and a digest of the
// certificate, key and roots), so a connection authenticated with one
// account's certificate never carries another account's request, nor a
// request without that certificate; when the pool is full, the connection
// given up is the oldest of the owner holding the most, so an account
// cannot push out another's idle connections while it holds as many. The
// destination guard checks every connection's address the same way. A
// server that refuses the client certificate (a TLS alert: certificate
// required, bad, expired, revoked, of an unknown authority) ends in
// reason auth_failed, as a 401 would; with TLS 1.3 that alert comes on the
// first read, where fasthttp reports io.EOF, so the connection's own error
// is asked for it.
//
// # HTTP/1.1 only
//
// Every request is HTTP/1.1; TLS offers ALPN "http/1.1" alone. Webhook
// receivers accept HTTP/1.1 everywhere, a webhook is one small request per
// connection use, so HTTP/2's multiplexing buys little, and an HTTP/2
// client brings back the per-connection goroutines measured above. (The
// net/http client before it negotiated HTTP/2 with receivers that offered
// it.)
//
// # Compressed responses
//
// Requests say Accept-Encoding: gzip, as net/http's did, and a gzip body is
// decoded as it is read: MaxResponseBytes bounds the decoded body, so a
// small compressed body cannot inflate past it (a 1 KiB-per-MiB gzip bomb
// stops at the bound). Content-Encoding and Content-Length are then
// dropped from the response header. No other encoding is asked for; one
// sent anyway is judged as the bytes received.
package egress
