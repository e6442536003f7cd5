// Package judge decides whether an endpoint's response is the success a
// Webhook node expects.
//
// A node names one check (flowevent.ResponseCheck):
//
//   - status: the exact status code (200 does not match 201);
//   - body_contains: a string that must appear in the response body;
//   - status_in: any code of a list (200, 201 or 202);
//   - status_class: any code of a class (2xx: 200 to 299);
//   - json_equals: the body is one JSON document and the value at an
//     RFC 6901 JSON Pointer equals the expected JSON value. Values compare
//     as JSON, not as text: numbers by value (1, 1.0 and 10e-1 are equal;
//     large integers exactly), objects whatever their key order, strings
//     after unescaping ("\u00e9" equals "é"). A body cut at the response
//     size cap is not parsed.
//
// Judge applies the check and returns a Verdict with a machine-readable
// reason (status_mismatch for the status kinds, body_mismatch for the body
// kinds) and a detail for people that says what was expected and what came
// instead. A Verdict's Detail never quotes the response body, which may
// hold personal data, nor the expected string or value: a json_equals
// mismatch names the pointer and says whether the field is missing, of
// another JSON type ("is a number, expected a string") or a different value
// of the same type.
package judge
