package signature

import (
	"crypto/hmac"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// DefaultTolerance is how far a message's timestamp may be from the
// receiver's clock, either way, as the reference libraries allow.
const DefaultTolerance = 5 * time.Minute

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

// Verify checks a received message: its headers h (webhook-id,
// webhook-timestamp, webhook-signature, in any case) and its body, exactly
// as received. now is the receiver's clock; tolerance bounds the
// timestamp's distance from it either way (0 means DefaultTolerance). It
// returns nil when one v1 signature matches, otherwise one of the Err
// values. Signatures are compared in constant time.
func (k Key) Verify(h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	id, ts, sigs := h.Get(HeaderID), h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	if id == "" || ts == "" || sigs == "" {
		return ErrMissingHeaders
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return ErrBadTimestamp
	}
	if err := checkTimestamp(sec, now, tolerance); err != nil {
		return err
	}
	// Compare the base64 texts, as the reference libraries do: a
	// non-canonical encoding of the right MAC is not accepted.
	want := []byte(base64.StdEncoding.EncodeToString(k.mac(id, ts, body)))
	for _, s := range strings.Fields(sigs) {
		v, b64, ok := strings.Cut(s, ",")
		if ok && v == version && hmac.Equal([]byte(b64), want) {
			return nil
		}
	}
	return ErrNoMatch
}

// checkTimestamp compares a timestamp with now, within tolerance.
func checkTimestamp(sec int64, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	limit := int64(tolerance / time.Second)
	switch n := now.Unix(); {
	case sec < n-limit:
		return ErrTooOld
	case sec > n+limit:
		return ErrTooNew
	}
	return nil
}
