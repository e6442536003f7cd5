// Package signature signs outbound webhook requests, and verifies them, as
// Standard Webhooks (standardwebhooks.com) specifies its symmetric scheme:
//
//	webhook-id:        the message id, the same on every attempt
//	webhook-timestamp: Unix seconds when the attempt was signed
//	webhook-signature: "v1," + base64(HMAC-SHA256(key, id + "." + timestamp + "." + body))
//
// The key is written "whsec_" followed by its standard base64 encoding;
// ParseKey reads that form and requires the prefix (the reference libraries
// also accept the bare base64, but a bare "mysecret" is valid base64 too:
// the prefix is what shows a secret was made as a signing key). A receiver accepts a request when one of the space-separated
// v1 signatures of webhook-signature matches and the timestamp is within a
// tolerance of its clock (DefaultTolerance), which bounds replays.
//
// A Key never prints its bytes, and no error of this package quotes a key,
// a signature or a body.
package signature
