// Package request builds the outbound HTTP request that a request event's
// Webhook node describes: Builder.Outbound returns it as an egress.Request
// (method, parsed URL, ordered header fields, body), which the dispatcher
// sends with internal/egress; Builder.Build returns the same request as an
// *http.Request, for the tools that show it (flowhook render). Outbound
// does not go through net/http's types: building an *http.Request (its
// header map, body reader and context) only to copy it into the client's
// own request cost allocations on every event.
//
// # URL
//
// The node URL's own query is kept byte for byte, in order; a fragment is
// dropped (fragments are never sent). The node's parameters are appended in
// their configured order as name=value pairs joined by '&', after a '?' or
// '&' as the URL needs. Names are sent as configured and values as resolved,
// both percent-encoded as RFC 3986 describes: the unreserved characters
// A-Z a-z 0-9 - . _ ~ are kept, every other byte (UTF-8 for non-ASCII text)
// becomes %XX with upper-case hex digits. A space is %20, never '+', so a
// receiver decoding either form (RFC 3986 or HTML forms) reads the same
// text; a name such as "contact[email]" travels as "contact%5Bemail%5D",
// which every query decoder reads back as written.
//
// # Body modes
//
// A node's Body (flowevent.BodyMode) says where the parameters go. In query
// mode (the default, also an empty mode) they are the URL's query, as above,
// and the request has no body. In json and form mode the URL's own query is
// still kept (nothing is appended to it) and the parameters become the
// body, with its Content-Type unless a node header sets one:
//
//   - json (application/json): one JSON object. A dotted name builds nested
//     objects ("customer.email" -> {"customer":{"email":...}}), keys in the
//     order the parameters first name them; a name with an empty segment,
//     a name given twice, or a name that is both a value and an object is
//     refused. Profile and event values keep their JSON types: a
//     json.Number its literal, booleans, objects and arrays as they are;
//     a missing value and JSON null are null. Static and secret values are
//     strings. Strings are escaped as encoding/json escapes them, without
//     HTML escaping.
//   - form (application/x-www-form-urlencoded): name=value pairs joined by
//     '&', names and values escaped exactly as in the query (a space is
//     %20, which form decoders read as a space), repeated names kept.
//
// GET and DELETE requests carry no body: a body mode on them is refused.
//
// # Values
//
// A parameter's value comes from the profile (an attribute by exact name;
// when none has that name and it contains dots, a walk into nested objects),
// the triggering event (a dotted path into its data, where a numeric segment
// indexes an array: "items.0.sku"), a static Value, or a secret. A missing
// attribute, event field or trigger, and a JSON null, are sent with an empty
// value ("email="), as the node baseline requires. Values become text this
// way:
//
//   - string: as is.
//   - json.Number (request data is decoded with UseNumber): its literal text,
//     so 12345678901234567890 and 1e21 travel exactly as the flow engine
//     wrote them.
//   - float64, float32: the shortest text that reads back as the same number,
//     in encoding/json's form (1.5, 1e+21, 1e-7); NaN and ±Inf, which only
//     Go callers can pass, as NaN, +Inf and -Inf.
//   - Go integer types: decimal.
//   - bool: true or false.
//   - objects and arrays (and any other Go type): compact JSON with object
//     keys sorted, as encoding/json writes maps, without HTML escaping.
//
// # Conditional data
//
// A parameter may be left out (no name, no value, no JSON field) for some
// profiles: with omit_empty, when its profile or event value has none
// (missing, null or the empty string); with when, unless its condition
// on a profile attribute or event field holds (has a value, has none,
// equals a JSON string, number or boolean, or is one of a list; numbers
// compare by value, "5" is not 5). A JSON object all of whose fields are
// left out is left out too. Inclusions says, per parameter, what was
// decided and why, in words that name paths and the node's condition,
// never a value. A node without them sends every parameter, missing
// values empty: the baseline.
//
// # Headers
//
// A node with auth gets Authorization after its own headers: Basic with
// its user name and password secret, or Bearer with the OAuth 2.0 access
// token its caller fetched (Options.AccessToken; see internal/oauth). Such
// a node may not set Authorization itself.
//
// Node headers are added in order, with their names exactly as configured
// (not canonicalised; in Build's *http.Request they sit under canonical
// keys, as http.Header keeps them): an inline Value, or Prefix followed by
// a secret's value. Node headers that flowevent.IsReservedHeader names
// (which validation refuses) and User-Agent are ignored. flowhook sets its
// own, after them:
// Idempotency-Key (a quoted string, as the IETF httpapi draft spells it) and
// webhook-id, both carrying flowevent.IdempotencyKey of the request event's
// id; User-Agent; the W3C traceparent / tracestate the caller passes in
// Options; and a body mode's Content-Type when no node header sets one.
//
// # Signing
//
// A node with Signing (scheme standard-webhooks) also gets
// webhook-timestamp (Unix seconds, from the Builder's clock, see WithClock)
// and webhook-signature: "v1," and the base64 HMAC-SHA256 of
// "{webhook-id}.{webhook-timestamp}.{body}" (an empty body in query mode),
// keyed with the named secret, written "whsec_" and the key in base64 (see
// internal/signature). Every Build signs afresh, so each attempt carries
// its own timestamp under the same webhook-id.
//
// # Privacy
//
// Errors (see Error) name parameters, headers and secrets, never their
// values, and never the URL, whose query may carry personal data.
package request
