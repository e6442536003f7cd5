// Package egress is the only way flowhook talks HTTP to customer endpoints.
//
// A [Client] sends a request built elsewhere and returns the status, the
// headers and a bounded prefix of the decoded body. It enforces, for every
// request and every redirect hop:
//
//   - a dial-time destination guard: the IP address actually being
//     connected to (after DNS resolution, IPv4-mapped IPv6 unmapped) is
//     checked against an explicit deny list of internal, special-purpose and
//     translation ranges, so numeric host forms (2130706433, 0x7f000001,
//     0177.0.0.1, 127.1, [::ffff:127.0.0.1]) and DNS answers that change
//     between calls (rebinding) cannot reach internal addresses;
//   - an operator allow-list of address ranges and host names that bypass
//     the deny list, and an optional allow-list of ports;
//   - no environment proxy, TLS 1.2 or later with verification always on;
//   - no redirects unless configured, and headers dropped when a redirect
//     leaves the original origin;
//   - limits on connect, TLS handshake and response-header time, on the
//     size of the response headers and of the decoded body; the request's
//     context bounds the whole exchange, body read included.
//
// Errors are [*Error] values carrying a [flowevent.Reason]. Their text never
// contains the request URL, its path or its query string, which carry
// personal data.
package egress
