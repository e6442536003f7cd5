package flowevent

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// validNode is a node configuration without problems.
func validNode() NodeConfig { return sampleRequest().Node }

func TestNodeValidateValid(t *testing.T) {
	if ps := validNode().Problems(ValidateOptions{}); len(ps) != 0 {
		t.Fatalf("problems = %v", ps)
	}
	if err := validNode().Validate(ValidateOptions{HTTPSOnly: true}); err != nil {
		t.Fatalf("Validate: %v", err)
	}
}

func TestNodeValidateProblems(t *testing.T) {
	tests := []struct {
		name  string
		opts  ValidateOptions
		edit  func(n *NodeConfig)
		paths []string // every error path expected, in order
		warns []string // every warning path expected, in order
	}{
		{name: "lowercase method", edit: func(n *NodeConfig) { n.Method = "get" }, paths: []string{"method"}},
		{name: "unknown method", edit: func(n *NodeConfig) { n.Method = "HEAD" }, paths: []string{"method"}},
		{name: "missing url", edit: func(n *NodeConfig) { n.URL = "" }, paths: []string{"url"}},
		{name: "relative url", edit: func(n *NodeConfig) { n.URL = "/v1/leads" }, paths: []string{"url"}},
		{name: "ftp url", edit: func(n *NodeConfig) { n.URL = "ftp://example.com/x" }, paths: []string{"url"}},
		{name: "http with https only", opts: ValidateOptions{HTTPSOnly: true}, edit: func(n *NodeConfig) { n.URL = "http://example.com/" }, paths: []string{"url"}},
		{name: "http allowed by default", edit: func(n *NodeConfig) { n.URL = "HTTP://example.com:8080/x?a=1&b=%20" }},
		{name: "no host", edit: func(n *NodeConfig) { n.URL = "https:///path" }, paths: []string{"url"}},
		{name: "opaque", edit: func(n *NodeConfig) { n.URL = "https:example.com" }, paths: []string{"url"}},
		{name: "userinfo", edit: func(n *NodeConfig) { n.URL = "https://user:pw@example.com/" }, paths: []string{"url"}},
		{name: "fragment", edit: func(n *NodeConfig) { n.URL = "https://example.com/#top" }, paths: []string{"url"}},
		{name: "empty fragment", edit: func(n *NodeConfig) { n.URL = "https://example.com/#" }, paths: []string{"url"}},
		{name: "port zero", edit: func(n *NodeConfig) { n.URL = "https://example.com:0/" }, paths: []string{"url"}},
		{name: "port too big", edit: func(n *NodeConfig) { n.URL = "https://example.com:70000/" }, paths: []string{"url"}},
		{name: "space in url", edit: func(n *NodeConfig) { n.URL = "https://example.com/a b" }, paths: []string{"url"}},
		{name: "bad escape in query", edit: func(n *NodeConfig) { n.URL = "https://example.com/?a=%zz" }, paths: []string{"url"}},
		{name: "url too long", opts: ValidateOptions{MaxURLLength: 30}, edit: func(n *NodeConfig) { n.URL = "https://example.com/" + strings.Repeat("a", 20) }, paths: []string{"url"}},
		{name: "too many params", opts: ValidateOptions{MaxParams: 2}, paths: []string{"params"}},
		{name: "param without name", edit: func(n *NodeConfig) { n.Params[1].Name = "" }, paths: []string{"params[1].name"}},
		{name: "param unknown source", edit: func(n *NodeConfig) { n.Params[0].From = "cookie" }, paths: []string{"params[0].from"}},
		{name: "profile param without path", edit: func(n *NodeConfig) { n.Params[0].Path = "" }, paths: []string{"params[0].path"}},
		{name: "event param with empty segment", edit: func(n *NodeConfig) { n.Params[4].Path = "form..id" }, paths: []string{"params[4].path"}},
		{name: "secret param with bad name", edit: func(n *NodeConfig) { n.Params[5] = Param{Name: "k", From: FromSecret, Secret: "a b"} }, paths: []string{"params[5].secret"}},
		{name: "secret param ok", edit: func(n *NodeConfig) { n.Params[5] = Param{Name: "k", From: FromSecret, Secret: "crm.key-1"} }},
		{name: "ignored param fields warn", edit: func(n *NodeConfig) { n.Params[0].Value = "x"; n.Params[5].Path = "p" }, warns: []string{"params[0]", "params[5]"}},
		{name: "too many headers", opts: ValidateOptions{MaxHeaders: 1}, paths: []string{"headers"}},
		{name: "header name not a token", edit: func(n *NodeConfig) { n.Headers[1].Name = "X Source" }, paths: []string{"headers[1].name"}},
		{name: "header name empty", edit: func(n *NodeConfig) { n.Headers[1].Name = "" }, paths: []string{"headers[1].name"}},
		{name: "reserved header", edit: func(n *NodeConfig) { n.Headers[1].Name = "content-LENGTH" }, paths: []string{"headers[1].name"}},
		{name: "header value with CRLF", edit: func(n *NodeConfig) { n.Headers[1].Value = "a\r\nX-Evil: 1" }, paths: []string{"headers[1].value"}},
		{name: "header value with NUL", edit: func(n *NodeConfig) { n.Headers[1].Value = "a\x00" }, paths: []string{"headers[1].value"}},
		{name: "header value with tab ok", edit: func(n *NodeConfig) { n.Headers[1].Value = "a\tb é" }},
		{name: "header value too long", opts: ValidateOptions{MaxHeaderValueBytes: 8}, edit: func(n *NodeConfig) { n.Headers[1].Value = "123456789" }, paths: []string{"headers[1].value"}},
		{name: "header prefix too long", opts: ValidateOptions{MaxHeaderValueBytes: 6}, edit: func(n *NodeConfig) { n.Headers[1].Value = "x" }, paths: []string{"headers[0].prefix"}},
		{name: "header value and secret", edit: func(n *NodeConfig) { n.Headers[0].Value = "x" }, paths: []string{"headers[0]"}, warns: []string{"headers[0].value"}},
		{name: "header without value or secret", edit: func(n *NodeConfig) { n.Headers[1].Value = "" }, paths: []string{"headers[1]"}},
		{name: "header bad secret name", edit: func(n *NodeConfig) { n.Headers[0].Secret = strings.Repeat("a", 129) }, paths: []string{"headers[0].secret"}},
		{name: "prefix without secret", edit: func(n *NodeConfig) { n.Headers[1].Prefix = "Bearer " }, paths: []string{"headers[1].prefix"}},
		{name: "inline authorization warns", edit: func(n *NodeConfig) { n.Headers[0] = Header{Name: "authorization", Value: "Bearer abc"} }, warns: []string{"headers[0].value"}},
		{name: "inline api key warns", edit: func(n *NodeConfig) { n.Headers[1] = Header{Name: "X-Api-Key", Value: "abc"} }, warns: []string{"headers[1].value"}},
		{name: "inline token warns", edit: func(n *NodeConfig) { n.Headers[1] = Header{Name: "X-Auth-Token", Value: "abc"} }, warns: []string{"headers[1].value"}},
		{name: "inline cookie warns", edit: func(n *NodeConfig) { n.Headers[1] = Header{Name: "Cookie", Value: "a=b"} }, warns: []string{"headers[1].value"}},
		{name: "status out of range", edit: func(n *NodeConfig) { n.Response.Status = 600 }, paths: []string{"response.status"}},
		{name: "status missing", edit: func(n *NodeConfig) { n.Response.Status = 0 }, paths: []string{"response.status"}},
		{name: "status with contains warns", edit: func(n *NodeConfig) { n.Response.Contains = "ok" }, warns: []string{"response.contains"}},
		{name: "body_contains empty", edit: func(n *NodeConfig) { n.Response = ResponseCheck{Kind: CheckBodyContains} }, paths: []string{"response.contains"}},
		{name: "body_contains too long", edit: func(n *NodeConfig) {
			n.Response = ResponseCheck{Kind: CheckBodyContains, Contains: strings.Repeat("x", 1025)}
		}, paths: []string{"response.contains"}},
		{name: "body_contains ok", edit: func(n *NodeConfig) { n.Response = ResponseCheck{Kind: CheckBodyContains, Contains: "success"} }},
		{name: "kind missing", edit: func(n *NodeConfig) { n.Response = ResponseCheck{} }, paths: []string{"response.kind"}},
		{name: "kind unknown", edit: func(n *NodeConfig) { n.Response.Kind = "regex" }, paths: []string{"response.kind"}},
		{name: "on_error missing", edit: func(n *NodeConfig) { n.OnError = "" }, paths: []string{"on_error"}},
		{name: "on_error unknown", edit: func(n *NodeConfig) { n.OnError = "retry" }, paths: []string{"on_error"}},
		{name: "timeout too small", edit: func(n *NodeConfig) { n.TimeoutMS = 99 }, paths: []string{"timeout_ms"}},
		{name: "timeout too large", edit: func(n *NodeConfig) { n.TimeoutMS = MaxTimeoutMS + 1 }, paths: []string{"timeout_ms"}},
		{name: "timeout negative", edit: func(n *NodeConfig) { n.TimeoutMS = -1 }, paths: []string{"timeout_ms"}},
		{name: "timeout bounds ok", edit: func(n *NodeConfig) { n.TimeoutMS = MinTimeoutMS }},
		{
			name:  "all problems at once",
			edit:  func(n *NodeConfig) { n.Method = ""; n.URL = "x"; n.OnError = ""; n.Headers[1].Name = "Host" },
			paths: []string{"method", "url", "headers[1].name", "on_error"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := validNode()
			if tt.edit != nil {
				tt.edit(&n)
			}
			err := n.Validate(tt.opts)
			gotErrs, gotWarns := problemPaths(n.Problems(tt.opts))
			if !reflect.DeepEqual(gotErrs, tt.paths) || !reflect.DeepEqual(gotWarns, tt.warns) {
				t.Fatalf("errors %v warnings %v, want %v and %v (%v)", gotErrs, gotWarns, tt.paths, tt.warns, n.Problems(tt.opts))
			}
			if (err != nil) != (len(tt.paths) > 0) {
				t.Fatalf("Validate = %v, want error: %v", err, len(tt.paths) > 0)
			}
			var ve *ValidationError
			if err != nil && (!errors.As(err, &ve) || len(ve.Errors()) != len(tt.paths) || len(ve.Warnings()) != len(tt.warns)) {
				t.Fatalf("Validate = %#v", err)
			}
		})
	}
}

