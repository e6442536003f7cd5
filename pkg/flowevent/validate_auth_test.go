package flowevent

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestValidateAuthOptions covers auth, tls, auth_failed_statuses and
// conditional parameters: the error (and warning) paths each edit earns.
func TestValidateAuthOptions(t *testing.T) {
	yes, no := true, false
	raw := func(s string) json.RawMessage { return json.RawMessage(s) }
	oauth := func() *Auth {
		return &Auth{Kind: AuthOAuth2, TokenURL: "https://login.example.com/token", ClientID: "c1", Secret: "client_secret"}
	}
	when := func(c Condition) func(n *NodeConfig) {
		return func(n *NodeConfig) { n.Params[0].When = &c }
	}
	tests := []struct {
		name  string
		edit  func(n *NodeConfig)
		paths []string
		warns []string
	}{
		{name: "basic", edit: func(n *NodeConfig) { n.Auth = &Auth{Kind: AuthBasic, Username: "svc", Secret: "pw"} }},
		{name: "basic empty user", edit: func(n *NodeConfig) { n.Auth = &Auth{Kind: AuthBasic, Secret: "pw"} }},
		{name: "basic colon", edit: func(n *NodeConfig) { n.Auth = &Auth{Kind: AuthBasic, Username: "a:b", Secret: "pw"} },
			paths: []string{"auth.username"}},
		{name: "basic no secret", edit: func(n *NodeConfig) { n.Auth = &Auth{Kind: AuthBasic, Username: "svc"} }, paths: []string{"auth.secret"}},
		{name: "basic with oauth fields warns", edit: func(n *NodeConfig) {
			n.Auth = &Auth{Kind: AuthBasic, Username: "svc", Secret: "pw", ClientID: "c"}
		}, warns: []string{"auth"}},
		{name: "oauth2", edit: func(n *NodeConfig) { n.Auth = oauth() }},
		{name: "oauth2 scopes audience body", edit: func(n *NodeConfig) {
			a := oauth()
			a.Scopes, a.Audience, a.ClientAuth = []string{"leads.write", "https://x.example/read"}, "https://api.example.com", ClientAuthBody
			n.Auth = a
		}},
		{name: "oauth2 missing url and id", edit: func(n *NodeConfig) { n.Auth = &Auth{Kind: AuthOAuth2, Secret: "s"} },
			paths: []string{"auth.token_url", "auth.client_id"}},
		{name: "oauth2 bad url", edit: func(n *NodeConfig) { a := oauth(); a.TokenURL = "ftp://x/token"; n.Auth = a },
			paths: []string{"auth.token_url"}},
		{name: "oauth2 url with credentials", edit: func(n *NodeConfig) { a := oauth(); a.TokenURL = "https://u:p@x/token"; n.Auth = a },
			paths: []string{"auth.token_url"}},
		{name: "oauth2 https only", edit: func(n *NodeConfig) { a := oauth(); a.TokenURL = "http://x/token"; n.Auth = a }},
		{name: "oauth2 scope with space", edit: func(n *NodeConfig) { a := oauth(); a.Scopes = []string{"a b"}; n.Auth = a },
			paths: []string{"auth.scopes[0]"}},
		{name: "oauth2 scope repeated", edit: func(n *NodeConfig) { a := oauth(); a.Scopes = []string{"a", "a"}; n.Auth = a },
			warns: []string{"auth.scopes[1]"}},
		{name: "oauth2 unknown client auth", edit: func(n *NodeConfig) { a := oauth(); a.ClientAuth = "jwt"; n.Auth = a },
			paths: []string{"auth.client_auth"}},
		{name: "unknown kind", edit: func(n *NodeConfig) { n.Auth = &Auth{Kind: "digest", Secret: "s"} }, paths: []string{"auth.kind"}},
		{name: "no kind", edit: func(n *NodeConfig) { n.Auth = &Auth{Secret: "s"} }, paths: []string{"auth.kind"}},
		{name: "auth and Authorization header", edit: func(n *NodeConfig) {
			n.Auth = oauth()
			n.Headers = append(n.Headers, Header{Name: "AUTHORIZATION", Value: "Bearer x"})
		}, paths: []string{"headers[1].name"}, warns: []string{"headers[1].value"}},
		{name: "tls client cert", edit: func(n *NodeConfig) { n.TLS = &TLS{CertSecret: "cert", KeySecret: "key"} }},
		{name: "tls ca only", edit: func(n *NodeConfig) { n.TLS = &TLS{CASecret: "ca"} }},
		{name: "tls empty", edit: func(n *NodeConfig) { n.TLS = &TLS{} }, paths: []string{"tls"}},
		{name: "tls cert without key", edit: func(n *NodeConfig) { n.TLS = &TLS{CertSecret: "cert"} }, paths: []string{"tls"}},
		{name: "tls bad name", edit: func(n *NodeConfig) { n.TLS = &TLS{CASecret: "a/b"} }, paths: []string{"tls.ca_secret"}},
		{name: "tls over http", edit: func(n *NodeConfig) {
			n.URL = "http://crm.example.com/v1/leads"
			n.TLS = &TLS{CASecret: "ca"}
		}, paths: []string{"tls"}},
		{name: "auth failed statuses", edit: func(n *NodeConfig) { n.AuthFailedStatuses = []int{419, 498, 440} }},
		{name: "auth failed 2xx", edit: func(n *NodeConfig) { n.AuthFailedStatuses = []int{419, 200} },
			paths: []string{"auth_failed_statuses[1]"}},
		{name: "auth failed 401 warns", edit: func(n *NodeConfig) { n.AuthFailedStatuses = []int{401} },
			warns: []string{"auth_failed_statuses[0]"}},
		{name: "auth failed too many", edit: func(n *NodeConfig) {
			for i := range MaxAuthFailedStatuses + 1 {
				n.AuthFailedStatuses = append(n.AuthFailedStatuses, 420+i)
			}
		}, paths: []string{"auth_failed_statuses"}},
		{name: "omit_empty", edit: func(n *NodeConfig) { n.Params[0].OmitEmpty = true }},
		{name: "omit_empty static warns", edit: func(n *NodeConfig) {
			n.Params[0] = Param{Name: "x", From: FromStatic, Value: "v", OmitEmpty: true}
		}, warns: []string{"params[0].omit_empty"}},
		{name: "when exists", edit: when(Condition{From: FromProfile, Path: "phone", Exists: &yes})},
		{name: "when not exists", edit: when(Condition{From: FromEvent, Path: "order.coupon", Exists: &no})},
		{name: "when equals", edit: when(Condition{From: FromProfile, Path: "country", Equals: raw(`"SE"`)})},
		{name: "when equals number", edit: when(Condition{From: FromProfile, Path: "score", Equals: raw(`10.5`)})},
		{name: "when one_of", edit: when(Condition{From: FromProfile, Path: "country", OneOf: []json.RawMessage{raw(`"SE"`), raw(`true`), raw(`3`)}})},
		{name: "when no operator", edit: when(Condition{From: FromProfile, Path: "country"}), paths: []string{"params[0].when"}},
		{name: "when two operators", edit: when(Condition{From: FromProfile, Path: "c", Exists: &yes, Equals: raw(`1`)}),
			paths: []string{"params[0].when"}},
		{name: "when static source", edit: when(Condition{From: FromStatic, Path: "c", Exists: &yes}), paths: []string{"params[0].when.from"}},
		{name: "when no path", edit: when(Condition{From: FromProfile, Exists: &yes}), paths: []string{"params[0].when.path"}},
		{name: "when event empty segment", edit: when(Condition{From: FromEvent, Path: "a..b", Exists: &yes}),
			paths: []string{"params[0].when.path"}},
		{name: "when equals object", edit: when(Condition{From: FromProfile, Path: "c", Equals: raw(`{"a":1}`)}),
			paths: []string{"params[0].when.equals"}},
		{name: "when equals null", edit: when(Condition{From: FromProfile, Path: "c", Equals: raw(`null`)}),
			paths: []string{"params[0].when.equals"}},
		{name: "when equals not json", edit: when(Condition{From: FromProfile, Path: "c", Equals: raw(`SE`)}),
			paths: []string{"params[0].when.equals"}},
		{name: "when one_of empty", edit: when(Condition{From: FromProfile, Path: "c", OneOf: []json.RawMessage{}}),
			paths: []string{"params[0].when.one_of"}},
		{name: "when one_of array item", edit: when(Condition{From: FromProfile, Path: "c", OneOf: []json.RawMessage{raw(`"a"`), raw(`[1]`)}}),
			paths: []string{"params[0].when.one_of[1]"}},
		{name: "when one_of too long value", edit: when(Condition{From: FromProfile, Path: "c", OneOf: []json.RawMessage{raw(`"` + strings.Repeat("x", 300) + `"`)}}),
			paths: []string{"params[0].when.one_of[0]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := validNode()
			n.Headers = n.Headers[1:] // the sample's own Authorization header
			tt.edit(&n)
			errs, warns := problemPaths(n.Problems(ValidateOptions{}))
			if !slices.Equal(errs, tt.paths) {
				t.Errorf("errors %v, want %v (%v)", errs, tt.paths, n.Problems(ValidateOptions{}))
			}
			if !slices.Equal(warns, tt.warns) {
				t.Errorf("warnings %v, want %v", warns, tt.warns)
			}
		})
	}
}

