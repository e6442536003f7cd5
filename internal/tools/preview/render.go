package preview

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/textproto"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/flowhook/flowhook/internal/request"
	"github.com/flowhook/flowhook/internal/secret"
	"github.com/flowhook/flowhook/internal/signature"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// Mask replaces a value render does not show.
const Mask = "****"

// Options tunes Render.
type Options struct {
	// UserAgent is the User-Agent the dispatcher sends (its --user-agent).
	UserAgent string
	// Secrets, when set, is asked which of the node's secrets resolve
	// (never for their values in the output).
	Secrets Secrets
	// EnvPrefix is the secrets' environment variable prefix (default
	// secret.DefaultEnvPrefix), for the secrets' references.
	EnvPrefix string
	// Mask hides profile and event values in the URL, the query table and
	// the curl command.
	Mask bool
	// MaxTimeout caps the node's timeout as the dispatcher does; 0 means
	// flowevent.MaxTimeoutMS.
	MaxTimeout time.Duration
}

// Rendered is the request a node sends for one sample, secrets masked.
type Rendered struct {
	Method string `json:"method"`
	// URL is the full URL with secrets (and, with Mask, profile and event
	// values) replaced by Mask.
	URL string `json:"url"`
	// Origin is the circuit-breaker key of the endpoint.
	Origin string `json:"origin"`
	// Query lists the query parameters in the order sent.
	Query []QueryParam `json:"query"`
	// Headers lists the headers the builder sets: the node's in order, then
	// flowhook's own.
	Headers []HeaderLine `json:"headers"`
	// TransportHeaders are added by the HTTP client when sending.
	TransportHeaders []HeaderLine `json:"transport_headers"`
	// Body is the request body (json and form nodes), secrets (and, with
	// Mask, profile and event values) masked; empty in query mode.
	Body string `json:"body,omitempty"`
	// BodyMode is where the parameters travel: query, json or form.
	BodyMode flowevent.BodyMode `json:"body_mode"`
	// Signed names the secret keying the request's signature, when the
	// node signs its requests.
	Signed string `json:"signed,omitempty"`
	// Secrets are the secrets the request uses.
	Secrets []SecretRef `json:"secrets"`
	// Params lists every node parameter and whether it is sent for this
	// sample, with why for the conditional ones (omit_empty, when).
	Params []ParamLine `json:"params"`
	// Auth describes the node's auth (Basic, OAuth 2.0), TLS its client
	// certificate and CAs: secret names, never values.
	Auth string `json:"auth,omitempty"`
	TLS  string `json:"tls,omitempty"`
	// Check says what response counts as success; OnError is the route
	// otherwise.
	Check   string          `json:"check"`
	OnError flowevent.Route `json:"on_error"`
	// Timeout bounds the request, body read included.
	Timeout time.Duration `json:"timeout"`
	// Curl is an equivalent curl command; secrets are environment-variable
	// references.
	Curl string `json:"curl"`
}

// QueryParam is one query parameter as sent.
type QueryParam struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	// Source says where the value comes from: "url" (the node URL's own
	// query), "profile: <path>", "event: <path>", "static" or
	// "secret: <name>".
	Source string `json:"source"`
	Masked bool   `json:"masked,omitempty"`
	// Empty marks a profile or event value sent empty (missing or null).
	Empty bool `json:"empty,omitempty"`
}

// HeaderLine is one header as sent.
type HeaderLine struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	// Secret names the secret masked in Value.
	Secret string `json:"secret,omitempty"`
	// Note says where a masked value that is no secret comes from (an
	// OAuth 2.0 access token).
	Note string `json:"note,omitempty"`
	raw  string // the built value, with secret markers
}

// Render builds the request of sample with the dispatcher's builder and
// describes it. A request the builder refuses yields its *request.Error
// (reason and detail name the field at fault).
func Render(ctx context.Context, s Sample, opts Options) (*Rendered, error) {
	node := &s.Request.Node
	ph := newPlaceholders()
	if node.Signing != nil {
		ph.signingKey(node.Signing.Secret)
	}
	if err := ph.standIns(node); err != nil {
		return nil, err
	}
	b := request.NewBuilder(ph, opts.UserAgent)
	hr, target, err := b.Build(ctx, requestID(s), &s.Request, request.Options{TraceParent: s.Event.TraceParent, TraceState: s.Event.TraceState, AccessToken: ph.token})
	if err != nil {
		return nil, err
	}
	body, err := readBody(hr)
	if err != nil {
		return nil, err
	}
	r := &Rendered{
		Method:   hr.Method,
		Origin:   target.Origin,
		BodyMode: bodyMode(node.Body),
		Check:    describeCheck(node.Response),
		OnError:  node.ErrorAction(),
		Timeout:  node.Timeout(opts.MaxTimeout),
	}
	if node.Signing != nil {
		r.Signed = node.Signing.Secret
	}
	r.Auth, r.TLS = describeAuth(node.Auth), describeTLS(node.TLS)
	var sentParams []flowevent.Param
	r.Params, sentParams = describeParams(&s.Request)
	queryParams := sentParams
	if r.BodyMode.HasBody() {
		queryParams = nil
	}
	pairs := queryPairs(hr.URL.RawQuery, queryParams)
	r.Query = describeQuery(pairs, ph, opts.Mask)
	r.URL = displayURL(hr.URL, pairs, ph, opts.Mask)
	shownBody := maskBody(body, r.BodyMode, sentParams, opts.Mask)
	r.Body, _ = ph.replace(string(shownBody), func(string) string { return Mask })
	r.Headers = describeHeaders(hr.Header, node.Headers, ph, node.Signing)
	for i := range r.Headers {
		authLine(&r.Headers[i], node.Auth, ph)
	}
	r.TransportHeaders = transportHeaders(hr, body, ph)
	r.Secrets = secretRefs(s.Request.Account, ph.names, ph.signing, opts)
	r.Curl = curlCommand(curlInput{
		hr: hr, rawQuery: joinPairs(pairs, opts.Mask), headers: r.Headers, body: shownBody,
		ph: ph, account: s.Request.Account, envPrefix: opts.EnvPrefix, timeout: r.Timeout, signing: node.Signing,
		auth: node.Auth, tls: node.TLS,
	})
	return r, nil
}

