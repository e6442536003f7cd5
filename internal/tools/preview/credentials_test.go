package preview

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// renderText renders s and returns the rendering and its text.
func renderText(t *testing.T, s Sample, opts Options) (*Rendered, string) {
	t.Helper()
	r, err := Render(t.Context(), s, opts)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	return r, b.String()
}

func TestRenderOAuth2(t *testing.T) {
	s := sample()
	n := &s.Request.Node
	n.Headers = n.Headers[1:]
	n.Auth = &flowevent.Auth{Kind: flowevent.AuthOAuth2, TokenURL: "https://login.crm.example.com/oauth2/token", ClientID: "acme-app",
		Secret: "crm_client_secret", Scopes: []string{"leads.write"}, Audience: "https://api.crm.example.com"}
	r, text := renderText(t, s, Options{Secrets: fakeSecrets{"crm_client_secret": "cs", "crm.api-key": "k"}})
	for _, want := range []string{
		"(access token from https://login.crm.example.com:443)",
		"Authorization: Bearer ****",
		"Auth: OAuth 2.0 client credentials: Bearer token from https://login.crm.example.com:443 (client \"acme-app\", scopes leads.write",
		`FLOWHOOK_ACCESS_TOKEN=$(curl -sS -d grant_type=client_credentials -u 'acme-app:'"${FLOWHOOK_SECRET_ACME__CRM_CLIENT_SECRET}" --data-urlencode 'scope=leads.write' --data-urlencode 'audience=https://api.crm.example.com' 'https://login.crm.example.com/oauth2/token'`,
		`-H "Authorization: Bearer ${FLOWHOOK_ACCESS_TOKEN}"`,
		"crm_client_secret (account acme)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("render lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "fhtoken") || strings.Contains(text, "fhsecret") {
		t.Errorf("a stand-in shows:\n%s", text)
	}
	found := false
	for _, sr := range r.Secrets {
		found = found || sr.Name == "crm_client_secret" && sr.Found
	}
	if !found {
		t.Errorf("secrets %+v lack the client secret", r.Secrets)
	}
}

func TestRenderBasicAndTLS(t *testing.T) {
	s := sample()
	n := &s.Request.Node
	n.Headers = n.Headers[1:]
	n.Auth = &flowevent.Auth{Kind: flowevent.AuthBasic, Username: "svc", Secret: "erp_password"}
	n.TLS = &flowevent.TLS{CertSecret: "bank_cert", KeySecret: "bank_key", CASecret: "bank_ca"}
	r, text := renderText(t, s, Options{})
	for _, want := range []string{
		"Authorization: Basic ****",
		"(secret erp_password)",
		`-u 'svc:'"${FLOWHOOK_SECRET_ACME__ERP_PASSWORD}"`,
		`--cert "${FLOWHOOK_SECRETS_DIR}/acme/bank_cert" \` + "\n" + `  --key "${FLOWHOOK_SECRETS_DIR}/acme/bank_key" \` + "\n" + `  --cacert "${FLOWHOOK_SECRETS_DIR}/acme/bank_ca"`,
		"TLS: client certificate from secret bank_cert (key bank_key); server certificate must chain to the CAs of secret bank_ca",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("render lacks %q:\n%s", want, text)
		}
	}
	names := map[string]bool{}
	for _, sr := range r.Secrets {
		names[sr.Name] = true
	}
	for _, want := range []string{"erp_password", "bank_cert", "bank_key", "bank_ca"} {
		if !names[want] {
			t.Errorf("secrets %v lack %s", names, want)
		}
	}
	if strings.Contains(text, "BEGIN") || strings.Contains(text, "Basic c3Zj") {
		t.Errorf("key material or the Basic value shows:\n%s", text)
	}
}

func TestRenderConditional(t *testing.T) {
	s := sample()
	n := &s.Request.Node
	n.Params[2].OmitEmpty = true // city: missing
	n.Params[4].When = &flowevent.Condition{From: flowevent.FromProfile, Path: "tier", Equals: json.RawMessage(`"gold"`)}
	r, text := renderText(t, s, Options{Mask: true})
	if strings.Contains(r.URL, "city=") || strings.Contains(r.URL, "campaign=") {
		t.Errorf("left-out parameters in the URL %s", r.URL)
	}
	for _, q := range r.Query {
		if q.Name == "form" && q.Source != "event: form.id" || q.Name == "key" && q.Source != "secret: crm.api-key" {
			t.Errorf("query parameter %+v mapped to the wrong source", q)
		}
	}
	for _, want := range []string{
		"Conditional parameters, for this sample:",
		`city      left out (omit_empty): profile "address.city" is missing`,
		`campaign  left out: profile "tier" equals "gold" does not hold`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("render lacks %q:\n%s", want, text)
		}
	}
	if len(r.Params) != 6 || r.Params[2].Sent || r.Params[4].Sent || !r.Params[0].Sent {
		t.Errorf("params %+v", r.Params)
	}
}
