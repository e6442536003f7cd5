package dispatch

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/flowhook/flowhook/internal/breaker"
	"github.com/flowhook/flowhook/internal/capture"
	"github.com/flowhook/flowhook/internal/egress"
	"github.com/flowhook/flowhook/internal/judge"
	"github.com/flowhook/flowhook/internal/oauth"
	"github.com/flowhook/flowhook/internal/request"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// Sender sends one outbound request within ctx and returns its bounded
// response. internal/egress.Client implements it.
type Sender interface {
	Do(ctx context.Context, req *egress.Request) (*egress.Response, error)
}

// Breakers guards endpoints: one breaker per account and origin, so that
// one account's failing calls never refuse another's. internal/breaker.Registry
// and internal/fleetbreaker.Fleet implement it.
type Breakers interface {
	Allow(key breaker.Key) (done func(breaker.Result), err error)
}

// Builder builds the outbound request of a request event.
// internal/request.Builder implements it.
type Builder interface {
	Outbound(requestID string, req *flowevent.Request, opts request.Options) (*egress.Request, request.Target, error)
}

// Tokens supplies the OAuth 2.0 access tokens of nodes with auth kind
// oauth2, per account (internal/oauth.Tokens implements it): Token the
// current one, Refresh a new one in place of one the endpoint refused.
// Their errors are *oauth.Error.
type Tokens interface {
	Token(ctx context.Context, account string, a *flowevent.Auth) (string, error)
	Refresh(ctx context.Context, account string, a *flowevent.Auth, rejected string) (string, error)
}

// AttemptConfig tunes an Attempter. Zero values mean the documented
// defaults.
type AttemptConfig struct {
	// Validate are the validation options applied to every request.
	Validate flowevent.ValidateOptions
	// MaxTimeout caps any node's request timeout; default
	// flowevent.MaxTimeoutMS.
	MaxTimeout time.Duration
}

func (c AttemptConfig) withDefaults() AttemptConfig {
	if c.MaxTimeout <= 0 {
		c.MaxTimeout = flowevent.MaxTimeoutMS * time.Millisecond
	}
	return c
}

// AttemptDeps are the parts an Attempter works with. Builder, Sender and
// Breakers are required.
type AttemptDeps struct {
	Builder  Builder
	Sender   Sender
	Breakers Breakers
	// Tokens fetches OAuth 2.0 access tokens (through the same egress as
	// Sender); nil: nodes with auth kind oauth2 end in token_failed.
	Tokens Tokens
	// Limiter caps the requests per endpoint origin and per account and
	// origin; nil sets no limit (see Deps.Limiter).
	Limiter Limiter
	// Accounts shares the workers among accounts (see Deps.Accounts);
	// nil: no share.
	Accounts Limiter
	// Now is the clock of the outcome's completed_at and duration_ms;
	// nil: time.Now.
	Now func() time.Time
}

// Attempter makes one try of a request event's node: the attempt
// pipeline the dispatcher runs for every event, and that tools (flowhook
// send) run to try a node down the same path.
//
//	validate -> (OAuth 2.0 token) -> build -> limits (account share, endpoint) -> breaker
//	         -> send -> (401: one new token, send once more) -> judge -> capture
//
// A try publishes nothing and acknowledges nothing: it returns what
// happened, and the Dispatcher decides what follows (an outcome, a retry,
// a hold, a wait for room at the endpoint, a hand-back). Each step that
// cannot go on ends the try on the node's error action with its reason
// (invalid_config, secret_missing, token_failed, circuit_open, a transport
// error's, a check's). A request is sent only once the limits gave room
// and the breaker allowed it; the breaker then learns how it ended,
// exactly once (a call cut short by shutdown counts for nothing), and the
// limits' room is given back when the try ends.
//
// An Attempter is safe for concurrent use by multiple goroutines when its
// dependencies are. Create it with NewAttempter.
type Attempter struct {
	cfg      AttemptConfig
	builder  Builder
	sender   Sender
	breakers Breakers
	tokens   Tokens  // nil: OAuth 2.0 nodes end in token_failed
	limiter  Limiter // nil: no endpoint limits
	accounts Limiter // nil: no per-account share of the workers
	now      func() time.Time
}

// NewAttempter returns an Attempter, or ErrMissingDependency when a
// required part is nil.
func NewAttempter(cfg AttemptConfig, deps AttemptDeps) (*Attempter, error) {
	switch {
	case deps.Builder == nil:
		return nil, missing("Builder")
	case deps.Sender == nil:
		return nil, missing("Sender")
	case deps.Breakers == nil:
		return nil, missing("Breakers")
	}
	now := deps.Now
	if now == nil {
		now = time.Now
	}
	return &Attempter{
		cfg:      cfg.withDefaults(),
		builder:  deps.Builder,
		sender:   deps.Sender,
		breakers: deps.Breakers,
		tokens:   deps.Tokens,
		limiter:  deps.Limiter,
		accounts: deps.Accounts,
		now:      now,
	}, nil
}

