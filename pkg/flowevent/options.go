package flowevent

import (
	"regexp"
	"strings"
)

// BodyMode says where a node's parameters travel. Every mode keeps the
// URL's own (static) query.
type BodyMode string

// Body modes.
const (
	// BodyQuery (or an empty BodyMode) sends the parameters as URL query
	// parameters and no body: the baseline.
	BodyQuery BodyMode = "query"
	// BodyJSON sends the parameters as the fields of one JSON object
	// (Content-Type application/json). A dotted name builds nested objects
	// ("customer.email" -> {"customer":{"email":...}}); profile and event
	// values keep their JSON types (numbers, booleans, null, objects,
	// arrays); a missing value is null; static and secret values are
	// strings.
	BodyJSON BodyMode = "json"
	// BodyForm sends the parameters as an
	// application/x-www-form-urlencoded body, each value in the same text
	// form as in a query.
	BodyForm BodyMode = "form"
)

// ContentTypeForm is the Content-Type of a form body (BodyForm); a JSON
// body is sent as ContentTypeJSON.
const ContentTypeForm = "application/x-www-form-urlencoded"

// HasBody reports whether m sends the parameters in a body (json or form).
func (m BodyMode) HasBody() bool { return m == BodyJSON || m == BodyForm }

// CaptureField names one value of a matched JSON response that flowhook
// copies into the outcome event (Outcome.Captured), so that the flow engine
// can update the profile from the receiver's answer.
type CaptureField struct {
	// Name is the key in Outcome.Captured: 1 to 64 characters from
	// [a-z0-9_], unique within the node.
	Name string `json:"name"`
	// Pointer is an RFC 6901 JSON Pointer into the response body, such as
	// "/data/id" ("" is the whole body).
	Pointer string `json:"pointer"`
}

// Limits of capture.
const (
	// MaxCaptureFields bounds NodeConfig.Capture.
	MaxCaptureFields = 8
	// MaxCaptureValueBytes bounds one captured value (compact JSON).
	MaxCaptureValueBytes = 1024
	// MaxCaptureTotalBytes bounds all captured values of one outcome.
	MaxCaptureTotalBytes = 4096
	// MaxPointerBytes bounds a JSON Pointer in a node.
	MaxPointerBytes = 256
	// MaxEqualsBytes bounds ResponseCheck.Equals.
	MaxEqualsBytes = 1024
	// MaxStatuses bounds ResponseCheck.Statuses.
	MaxStatuses = 16
)

// CaptureMiss says why a capture field has no value in an outcome.
type CaptureMiss string

// Why a capture field was not captured.
const (
	// CaptureAbsent: the pointer names nothing in the response.
	CaptureAbsent CaptureMiss = "absent"
	// CaptureTooLarge: the value exceeds MaxCaptureValueBytes, or would
	// take the outcome's captures over MaxCaptureTotalBytes.
	CaptureTooLarge CaptureMiss = "too_large"
	// CaptureNotJSON: the response body is not one JSON document (or was
	// cut at the response size cap).
	CaptureNotJSON CaptureMiss = "not_json"
)

const captureNamePattern = `^[a-z0-9_]{1,64}$`

var captureNameRE = regexp.MustCompile(captureNamePattern)

// validCaptureName reports whether s can name a capture field.
func validCaptureName(s string) bool { return captureNameRE.MatchString(s) }

// ValidJSONPointer reports whether s is an RFC 6901 JSON Pointer: empty
// (the whole document), or "/"-separated reference tokens in which "~"
// appears only as "~0" or "~1".
func ValidJSONPointer(s string) bool {
	if s == "" {
		return true
	}
	if s[0] != '/' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '~' && (i+1 == len(s) || (s[i+1] != '0' && s[i+1] != '1')) {
			return false
		}
	}
	return !strings.ContainsFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f })
}

// Signing signs a node's requests so that the receiver can check they come
// from flowhook, untouched.
type Signing struct {
	// Scheme is the signature scheme; "standard-webhooks" is the only one.
	Scheme SigningScheme `json:"scheme"`
	// Secret names the secret holding the signing key: "whsec_" followed by
	// the base64 of the key, as Standard Webhooks writes keys. Its value
	// never travels in an event.
	Secret string `json:"secret"`
}

// SigningScheme names a signature scheme.
type SigningScheme string

// Signature schemes.
const (
	// SigningStandardWebhooks adds the Standard Webhooks headers:
	// webhook-id (the idempotency key, the same on every attempt),
	// webhook-timestamp (Unix seconds when the attempt was built) and
	// webhook-signature ("v1," and the base64 HMAC-SHA256, keyed with the
	// secret, of "{webhook-id}.{webhook-timestamp}.{body}"; the body is
	// empty in query mode).
	SigningStandardWebhooks SigningScheme = "standard-webhooks"
)

// ValidStatusClass reports whether c is a value of ResponseCheck.Class:
// 1xx, 2xx, 3xx, 4xx or 5xx.
func ValidStatusClass(c string) bool {
	return len(c) == 3 && c[0] >= '1' && c[0] <= '5' && c[1:] == "xx"
}
