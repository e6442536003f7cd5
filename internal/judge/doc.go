// Package judge decides whether an endpoint's response is the success a
// Webhook node expects.
//
// A node names one check (flowevent.ResponseCheck): an exact status code
// (200 does not match 201), or a string that must appear in the response
// body. Judge applies it and returns a Verdict with a machine-readable
// reason and a detail for people. A Verdict's Detail never quotes the
// response body, which may hold personal data, nor the expected string.
//
// New kinds of check (a list of codes, a status class, a JSON pointer) are
// added as new flowevent.CheckKind values handled here: callers keep calling
// NeedsBody and Judge unchanged.
package judge
