package oauth

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	"golang.org/x/sync/singleflight"

	"github.com/flowhook/flowhook/internal/accountcache"
	"github.com/flowhook/flowhook/internal/egress"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// Secrets resolves a secret by name within an account's scope
// (internal/secret.Store implements it).
type Secrets interface {
	Secret(account, name string) (string, bool)
}

// Config tunes Tokens. Zero values take the defaults.
type Config struct {
	// MaxTokens bounds the tokens kept (default 1024); PerAccount bounds
	// one account's (default 32).
	MaxTokens, PerAccount int
	// Early is how long before its expiry a token is fetched again
	// (default 30 s), at most a quarter of its lifetime.
	Early time.Duration
	// NoExpiry is how long a token whose answer had no expires_in is kept
	// (default 10 min); a 401 replaces it sooner.
	NoExpiry time.Duration
	// FetchTimeout bounds one token request (default 10 s).
	FetchTimeout time.Duration
	// FailFor is how long a failed fetch answers later calls (default
	// 2 s).
	FailFor time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	if c.MaxTokens <= 0 {
		c.MaxTokens = 1024
	}
	if c.PerAccount <= 0 {
		c.PerAccount = 32
	}
	if c.Early <= 0 {
		c.Early = 30 * time.Second
	}
	if c.NoExpiry <= 0 {
		c.NoExpiry = 10 * time.Minute
	}
	if c.FetchTimeout <= 0 {
		c.FetchTimeout = 10 * time.Second
	}
	if c.FailFor <= 0 {
		c.FailFor = 2 * time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Tokens fetches and keeps access tokens (see the package documentation).
// It is safe for concurrent use by multiple goroutines.
type Tokens struct {
	cfg     Config
	secrets Secrets
	client  *http.Client
	cache   *accountcache.Cache[string, *entry]
	flights singleflight.Group
}

// entry is what is kept for one key: a token until refreshAt, or a failure
// until then; secret is the client secret it was fetched with.
type entry struct {
	token     string
	err       *Error
	refreshAt time.Time
	secret    string
}

// New returns Tokens that fetch through sender and resolve client secrets
// with secrets.
func New(sender Sender, secrets Secrets, cfg Config) *Tokens {
	cfg = cfg.withDefaults()
	return &Tokens{
		cfg: cfg, secrets: secrets,
		client: &http.Client{
			Transport:     RoundTripper{Sender: sender},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, // egress decides
		},
		cache: accountcache.New[string, *entry](cfg.MaxTokens, cfg.PerAccount),
	}
}

// Token returns account's access token for the node's auth a (kind
// oauth2): the kept one while valid, else a new one. It waits for a fetch
// no longer than ctx. Errors are *Error.
func (t *Tokens) Token(ctx context.Context, account string, a *flowevent.Auth) (string, error) {
	return t.get(ctx, account, a, "")
}

// Refresh returns a new token in place of rejected, which the endpoint
// refused (401): it is dropped, and one token fetched, unless another
// caller replaced it already, whose token is then returned.
func (t *Tokens) Refresh(ctx context.Context, account string, a *flowevent.Auth, rejected string) (string, error) {
	return t.get(ctx, account, a, rejected)
}

func (t *Tokens) get(ctx context.Context, account string, a *flowevent.Auth, rejected string) (string, error) {
	secret, ok := t.secrets.Secret(account, a.Secret)
	if !ok {
		return "", &Error{Reason: flowevent.ReasonSecretMissing, Detail: "secret " + strconv.Quote(a.Secret) + " for auth (client secret) not found"}
	}
	k := key(a)
	if tok, err, ok := t.kept(account, k, secret, rejected); ok {
		return tok, err
	}
	ch := t.flights.DoChan(account+"\x00"+k, func() (any, error) {
		if tok, err, ok := t.kept(account, k, secret, rejected); ok {
			return tok, err // a flight that ended just now filled it
		}
		return t.fetch(ctx, account, k, a, secret)
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return "", res.Err
		}
		return res.Val.(string), nil
	case <-ctx.Done():
		return "", &Error{Reason: flowevent.ReasonTokenFailed, Retryable: true,
			Detail: "token endpoint " + origin(a) + ": no token before the node's timeout"}
	}
}

// kept answers from the cache: a valid token fetched with secret (not
// the rejected one), or a recent failure. ok is false when a fetch is
// needed; a rejected token still kept is dropped.
func (t *Tokens) kept(account, k, secret, rejected string) (string, error, bool) {
	e, ok := t.cache.Get(account, k)
	if !ok || e.secret != secret || !t.cfg.Now().Before(e.refreshAt) {
		return "", nil, false
	}
	if e.err != nil {
		return "", e.err, true
	}
	if rejected != "" && e.token == rejected {
		t.cache.Remove(account, k)
		return "", nil, false
	}
	return e.token, nil, true
}

// fetch asks the token endpoint, within FetchTimeout of its own (the
// callers waiting may give up sooner), and keeps the answer.
func (t *Tokens) fetch(ctx context.Context, account, k string, a *flowevent.Auth, secret string) (string, error) {
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), t.cfg.FetchTimeout)
	defer cancel()
	cc := clientcredentials.Config{ClientID: a.ClientID, ClientSecret: secret, TokenURL: a.TokenURL, Scopes: a.Scopes, AuthStyle: oauth2.AuthStyleInHeader}
	if a.ClientAuth == flowevent.ClientAuthBody {
		cc.AuthStyle = oauth2.AuthStyleInParams
	}
	if a.Audience != "" {
		cc.EndpointParams = url.Values{"audience": {a.Audience}}
	}
	tok, err := cc.Token(context.WithValue(fctx, oauth2.HTTPClient, t.client))
	now := t.cfg.Now()
	if err == nil {
		err = usable(tok, a)
	}
	if err != nil {
		fe := failure(err, a)
		t.cache.Put(account, k, &entry{err: fe, refreshAt: now.Add(t.cfg.FailFor), secret: secret})
		return "", fe
	}
	t.cache.Put(account, k, &entry{token: tok.AccessToken, refreshAt: t.refreshAt(tok, now), secret: secret})
	return tok.AccessToken, nil
}