// Attempt makes one try of a decoded request event's node exactly as the
// dispatcher does and returns its outcome, without publishing anything
// and without another try: the node's retry and hold policies do not
// apply. The limits (AttemptDeps.Limiter, Accounts) apply as in the
// dispatcher: when the endpoint has no room within the limiter's bounded
// wait, nothing is sent and Attempt returns ErrThrottled (the dispatcher
// would park the event on the bus).
//
// When ctx ends during the call, the outcome is the node's error action
// with reason connection_error (the dispatcher would instead hand the
// event back for redelivery).
func (a *Attempter) Attempt(ctx context.Context, ev flowevent.Event, req *flowevent.Request) (flowevent.Outcome, error) {
	r := a.try(ctx, ev, req)
	switch {
	case r.throttled:
		return flowevent.Outcome{}, ErrThrottled
	case r.handBack:
		draft := outcomeDraft{Outcome: r.out, onError: req.Node.OnError, now: a.now}
		draft.finish(req.Node.OnError, flowevent.ReasonConnectionError, "canceled before the endpoint answered", false)
		return draft.Outcome, nil
	}
	return r.out, nil
}

// try makes one try of a request event's node (see Attempter). work is
// the work context: the request's timeout is set within it, and a call
// cut short because it ended is handed back (tryResult.handBack) rather
// than judged. Its result says what happened, for plan.
func (a *Attempter) try(work context.Context, ev flowevent.Event, req *flowevent.Request) (r tryResult) {
	out := newOutcome(ev, req, a.now)
	defer func() { r.out = out.Outcome }()
	if err := req.Validate(a.cfg.Validate); err != nil {
		out.finish(req.Node.OnError, flowevent.ReasonInvalidConfig, err.Error(), false)
		return r
	}
	ctx, cancel := context.WithTimeout(work, req.Node.Timeout(a.cfg.MaxTimeout))
	defer cancel()

	token, ok := a.token(ctx, req, "", out, &r)
	if !ok {
		return r
	}
	outReq, ok := a.build(ev, req, token, out, &r)
	if !ok {
		return r
	}
	release, ok := a.acquire(work, req.Account, r.origin, req.Node, &r)
	if !ok {
		return r
	}
	defer release()
	done, ok := a.allow(req, r.origin, out, &r)
	if !ok {
		return r
	}
	start := a.now()
	defer func() { out.DurationMS = float64(a.now().Sub(start).Microseconds()) / 1000 }()
	resp, ok := a.send(ctx, work, outReq, done, out, &r)
	if !ok {
		return r
	}
	v := a.judge(req, resp)
	if !v.Matched && resp.Status == http.StatusUnauthorized && token != "" {
		// The endpoint refused the token: one new token, one new request.
		if token, ok = a.token(ctx, req, token, out, &r); !ok {
			done(breakerResult("", resp.Status))
			return r
		}
		outReq.Set(flowevent.HeaderAuthorization, "Bearer "+token)
		if resp, ok = a.send(ctx, work, outReq, done, out, &r); !ok {
			return r
		}
		v = a.judge(req, resp)
		if !v.Matched && v.Reason == flowevent.ReasonAuthFailed {
			v.Detail += "; a new token was refused too"
		}
	}
	done(breakerResult("", resp.Status))
	out.Status = resp.Status
	if resp.Header != nil {
		r.retryAfter = resp.Header.Get("Retry-After")
	}
	if v.Matched {
		out.finish(flowevent.RouteYes, flowevent.ReasonMatched, "", true)
		out.Captured, out.CaptureMissing = capture.Extract(req.Node.Capture, resp.Body, resp.Truncated)
	} else {
		out.finish(req.Node.OnError, v.Reason, v.Detail, false)
	}
	return r
}

