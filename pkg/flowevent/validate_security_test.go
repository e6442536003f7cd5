package flowevent

import (
	"strings"
	"testing"
)

// TestValidateSecurityRules: the rules that keep a customer-typed node from
// steering flowhook's own transport.
func TestValidateSecurityRules(t *testing.T) {
	tests := []struct {
		name string
		edit func(n *NodeConfig)
		path string // the error expected; "" = valid
	}{
		{"User-Agent is flowhook's", func(n *NodeConfig) { n.Headers[1] = Header{Name: "user-agent", Value: "curl/8"} }, "headers[1].name"},
		{"Accept-Encoding is flowhook's", func(n *NodeConfig) { n.Headers[1] = Header{Name: "Accept-Encoding", Value: "gzip"} }, "headers[1].name"},
		{"Host is flowhook's", func(n *NodeConfig) { n.Headers[1] = Header{Name: "HOST", Value: "metadata.internal"} }, "headers[1].name"},
		{"proxy credentials refused", func(n *NodeConfig) { n.Headers[1] = Header{Name: "Proxy-Authorization", Value: "Basic eA=="} }, "headers[1].name"},
		{"header name at the limit", func(n *NodeConfig) { n.Headers[1].Name = "X-" + strings.Repeat("a", MaxHeaderNameBytes-2) }, ""},
		{"header name over the limit", func(n *NodeConfig) { n.Headers[1].Name = "X-" + strings.Repeat("a", MaxHeaderNameBytes-1) }, "headers[1].name"},
		{"header value with LF", func(n *NodeConfig) { n.Headers[1].Value = "a\nb" }, "headers[1].value"},
		{"header prefix with CR", func(n *NodeConfig) { n.Headers[0].Prefix = "Bearer\r" }, "headers[0].prefix"},
		{"credentials in URL", func(n *NodeConfig) { n.URL = "https://u:p@crm.example.com/" }, "url"},
		{"user only in URL", func(n *NodeConfig) { n.URL = "https://u@crm.example.com/" }, "url"},
		{"file scheme", func(n *NodeConfig) { n.URL = "file:///etc/passwd" }, "url"},
		{"gopher scheme", func(n *NodeConfig) { n.URL = "gopher://crm.example.com:70/" }, "url"},
		{"secret name with a slash", func(n *NodeConfig) { n.Headers[0].Secret = "../etc/passwd" }, "headers[0].secret"},
		{"secret param name with a slash", func(n *NodeConfig) { n.Params[0] = Param{Name: "k", From: FromSecret, Secret: "a/b"} }, "params[0].secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := validNode()
			tt.edit(&n)
			errs, _ := problemPaths(n.Problems(ValidateOptions{}))
			switch {
			case tt.path == "" && len(errs) > 0:
				t.Fatalf("errors %v, want valid", errs)
			case tt.path != "" && (len(errs) != 1 || errs[0] != tt.path):
				t.Fatalf("errors %v, want exactly %s", errs, tt.path)
			}
		})
	}
}

// TestProblemsNeverQuoteValues: whatever is wrong with a node, the problems
// name fields, never the values planted in URL queries, headers,
// parameters or response checks.
func TestProblemsNeverQuoteValues(t *testing.T) {
	const planted = "planted-3f9a1c"
	n := NodeConfig{
		Method: "get",
		URL:    "ftp://" + planted + ":" + planted + "@example.com/?email=" + planted + "#" + planted,
		Params: []Param{
			{Name: "", From: FromStatic, Value: planted},
			{Name: "x", From: "cookie", Path: planted, Value: planted},
			{Name: "y\n" + planted, From: FromProfile, Path: planted, Value: planted},
		},
		Headers: []Header{
			{Name: "Authorization: Bearer " + planted, Value: planted},
			{Name: "X-Api-Key", Value: planted + "\r\n"},
			{Name: "X-Ok", Value: planted, Secret: planted + "/"},
			{Name: "Cookie", Value: planted},
		},
		Response: ResponseCheck{Kind: "regex", Contains: planted},
		OnError:  Route(planted),
	}
	ps := n.Problems(ValidateOptions{HTTPSOnly: true})
	if len(ps) < 8 {
		t.Fatalf("only %d problems found: %v", len(ps), ps)
	}
	for _, p := range ps {
		if strings.Contains(p.String(), planted) {
			t.Errorf("problem %q quotes a value", p)
		}
	}
	if err := n.Validate(ValidateOptions{}); err == nil || strings.Contains(err.Error(), planted) {
		t.Errorf("Validate = %v: want an error that quotes no value", err)
	}
}
