// Package inspect is a local request catcher for trying a Webhook node
// before it goes live: point the node at it, and see exactly what arrives.
//
// A [Catcher] is an http.Handler. Every request outside [UIPrefix] is
// recorded in a bounded ring buffer (the newest [Options.Capacity] are
// kept) and answered as [Response] says: a fixed status, body and delay,
// or a failure pattern ("fail the first N", "fail every Nth") so that the
// node's error path can be tried too.
//
// Under UIPrefix it serves a small web page listing the captured requests
// newest first — method, path, query parameters decoded into a table,
// headers, body (JSON indented) — which follows new and changed requests
// live, filters them by text and folds them, and a JSON API:
//
//	GET    /_inspect/                     the page
//	GET    /_inspect/api/requests?after=N captured requests with seq > N, newest first
//	DELETE /_inspect/api/requests         forget every captured request
//
// # Credentials
//
// Credential headers (Authorization, Cookie, X-Api-Key, *-Token, ...; see
// flowevent.IsCredentialHeader), signature headers (webhook-signature,
// X-Hub-Signature-256, ...) and query parameters whose name marks a
// credential (api_key, token, signature, ...) are masked when captured:
// their values are never stored, shown or returned, only their scheme
// ("Bearer ****", "sha256=****").
//
// A browser opening the root (GET / accepting HTML) is led to the page,
// and its icon is not captured: neither is a request a node sent. A client
// that goes away before a delayed answer is recorded as having given up. Other query values and bodies are kept as received,
// since seeing them is the point; Options.MaskQuery masks every query
// value too.
//
// Captured data is untrusted input: the page escapes it (html/template)
// and is served with a Content-Security-Policy that allows no inline
// script.
package inspect