// token returns the OAuth 2.0 access token of a node with auth kind oauth2
// ("" for other nodes): a new one in place of rejected when set. When no
// token can be had it finishes out (token_failed, secret_missing) and
// reports false.
func (a *Attempter) token(ctx context.Context, req *flowevent.Request, rejected string, out *outcomeDraft, r *tryResult) (string, bool) {
	auth := req.Node.Auth
	if auth == nil || auth.Kind != flowevent.AuthOAuth2 {
		return "", true
	}
	var (
		tok string
		err error
	)
	switch {
	case a.tokens == nil:
		err = errNoTokenSource
	case rejected == "":
		tok, err = a.tokens.Token(ctx, req.Account, auth)
	default:
		tok, err = a.tokens.Refresh(ctx, req.Account, auth, rejected)
	}
	if err == nil {
		return tok, true
	}
	reason, detail, status := flowevent.ReasonTokenFailed, "no access token", 0
	var te *oauth.Error
	if errors.As(err, &te) {
		reason, detail, status, r.tokenRetryable = te.Reason, te.Detail, te.Status, te.Retryable
	}
	if out.Endpoint == nil {
		if t, err := request.TargetOfNode(&req.Node); err == nil {
			out.Endpoint = &t.Endpoint
		}
	}
	out.Status = status
	out.finish(req.Node.OnError, reason, detail, false)
	return "", false
}

// build builds the outbound request and notes its endpoint in out and its
// origin in r. When it cannot be built it finishes out and reports false.
func (a *Attempter) build(ev flowevent.Event, req *flowevent.Request, token string, out *outcomeDraft, r *tryResult) (*egress.Request, bool) {
	outReq, target, err := a.builder.Outbound(ev.ID, req, request.Options{TraceParent: ev.TraceParent, TraceState: ev.TraceState, AccessToken: token})
	if err != nil {
		reason, detail := flowevent.ReasonInvalidConfig, "request could not be built"
		var berr *request.Error
		if errors.As(err, &berr) {
			reason, detail = berr.Reason, berr.Detail
		}
		if target.Origin != "" {
			out.Endpoint = &target.Endpoint
		}
		out.finish(req.Node.OnError, reason, detail, false)
		return nil, false
	}
	out.Endpoint = &target.Endpoint
	r.origin = target.Origin
	return outReq, true
}

// allow asks the breaker of the account's calls to origin. When it
// refuses, it finishes out (circuit_open), marks r refused with when the
// breaker stops being open, and reports false; otherwise done must be
// called with how the request ended.
func (a *Attempter) allow(req *flowevent.Request, origin string, out *outcomeDraft, r *tryResult) (done func(breaker.Result), ok bool) {
	done, err := a.breakers.Allow(breaker.Key{Account: req.Account, Origin: origin})
	if err == nil {
		return done, true
	}
	r.refused = true
	var oe *breaker.OpenError
	if errors.As(err, &oe) {
		r.openUntil = oe.Until
	}
	out.finish(req.Node.OnError, flowevent.ReasonCircuitOpen, "circuit breaker for "+origin+" is open", false)
	return nil, false
}

// send sends outReq once. When it fails it settles the breaker's done and
// finishes out (or marks a hand-back when the work context ended) and
// reports false.
func (a *Attempter) send(ctx, work context.Context, outReq *egress.Request, done func(breaker.Result), out *outcomeDraft, r *tryResult) (*egress.Response, bool) {
	resp, err := a.sender.Do(ctx, outReq)
	out.Attempts++
	if err == nil {
		r.sent = true
		r.sends++
		return resp, true
	}
	if work.Err() != nil {
		done(breaker.Ignored)
		r.handBack = true
		return nil, false
	}
	r.sent = true
	r.sends++
	reason, detail := flowevent.ReasonConnectionError, "request failed"
	var eerr *egress.Error
	if errors.As(err, &eerr) {
		reason, detail = eerr.Reason, eerr.Detail
	}
	done(breakerResult(reason, 0))
	out.finish(out.onError, reason, detail, false)
	return nil, false
}

// judge applies the node's check, naming rejected credentials.
func (a *Attempter) judge(req *flowevent.Request, resp *egress.Response) judge.Verdict {
	return judge.Credentials(judge.Judge(req.Node.Response, resp.Status, resp.Body, resp.Truncated), resp.Status, req.Node.AuthFailedStatuses)
}

// breakerResult says how an attempt counts for the endpoint's breaker:
// only faults of the endpoint (transport errors, timeouts, 5xx, 429) count
// against it; a 4xx or a mismatch is a fault of the request or the data.
func breakerResult(reason flowevent.Reason, status int) breaker.Result {
	switch reason {
	case flowevent.ReasonTimeout, flowevent.ReasonConnectionError, flowevent.ReasonTLSError:
		return breaker.Fault
	case "":
	default:
		// Blocked destinations and other local refusals say nothing about
		// the endpoint's health.
		return breaker.Ignored
	}
	if status >= 500 || status == http.StatusTooManyRequests {
		return breaker.Fault
	}
	return breaker.Success
}
