package signature

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// Header names of the scheme, as the specification writes them (HTTP
// header names are case-insensitive).
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// SecretPrefix starts a key's text form.
const SecretPrefix = "whsec_"

// version is the only signature version of the symmetric scheme.
const version = "v1"

// Key is an HMAC-SHA256 signing key. The zero Key is invalid: ParseKey or
// NewKey make one. A Key is safe for concurrent use; printing it never
// shows its bytes.
type Key struct {
	b []byte
}

// ParseKey reads a key in its text form: SecretPrefix followed by the key
// in standard base64 with padding. The prefix is required: it is what tells
// a signing key from any other secret, since an ordinary password can be
// valid base64 too. Surrounding white space (a trailing newline of a
// secret file) is ignored. The error never quotes the secret.
func ParseKey(secret string) (Key, error) {
	enc, ok := strings.CutPrefix(strings.TrimSpace(secret), SecretPrefix)
	if !ok {
		return Key{}, ErrInvalidKey
	}
	b, err := base64.StdEncoding.DecodeString(enc)
	if err != nil || len(b) == 0 {
		return Key{}, ErrInvalidKey
	}
	return Key{b: b}, nil
}

// NewKey returns a Key of raw bytes (copied); it fails on an empty key.
func NewKey(raw []byte) (Key, error) {
	if len(raw) == 0 {
		return Key{}, ErrInvalidKey
	}
	return Key{b: append([]byte(nil), raw...)}, nil
}

// String hides the key.
func (k Key) String() string { return "signature.Key(****)" }

// GoString hides the key from %#v.
func (k Key) GoString() string { return k.String() }

// Text returns the key in its text form, SecretPrefix and base64, for
// tools that generate keys.
func (k Key) Text() string { return SecretPrefix + base64.StdEncoding.EncodeToString(k.b) }

// Sign returns the webhook-signature value of one message: "v1," and the
// base64 HMAC-SHA256 of "{id}.{unix seconds of ts}.{body}".
func (k Key) Sign(id string, ts time.Time, body []byte) string {
	mac := k.mac(id, strconv.FormatInt(ts.Unix(), 10), body)
	out := make([]byte, 0, len(version)+1+base64.StdEncoding.EncodedLen(len(mac)))
	out = append(out, version+","...)
	return string(base64.StdEncoding.AppendEncode(out, mac))
}

// mac is the HMAC-SHA256 of the signed content.
func (k Key) mac(id, ts string, body []byte) []byte {
	h := hmac.New(sha256.New, k.b)
	h.Write([]byte(id))
	h.Write([]byte{'.'})
	h.Write([]byte(ts))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}