// refreshAt is when tok is to be fetched again: Early before it expires,
// at most a quarter of its lifetime early; NoExpiry after now without an
// expiry.
func (t *Tokens) refreshAt(tok *oauth2.Token, now time.Time) time.Time {
	if tok.Expiry.IsZero() {
		return now.Add(t.cfg.NoExpiry)
	}
	life := time.Until(tok.Expiry) // x/oauth2 sets Expiry from expires_in by the wall clock
	early := min(t.cfg.Early, life/4)
	return now.Add(life - max(early, 0))
}

// usable checks a token before it goes into a header: a bearer token
// without control characters.
func usable(tok *oauth2.Token, a *flowevent.Auth) error {
	if tok.Type() != "Bearer" {
		return &Error{Reason: flowevent.ReasonTokenFailed, Detail: "token endpoint " + origin(a) + " issued a token of type " + code(tok.Type()) + ", not Bearer"}
	}
	if !flowevent.ValidHeaderValue(tok.AccessToken) {
		return &Error{Reason: flowevent.ReasonTokenFailed, Detail: "token endpoint " + origin(a) + " issued a token that cannot be sent in a header"}
	}
	return nil
}

// failure describes a failed fetch without the endpoint's answer or URL.
func failure(err error, a *flowevent.Auth) *Error {
	var own *Error
	if errors.As(err, &own) {
		return own
	}
	where := "token endpoint " + origin(a)
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		s := re.Response.StatusCode
		d := where + " answered " + strconv.Itoa(s)
		if re.ErrorCode != "" {
			d += " (" + code(re.ErrorCode) + ")"
		}
		return &Error{Reason: flowevent.ReasonTokenFailed, Status: s, Detail: d,
			Retryable: s >= 500 || s == http.StatusTooManyRequests || s == http.StatusRequestTimeout}
	}
	var ee *egress.Error
	if errors.As(err, &ee) {
		return &Error{Reason: flowevent.ReasonTokenFailed, Detail: where + ": " + string(ee.Reason) + ": " + ee.Detail,
			Retryable: ee.Reason == flowevent.ReasonTimeout || ee.Reason == flowevent.ReasonConnectionError}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &Error{Reason: flowevent.ReasonTokenFailed, Detail: where + ": timeout", Retryable: true}
	}
	return &Error{Reason: flowevent.ReasonTokenFailed, Detail: where + " answered without a usable access token"}
}

// key names a token within an account: everything the token request is
// made of but the client secret's value.
func key(a *flowevent.Auth) string {
	scopes := a.Scopes
	if !slices.IsSorted(scopes) {
		scopes = slices.Sorted(slices.Values(scopes))
	}
	return strings.Join([]string{a.TokenURL, a.ClientID, strings.Join(scopes, " "), a.Audience, string(a.ClientAuth), a.Secret}, "\x00")
}

// origin is the token endpoint's origin, for details.
func origin(a *flowevent.Auth) string {
	if o := a.TokenOrigin(); o != "" {
		return o
	}
	return "(unparsable URL)"
}

// code returns an OAuth 2.0 error code or token type for a detail: RFC
// 6749 codes are printable ASCII; anything else, or a long one, is not
// quoted.
func code(s string) string {
	if len(s) == 0 || len(s) > 64 {
		return "(unreadable)"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return "(unreadable)"
		}
	}
	return s
}
