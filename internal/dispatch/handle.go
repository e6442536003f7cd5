package dispatch

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/flowhook/flowhook/internal/breaker"
	"github.com/flowhook/flowhook/internal/capture"
	"github.com/flowhook/flowhook/internal/egress"
	"github.com/flowhook/flowhook/internal/judge"
	"github.com/flowhook/flowhook/internal/oauth"
	"github.com/flowhook/flowhook/internal/request"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// handle takes one message to its end: an outcome (acked after its PubAck),
// a dead letter (then terminated), or a hand-back (Nak) when shutdown cut
// the work short.
func (d *Dispatcher) handle(work context.Context, msg jetstream.Msg) {
	defer d.keeper.release(d.keeper.keep(msg))
	defer d.track()()

	if len(msg.Data()) > d.cfg.MaxEventBytes {
		d.reject(work, msg, flowevent.ReasonEventTooLarge, "request event exceeds the size cap", nil)
		return
	}
	ev, req, err := d.decoder.DecodeReferenced(msg.Headers(), msg.Data())
	if err != nil {
		d.reject(work, msg, flowevent.ReasonInvalidEvent, err.Error(), err)
		return
	}
	if acct, _ := flowevent.AccountOfRequestSubject(msg.Subject()); acct != req.Account {
		d.reject(work, msg, flowevent.ReasonInvalidEvent, "data.account does not match the subject's account token", nil)
		return
	}
	st := readState(msg.Headers(), d.now())
	if (st.scheduled() || d.mayHaveOutcome(msg)) && d.outcomeStored(work, req.Account, ev.ID) {
		d.log.Debug().Str("request_id", ev.ID).Msg("dispatch: outcome already stored; acking redelivery")
		_ = msg.Ack()
		return
	}
	d.faults.event(ev.ID)
	ev, endSpan := d.tracer.Start(work, ev, &req)
	r := d.try(work, ev, &req)
	if r.handBack {
		endSpan(flowevent.Outcome{})
		_ = msg.Nak()
		return
	}
	if r.throttled {
		endSpan(flowevent.Outcome{})
		d.park(ev, req.Account, msg, st, r)
		return
	}
	if r.sent {
		d.faults.hit(FaultAfterResponse)
	}
	again, out := d.plan(req.Node, st, r, d.now())
	endSpan(out)
	if again != nil {
		d.schedule(ev, req.Account, msg, again)
		return
	}
	d.publishOutcome(ev, out, msg)
}

// process runs the node for one decoded request event and returns its
// outcome, or handBack when shutdown interrupted the call.
func (d *Dispatcher) process(work context.Context, ev flowevent.Event, req *flowevent.Request) (flowevent.Outcome, bool) {
	r := d.try(work, ev, req)
	return r.out, r.handBack
}

// try makes one try of a request event's node: validate, (fetch an OAuth
// 2.0 token,) build, ask the breaker, send, judge; an OAuth 2.0 node whose
// endpoint answers 401 gets one new token and sends once more within the
// same try. Its result says what happened, for plan.
func (d *Dispatcher) try(work context.Context, ev flowevent.Event, req *flowevent.Request) (r tryResult) {
	out := newOutcome(ev, req, d.now())
	defer func() { r.out = out.Outcome }()
	if err := req.Validate(d.cfg.Validate); err != nil {
		out.finish(req.Node.OnError, flowevent.ReasonInvalidConfig, err.Error(), false)
		return r
	}
	timeout := d.timeout(req.Node)
	ctx, cancel := context.WithTimeout(work, timeout)
	defer cancel()

	token, ok := d.token(ctx, req, "", out, &r)
	if !ok {
		return r
	}
	outReq, target, err := d.builder.Outbound(ev.ID, req, request.Options{TraceParent: ev.TraceParent, TraceState: ev.TraceState, AccessToken: token})
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
		return r
	}
	out.Endpoint = &target.Endpoint
	r.origin = target.Origin

	release, ok := d.acquire(work, req.Account, target.Origin, req.Node, &r)
	if !ok {
		return r
	}
	defer release()
	done, err := d.breakers.Allow(breaker.Key{Account: req.Account, Origin: target.Origin})
	if err != nil {
		r.refused = true
		var oe *breaker.OpenError
		if errors.As(err, &oe) {
			r.openUntil = oe.Until
		}
		out.finish(req.Node.OnError, flowevent.ReasonCircuitOpen, "circuit breaker for "+target.Origin+" is open", false)
		return r
	}
	start := time.Now()
	defer func() { out.DurationMS = float64(time.Since(start).Microseconds()) / 1000 }()
	resp, ok := d.send(ctx, work, outReq, done, out, &r)
	if !ok {
		return r
	}
	v := d.judge(req, resp)
	if !v.Matched && resp.Status == http.StatusUnauthorized && token != "" {
		// The endpoint refused the token: one new token, one new request.
		if token, ok = d.token(ctx, req, token, out, &r); !ok {
			done(breakerResult("", resp.Status))
			return r
		}
		outReq.Set(flowevent.HeaderAuthorization, "Bearer "+token)
		if resp, ok = d.send(ctx, work, outReq, done, out, &r); !ok {
			return r
		}
		v = d.judge(req, resp)
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
func (d *Dispatcher) token(ctx context.Context, req *flowevent.Request, rejected string, out *outcomeDraft, r *tryResult) (string, bool) {
	a := req.Node.Auth
	if a == nil || a.Kind != flowevent.AuthOAuth2 {
		return "", true
	}
	var (
		tok string
		err error
	)
	switch {
	case d.tokens == nil:
		err = &oauth.Error{Reason: flowevent.ReasonTokenFailed, Detail: "no token source configured"}
	case rejected == "":
		tok, err = d.tokens.Token(ctx, req.Account, a)
	default:
		tok, err = d.tokens.Refresh(ctx, req.Account, a, rejected)
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

// send sends outReq once. When it fails it settles the breaker's done and
// finishes out (or marks a hand-back when shutdown cut it short) and
// reports false.
func (d *Dispatcher) send(ctx, work context.Context, outReq *egress.Request, done func(breaker.Result), out *outcomeDraft, r *tryResult) (*egress.Response, bool) {
	resp, err := d.sender.Do(ctx, outReq)
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
func (d *Dispatcher) judge(req *flowevent.Request, resp *egress.Response) judge.Verdict {
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

func (d *Dispatcher) timeout(n flowevent.NodeConfig) time.Duration {
	return n.Timeout(d.cfg.MaxTimeout)
}

func (d *Dispatcher) redelivered(msg jetstream.Msg) bool {
	meta, err := msg.Metadata()
	return err == nil && meta.NumDelivered > 1
}

// outcomeStored reports whether the outcome of account's requestID is
// already on the outcome stream (a redelivery after the outcome was stored
// but before the ack reached the server). An event stored before the
// upgrade to account-scoped ids may have its outcome under the old key:
// that subject is the account's too, and is looked up second.
func (d *Dispatcher) outcomeStored(ctx context.Context, account, requestID string) bool {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for _, subject := range [...]string{flowevent.OutcomeSubject(account, requestID), flowevent.LegacyOutcomeSubject(account, requestID)} {
		if _, err := d.outcomes.GetLastMsgForSubject(ctx, subject); err == nil {
			return true
		}
	}
	return false
}
