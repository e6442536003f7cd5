package inspect

import (
	"errors"
	"fmt"
	"time"
)

// Response says how the catcher answers. The zero value answers every
// request at once with 200 and DefaultBody.
type Response struct {
	// Status answers requests that do not fail; default 200.
	Status int
	// Body is the body of those answers; default DefaultBody.
	Body string
	// ContentType is the Content-Type of every answer; default
	// application/json when Body (or FailBody) is JSON, else
	// text/plain; charset=utf-8.
	ContentType string
	// Delay is waited before answering every request, failing or not.
	Delay time.Duration
	// FailFirst fails requests 1 to FailFirst (counted from the start or the
	// last reset of the counter).
	FailFirst int
	// FailEvery fails every FailEvery-th request (the FailEvery-th, the
	// 2*FailEvery-th, ...).
	FailEvery int
	// FailStatus answers failing requests; default 500.
	FailStatus int
	// FailBody is the body of failing answers; default DefaultFailBody.
	FailBody string
	// FailClose drops the connection of failing requests without an answer
	// (a connection error for the sender) instead of answering FailStatus.
	FailClose bool
}

// Defaults of Response.
const (
	DefaultBody       = `{"ok":true}`
	DefaultFailBody   = `{"ok":false,"error":"failure injected by flowhook inspect"}`
	defaultStatus     = 200
	defaultFailStatus = 500
)

func (r Response) withDefaults() Response {
	if r.Status == 0 {
		r.Status = defaultStatus
	}
	if r.Body == "" {
		r.Body = DefaultBody
	}
	if r.FailStatus == 0 {
		r.FailStatus = defaultFailStatus
	}
	if r.FailBody == "" {
		r.FailBody = DefaultFailBody
	}
	return r
}

// Validate reports the first field out of range, by its name.
func (r Response) Validate() error {
	switch {
	case r.Status != 0 && (r.Status < 200 || r.Status > 999):
		return fmt.Errorf("inspect: status %d: must be between 200 and 999", r.Status)
	case r.FailStatus != 0 && (r.FailStatus < 200 || r.FailStatus > 999):
		return fmt.Errorf("inspect: fail status %d: must be between 200 and 999", r.FailStatus)
	case r.Delay < 0:
		return errors.New("inspect: delay must not be negative")
	case r.FailFirst < 0:
		return errors.New("inspect: fail-first must not be negative")
	case r.FailEvery < 0:
		return errors.New("inspect: fail-every must not be negative")
	}
	return nil
}

// fails reports whether the n-th request (from 1) is answered as a
// failure.
func (r Response) fails(n int64) bool {
	return n <= int64(r.FailFirst) || (r.FailEvery > 0 && n%int64(r.FailEvery) == 0)
}

// answer is how one request is answered.
type answer struct {
	status int
	body   string
	failed bool
	close  bool
}

// answerFor returns the answer to the n-th request.
func (r Response) answerFor(n int64) answer {
	if !r.fails(n) {
		return answer{status: r.Status, body: r.Body}
	}
	if r.FailClose {
		return answer{failed: true, close: true}
	}
	return answer{status: r.FailStatus, body: r.FailBody, failed: true}
}