// readBody reads the built request's body (nil in query mode), leaving
// the request untouched.
func readBody(hr *http.Request) ([]byte, error) {
	if hr.GetBody == nil {
		return nil, nil
	}
	rc, err := hr.GetBody()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

func bodyMode(m flowevent.BodyMode) flowevent.BodyMode {
	if m == "" {
		return flowevent.BodyQuery
	}
	return m
}

// maskBody masks profile and event values of a body when mask is set: by
// parameter name in a JSON body, by pair in a form body.
func maskBody(body []byte, mode flowevent.BodyMode, params []flowevent.Param, mask bool) []byte {
	if !mask || len(body) == 0 {
		return body
	}
	if mode == flowevent.BodyForm {
		return []byte(joinPairs(queryPairs(string(body), params), true))
	}
	paths := map[string]bool{}
	for i := range params {
		if personal(&params[i]) {
			paths[params[i].Name] = true
		}
	}
	return maskJSON(body, paths)
}

// requestID is the sample's event id, or a fixed one.
func requestID(s Sample) string {
	if s.Event.ID != "" {
		return s.Event.ID
	}
	return "preview"
}

// pair is one name=value of the raw query and, for a node parameter, the
// parameter.
type pair struct {
	raw   string
	param *flowevent.Param // nil for the URL's own parameters
}

// queryPairs splits the built query; the builder appends exactly one pair
// per node parameter, so the last len(params) pairs are theirs.
func queryPairs(rawQuery string, params []flowevent.Param) []pair {
	if rawQuery == "" {
		return nil
	}
	parts := strings.Split(rawQuery, "&")
	out := make([]pair, len(parts))
	first := len(parts) - len(params)
	for i, p := range parts {
		out[i].raw = p
		if i >= first && first >= 0 {
			out[i].param = &params[i-first]
		}
	}
	return out
}

func describeQuery(pairs []pair, ph *placeholders, mask bool) []QueryParam {
	out := make([]QueryParam, 0, len(pairs))
	for _, p := range pairs {
		if p.raw == "" {
			continue
		}
		rawName, rawValue, _ := strings.Cut(p.raw, "=")
		q := QueryParam{Name: unescape(rawName), Value: unescape(rawValue), Source: source(p.param)}
		if v, secrets := ph.replace(q.Value, func(string) string { return Mask }); len(secrets) > 0 {
			q.Value, q.Masked = v, true
		}
		if personal(p.param) {
			q.Empty = q.Value == ""
			if mask && !q.Empty {
				q.Value, q.Masked = Mask, true
			}
		}
		out = append(out, q)
	}
	return out
}

// personal reports a parameter whose value comes from profile or event
// data.
func personal(p *flowevent.Param) bool {
	return p != nil && (p.From == flowevent.FromProfile || p.From == flowevent.FromEvent)
}

func unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

func source(p *flowevent.Param) string {
	if p == nil {
		return "url"
	}
	switch p.From {
	case flowevent.FromProfile, flowevent.FromEvent:
		return string(p.From) + ": " + p.Path
	case flowevent.FromSecret:
		return "secret: " + p.Secret
	}
	return string(p.From)
}

// displayURL is the URL with secrets masked and, with mask, personal
// values replaced.
func displayURL(u *url.URL, pairs []pair, ph *placeholders, mask bool) string {
	c := *u
	c.RawQuery = joinPairs(pairs, mask)
	s, _ := ph.replace(c.String(), func(string) string { return Mask })
	return s
}

// joinPairs rebuilds a raw query, masking personal values when mask is set.
func joinPairs(pairs []pair, mask bool) string {
	parts := make([]string, len(pairs))
	for i, p := range pairs {
		parts[i] = p.raw
		if mask && personal(p.param) {
			if name, value, _ := strings.Cut(p.raw, "="); value != "" {
				parts[i] = name + "=" + Mask
			}
		}
	}
	return strings.Join(parts, "&")
}

// describeHeaders lists the built headers: the node's in configuration
// order (all values of a repeated name together), then the rest sorted.
func describeHeaders(h http.Header, node []flowevent.Header, ph *placeholders, signing *flowevent.Signing) []HeaderLine {
	var order []string
	seen := map[string]bool{}
	for _, nh := range node {
		key := textproto.CanonicalMIMEHeaderKey(nh.Name)
		if _, ok := h[key]; ok && !seen[key] {
			order, seen[key] = append(order, key), true
		}
	}
	var rest []string
	for key := range h {
		if !seen[key] {
			rest = append(rest, key)
		}
	}
	sort.Strings(rest)
	var out []HeaderLine
	for _, key := range append(order, rest...) {
		for _, v := range h[key] {
			line := HeaderLine{Name: key, Value: v, raw: v}
			if masked, names := ph.replace(v, func(string) string { return Mask }); len(names) > 0 {
				line.Value, line.Secret = masked, strings.Join(names, ", ")
			}
			if signing != nil {
				signatureLine(&line, signing.Secret)
			}
			out = append(out, line)
		}
	}
	return out
}

// Standard Webhooks signature headers, as the builder sets them.
const (
	headerWebhookTimestamp = "Webhook-Timestamp"
	headerWebhookSignature = "Webhook-Signature"
)

// signatureLine describes a signature header: the timestamp and the
// signature are computed when the request is sent.
func signatureLine(line *HeaderLine, secret string) {
	switch line.Name {
	case headerWebhookTimestamp:
		line.Value, line.Secret = "<Unix time when sent>", ""
	case headerWebhookSignature:
		line.Value, line.Secret = "v1,"+Mask, secret
	}
}

// transportHeaders are what net/http adds: Host, Content-Length (0 for a
// POST, PUT or PATCH without a body) and Accept-Encoding.
func transportHeaders(hr *http.Request, body []byte, ph *placeholders) []HeaderLine {
	out := []HeaderLine{{Name: "Host", Value: hr.URL.Host}}
	switch {
	case len(body) > 0:
		length := strconv.Itoa(len(body))
		if _, secrets := ph.replace(string(body), func(string) string { return "" }); len(secrets) > 0 {
			length = "<length of the body with its secrets>"
		}
		out = append(out, HeaderLine{Name: "Content-Length", Value: length})
	case hr.Method == http.MethodPost || hr.Method == http.MethodPut || hr.Method == http.MethodPatch:
		out = append(out, HeaderLine{Name: "Content-Length", Value: "0"})
	}
	return append(out, HeaderLine{Name: "Accept-Encoding", Value: "gzip"})
}

// secretRefs describes the secrets a request of account uses and whether
// they resolve here, in the account's scope; the signing secret's value,
// when found, is checked as the dispatcher checks it.
func secretRefs(account string, names []string, signing string, opts Options) []SecretRef {
	refs := make([]SecretRef, len(names))
	for i, n := range names {
		refs[i] = SecretRef{Name: n, Account: account, File: account + "/" + n, EnvVar: secret.AccountEnvVar(opts.EnvPrefix, account, n)}
		if opts.Secrets == nil {
			continue
		}
		if src := opts.Secrets.Lookup(account, n); src != secret.NotFound {
			refs[i].Found, refs[i].Source = true, src.String()
		}
		if v, ok := opts.Secrets.Secret(account, n); ok && n == signing {
			if _, err := signature.ParseKey(v); err != nil {
				refs[i].Problem = "not a whsec_ base64 key (" + signature.SecretPrefix + " followed by standard base64): a send would end in invalid_config"
			}
		}
	}
	return refs
}

// Invalid lists the problems that make the rendered request fail when sent
// as configured here (a signing secret that is not a key); empty when none.
func (r *Rendered) Invalid() []string {
	var out []string
	for _, s := range r.Secrets {
		if s.Problem != "" {
			out = append(out, "secret "+quote(s.Name)+": "+s.Problem)
		}
	}
	return out
}

func describeCheck(c flowevent.ResponseCheck) string {
	switch c.Kind {
	case flowevent.CheckStatus:
		return "status is exactly " + itoa(c.Status)
	case flowevent.CheckBodyContains:
		return "body contains " + quote(c.Contains)
	case flowevent.CheckStatusIn:
		codes := make([]string, len(c.Statuses))
		for i, s := range c.Statuses {
			codes[i] = itoa(s)
		}
		return "status is one of " + strings.Join(codes, ", ")
	case flowevent.CheckStatusClass:
		return "status is " + quote(c.Class)
	case flowevent.CheckJSONEquals:
		where := "the JSON body"
		if c.Pointer != "" {
			where = "the JSON value at " + quote(c.Pointer)
		}
		return where + " equals " + string(c.Equals)
	}
	return "unknown check " + quote(string(c.Kind))
}

// RequestError returns the builder's error inside err, if any.
func RequestError(err error) (*request.Error, bool) {
	var re *request.Error
	ok := errors.As(err, &re)
	return re, ok
}
