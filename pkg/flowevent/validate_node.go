package flowevent

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// checkNode runs every rule of a node configuration.
func checkNode(p *problems, n NodeConfig, o ValidateOptions) {
	checkMethod(p, n.Method)
	checkURL(p, n.URL, o)
	checkParams(p, n.Params, o)
	checkHeaders(p, n.Headers, o)
	checkResponse(p, n.Response)
	if !n.OnError.Valid() {
		p.errorf("on_error", "must be yes, no or exit")
	}
	if n.TimeoutMS != 0 && (n.TimeoutMS < MinTimeoutMS || n.TimeoutMS > MaxTimeoutMS) {
		p.errorf("timeout_ms", "must be 0 (the default, %d) or between %d and %d", DefaultTimeoutMS, MinTimeoutMS, MaxTimeoutMS)
	}
	checkPolicies(p, n, o)
	checkOptions(p, n)
	checkAuthOptions(p, n, o)
	checkLimits(p, n)
}

func checkMethod(p *problems, m string) {
	switch m {
	case MethodGet, MethodPost, MethodPut, MethodPatch, MethodDelete:
	default:
		p.errorf("method", "must be GET, POST, PUT, PATCH or DELETE (uppercase)")
	}
}

// checkURL checks the endpoint URL. Its messages never quote the URL: its
// query may hold personal data, and url.Parse errors quote it whole.
func checkURL(p *problems, raw string, o ValidateOptions) {
	if raw == "" {
		p.errorf("url", "required")
		return
	}
	if len(raw) > o.MaxURLLength {
		p.errorf("url", "longer than %d bytes", o.MaxURLLength)
	}
	if strings.ContainsFunc(raw, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		p.errorf("url", "contains whitespace or control characters")
		return
	}
	u, err := url.Parse(raw)
	if err != nil {
		p.errorf("url", "is not a valid URL")
		return
	}
	checkURLParts(p, raw, u, o)
}

// checkURLParts checks a parsed URL: absolute http(s) with a host, no
// credentials, no fragment, a valid port and well-formed escapes in the
// query.
func checkURLParts(p *problems, raw string, u *url.URL, o ValidateOptions) {
	switch {
	case u.Scheme == "":
		p.errorf("url", "must be absolute (http:// or https://)")
		return
	case u.Scheme != "http" && u.Scheme != "https":
		p.errorf("url", "scheme must be http or https")
		return
	case o.HTTPSOnly && u.Scheme != "https":
		p.errorf("url", "scheme must be https")
	}
	if u.Opaque != "" || u.Hostname() == "" {
		p.errorf("url", "host missing")
	}
	if u.User != nil {
		p.errorf("url", "must not carry credentials; send them in a header with a secret")
	}
	if strings.Contains(raw, "#") {
		p.errorf("url", "must not have a fragment")
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			p.errorf("url", "port must be between 1 and 65535")
		}
	}
	if !validEscapes(u.RawQuery) {
		p.errorf("url", "query has a malformed percent-escape")
	}
}

// validEscapes reports whether every % in s starts a two-hex-digit escape.
func validEscapes(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			continue
		}
		if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// checkParams checks the count and every parameter.
func checkParams(p *problems, params []Param, o ValidateOptions) {
	if len(params) > o.MaxParams {
		p.errorf("params", "more than %d parameters", o.MaxParams)
	}
	for i, prm := range params {
		checkParam(p, fmt.Sprintf("params[%d]", i), prm)
	}
}

// checkParam checks one parameter: its name, its source and the field the
// source needs; fields the source ignores earn a warning.
func checkParam(p *problems, path string, prm Param) {
	switch {
	case prm.Name == "":
		p.errorf(path+".name", "required")
	case len(prm.Name) > maxParamNameBytes || !utf8.ValidString(prm.Name) || !noControl(prm.Name):
		p.errorf(path+".name", "must be printable UTF-8 text of at most %d bytes", maxParamNameBytes)
	}
	switch prm.From {
	case FromProfile, FromEvent:
		checkParamPath(p, path+".path", prm)
		if prm.Value != "" || prm.Secret != "" {
			p.warnf(path, "value and secret are ignored when from is %s", prm.From)
		}
	case FromStatic:
		if prm.Path != "" || prm.Secret != "" {
			p.warnf(path, "path and secret are ignored when from is static")
		}
	case FromSecret:
		if !ValidSecretName(prm.Secret) {
			p.errorf(path+".secret", "must match %s", secretNamePattern)
		}
		if prm.Path != "" || prm.Value != "" {
			p.warnf(path, "path and value are ignored when from is secret")
		}
	default:
		p.errorf(path+".from", "must be profile, event, static or secret")
	}
	if prm.OmitEmpty && (prm.From == FromStatic || prm.From == FromSecret) {
		p.warnf(path+".omit_empty", "ignored when from is %s: only profile and event values can be missing", prm.From)
	}
	if prm.When != nil {
		checkCondition(p, path+".when", *prm.When)
	}
}

// checkParamPath checks the path of a profile or event parameter.
func checkParamPath(p *problems, path string, prm Param) {
	switch {
	case prm.Path == "":
		p.errorf(path, "required when from is %s", prm.From)
	case len(prm.Path) > maxParamPathBytes || !utf8.ValidString(prm.Path) || !noControl(prm.Path):
		p.errorf(path, "must be printable UTF-8 text of at most %d bytes", maxParamPathBytes)
	case prm.From == FromEvent && strings.Contains("."+prm.Path+".", ".."):
		p.errorf(path, "has an empty segment")
	}
}
