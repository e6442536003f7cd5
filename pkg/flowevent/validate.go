package flowevent

import (
	"fmt"
	"time"
)

// Default limits of ValidateOptions, used for zero (or negative) fields.
const (
	DefaultMaxURLLength        = 2048
	DefaultMaxHeaders          = 32
	DefaultMaxHeaderValueBytes = 4096
	DefaultMaxParams           = 64
)

// Fixed limits of a node configuration.
const (
	// MaxBodyContainsBytes bounds ResponseCheck.Contains.
	MaxBodyContainsBytes = 1024
	// maxIDLen bounds flow, node and profile ids.
	maxIDLen = 256
	// maxParamNameBytes bounds a parameter's name.
	maxParamNameBytes = 256
	// maxParamPathBytes bounds a parameter's path.
	maxParamPathBytes = 1024
)

// ValidateOptions are the limits and policies a configuration is validated
// against. The zero value is the default: http and https both allowed, and
// the Default* limits.
type ValidateOptions struct {
	// HTTPSOnly refuses http URLs.
	HTTPSOnly bool
	// MaxURLLength bounds the node's URL, in bytes (DefaultMaxURLLength).
	MaxURLLength int
	// MaxHeaders bounds the number of headers (DefaultMaxHeaders).
	MaxHeaders int
	// MaxHeaderValueBytes bounds each header's value and prefix
	// (DefaultMaxHeaderValueBytes).
	MaxHeaderValueBytes int
	// MaxParams bounds the number of parameters (DefaultMaxParams).
	MaxParams int
	// MaxRetryWindow bounds a node's retry deadline and hold limit
	// (DefaultMaxRetryWindow).
	MaxRetryWindow time.Duration
}

// withDefaults returns o with every unset limit at its default.
func (o ValidateOptions) withDefaults() ValidateOptions {
	o.MaxURLLength = orDefault(o.MaxURLLength, DefaultMaxURLLength)
	o.MaxHeaders = orDefault(o.MaxHeaders, DefaultMaxHeaders)
	o.MaxHeaderValueBytes = orDefault(o.MaxHeaderValueBytes, DefaultMaxHeaderValueBytes)
	o.MaxParams = orDefault(o.MaxParams, DefaultMaxParams)
	if o.MaxRetryWindow <= 0 {
		o.MaxRetryWindow = DefaultMaxRetryWindow
	}
	return o
}

func orDefault(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

// Problem is one finding of validation. Its Path and Message name fields
// and limits; they never hold header values, parameter values, secrets or
// query strings, so they are safe to log and to show.
type Problem struct {
	// Path locates the field in JSON terms, e.g. "node.headers[1].name".
	Path string
	// Message says what is wrong.
	Message string
	// Warning marks advice: a configuration with only warnings is valid.
	Warning bool
}

// String renders p as "path: message", marking warnings.
func (p Problem) String() string {
	if p.Warning {
		return p.Path + ": " + p.Message + " (warning)"
	}
	return p.Path + ": " + p.Message
}

// asError returns nil when ps holds no error, a *ValidationError otherwise.
func asError(ps []Problem) error {
	for _, p := range ps {
		if !p.Warning {
			return &ValidationError{Problems: ps}
		}
	}
	return nil
}

// problems collects Problems under a path prefix.
type problems struct {
	prefix string
	list   []Problem
}

func (p *problems) errorf(path, format string, args ...any) {
	p.list = append(p.list, Problem{Path: p.prefix + path, Message: fmt.Sprintf(format, args...)})
}

func (p *problems) warnf(path, format string, args ...any) {
	p.list = append(p.list, Problem{Path: p.prefix + path, Message: fmt.Sprintf(format, args...), Warning: true})
}

// Validate checks the node configuration against opts and returns nil or a
// *ValidationError holding every problem found (see Problems).
func (n NodeConfig) Validate(opts ValidateOptions) error { return asError(n.Problems(opts)) }

// Problems returns every problem of the node configuration, errors and
// warnings, with paths relative to the node ("headers[1].name"). Use it to
// show warnings of a valid configuration.
func (n NodeConfig) Problems(opts ValidateOptions) []Problem {
	p := &problems{}
	checkNode(p, n, opts.withDefaults())
	return p.list
}

// Validate checks the request: ids, account and node configuration (paths
// under "node."). It returns nil or a *ValidationError.
func (r Request) Validate(opts ValidateOptions) error { return asError(r.Problems(opts)) }

// Problems returns every problem of the request, errors and warnings.
func (r Request) Problems(opts ValidateOptions) []Problem {
	p := &problems{}
	checkRequestIDs(p, r)
	p.prefix = "node."
	if r.shared != nil && r.shared.describes(&r.Node) {
		// Decoded by a RequestDecoder, which remembers the node's check.
		p.list = append(p.list, r.shared.problems(opts)...)
	} else {
		checkNode(p, r.Node, opts.withDefaults())
	}
	return p.list
}

// ErrorAction is the route to take when the request fails: OnError when it
// is valid, DefaultErrorAction otherwise.
func (n NodeConfig) ErrorAction() Route {
	if n.OnError.Valid() {
		return n.OnError
	}
	return DefaultErrorAction
}
