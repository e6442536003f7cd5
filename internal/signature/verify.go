package signature

import (
	"crypto/hmac"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// DefaultTolerance is how far a message's timestamp may be from the
// receiver's clock, either way, as the reference libraries allow.
const DefaultTolerance = 5 * time.Minute

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