func problemPaths(ps []Problem) (errs, warns []string) {
	for _, p := range ps {
		if p.Warning {
			warns = append(warns, p.Path)
		} else {
			errs = append(errs, p.Path)
		}
	}
	return errs, warns
}

func TestRequestValidate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(r *Request)
		paths []string
	}{
		{name: "valid"},
		{name: "bad account", edit: func(r *Request) { r.Account = "acme.eu" }, paths: []string{"account"}},
		{name: "long account", edit: func(r *Request) { r.Account = strings.Repeat("a", 65) }, paths: []string{"account"}},
		{name: "no flow id", edit: func(r *Request) { r.FlowID = "" }, paths: []string{"flow_id"}},
		{name: "long node id", edit: func(r *Request) { r.NodeID = strings.Repeat("n", 257) }, paths: []string{"node_id"}},
		{name: "control in profile id", edit: func(r *Request) { r.Profile.ID = "p\n1" }, paths: []string{"profile.id"}},
		{name: "node problems prefixed", edit: func(r *Request) { r.Node.Headers[0].Name = "Host" }, paths: []string{"node.headers[0].name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sampleRequest()
			if tt.edit != nil {
				tt.edit(&r)
			}
			gotErrs, _ := problemPaths(r.Problems(ValidateOptions{}))
			if !reflect.DeepEqual(gotErrs, tt.paths) {
				t.Fatalf("errors %v, want %v", gotErrs, tt.paths)
			}
			if err := r.Validate(ValidateOptions{}); (err != nil) != (len(tt.paths) > 0) {
				t.Fatalf("Validate = %v", err)
			}
		})
	}
}