// TestAuthProblemsNeverQuoteValues: problems of auth and conditions name
// fields, never the values planted in them (a client secret pasted where
// a secret name belongs, a condition's value).
func TestAuthProblemsNeverQuoteValues(t *testing.T) {
	const planted = "PLANTED-VALUE-aa11"
	n := validNode()
	n.Auth = &Auth{Kind: AuthOAuth2, TokenURL: "https://x.example/token?t=" + planted + " x", ClientID: planted + "\n", Secret: planted + "/", Scopes: []string{planted + " x"}}
	n.TLS = &TLS{CertSecret: planted + "/", KeySecret: planted + " "}
	n.Params[0].When = &Condition{From: FromProfile, Path: "c", Equals: json.RawMessage(`{"` + planted + `":1}`)}
	ps := n.Problems(ValidateOptions{})
	if len(ps) < 6 {
		t.Fatalf("only %d problems: %v", len(ps), ps)
	}
	for _, p := range ps {
		if strings.Contains(p.String(), planted) {
			t.Errorf("problem quotes a value: %s", p)
		}
	}
}

// TestAuthBadExamplesGoPaths: each bad example of these options fails Go
// validation at the field it is about.
func TestAuthBadExamplesGoPaths(t *testing.T) {
	want := map[string]string{
		"request-auth-and-authorization-header.bad.json": "node.headers[0].name",
		"request-oauth2-no-token-url.bad.json":           "node.auth.token_url",
		"request-auth-unknown-kind.bad.json":             "node.auth.kind",
		"request-tls-cert-without-key.bad.json":          "node.tls",
		"request-tls-http-url.bad.json":                  "node.tls",
		"request-auth-failed-status-2xx.bad.json":        "node.auth_failed_statuses[0]",
		"request-condition-two-operators.bad.json":       "node.params[0].when",
		"request-condition-object-value.bad.json":        "node.params[0].when.equals",
		"request-condition-static-source.bad.json":       "node.params[0].when.from",
	}
	for name, path := range want {
		b, err := os.ReadFile(filepath.Join(schemaDir, "testdata", name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		_, data, err := decodeExample("request", b)
		if err != nil {
			t.Errorf("%s: decode: %v", name, err)
			continue
		}
		errs, _ := problemPaths(data.(Request).Problems(ValidateOptions{}))
		if !slices.Equal(errs, []string{path}) {
			t.Errorf("%s: errors %v, want [%s]", name, errs, path)
		}
	}
}

// TestConditionReferencesDecoded: a condition's path is decoded by
// DecodeReferenced, so that the condition sees the attribute although no
// parameter sends it.
func TestConditionReferencesDecoded(t *testing.T) {
	yes := true
	r := sampleRequest()
	r.Node.Params = []Param{{Name: "x", From: FromStatic, Value: "1", When: &Condition{From: FromProfile, Path: "consent.marketing", Exists: &yes}},
		{Name: "y", From: FromStatic, Value: "1", When: &Condition{From: FromEvent, Path: "order.total", Exists: &yes}}}
	r.Profile.Attributes = map[string]any{"consent": map[string]any{"marketing": true}, "other": 1}
	r.Trigger = &Trigger{Type: "t", Data: map[string]any{"order": map[string]any{"total": 3}, "noise": 2}}
	msg, err := NewRequestMsg("cond-1", r)
	if err != nil {
		t.Fatal(err)
	}
	_, got, err := NewRequestDecoder(0).DecodeReferenced(msg.Header, msg.Data)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got.Profile.Attributes["consent"]; !ok || len(got.Profile.Attributes) != 1 {
		t.Errorf("profile attributes %v, want only consent", got.Profile.Attributes)
	}
	if _, ok := got.Trigger.Data["order"]; !ok || len(got.Trigger.Data) != 1 {
		t.Errorf("trigger data %v, want only order", got.Trigger.Data)
	}
}
