package signature

import "errors"

// ErrInvalidKey reports a secret that is not SecretPrefix followed by a
// base64 key, or an empty key.
var ErrInvalidKey = errors.New("signature: key is not whsec_ followed by standard base64")

// Verification errors. Verify returns exactly one of them.
var (
	// ErrMissingHeaders: webhook-id, webhook-timestamp or
	// webhook-signature is absent or empty.
	ErrMissingHeaders = errors.New("signature: missing webhook-id, webhook-timestamp or webhook-signature")
	// ErrBadTimestamp: webhook-timestamp is not a decimal integer.
	ErrBadTimestamp = errors.New("signature: webhook-timestamp is not Unix seconds")
	// ErrTooOld: the timestamp is more than the tolerance in the past.
	ErrTooOld = errors.New("signature: timestamp too old")
	// ErrTooNew: the timestamp is more than the tolerance in the future.
	ErrTooNew = errors.New("signature: timestamp too new")
	// ErrNoMatch: no v1 signature of webhook-signature matches.
	ErrNoMatch = errors.New("signature: no matching signature")
)