func TestValidationErrorText(t *testing.T) {
	n := validNode()
	n.Method = "get"
	n.Headers = append(n.Headers, Header{Name: "X-Api-Key", Value: "k-123456789"}, Header{Name: "Authorization: Bearer abcdef123", Value: "x"})
	err := n.Validate(ValidateOptions{})
	if err == nil {
		t.Fatal("valid")
	}
	msg := err.Error()
	for _, leak := range []string{"k-123456789", "abcdef123"} {
		if strings.Contains(msg, leak) {
			t.Errorf("error %q leaks %q", msg, leak)
		}
	}
	for _, want := range []string{"method:", "headers[3].name:", "2 errors"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, "warning") {
		t.Errorf("error %q lists warnings", msg)
	}
}

func TestReservedHeadersAnyCase(t *testing.T) {
	for _, name := range reservedHeaders {
		for _, v := range []string{name, strings.ToUpper(name), strings.ToLower(name)} {
			if !IsReservedHeader(v) {
				t.Errorf("IsReservedHeader(%q) = false", v)
			}
		}
	}
	if IsReservedHeader("X-Hosting") || IsReservedHeader("Authorization") {
		t.Error("non-reserved header reported reserved")
	}
}

func TestErrorAction(t *testing.T) {
	tests := []struct {
		on   Route
		want Route
	}{{RouteYes, RouteYes}, {RouteExit, RouteExit}, {"", DefaultErrorAction}, {"bogus", DefaultErrorAction}}
	for _, tt := range tests {
		if got := (NodeConfig{OnError: tt.on}).ErrorAction(); got != tt.want {
			t.Errorf("ErrorAction(%q) = %q, want %q", tt.on, got, tt.want)
		}
	}
}
