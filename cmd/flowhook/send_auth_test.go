package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/flowhook/flowhook/internal/oauth/oauthtest"
)

// TestSendOAuth2: flowhook send fetches the node's OAuth 2.0 token with
// the account's client secret, sends it, and after the resource server
// refuses it (401) fetches one new token and sends once more; a refused
// client secret ends in token_failed. Neither the token nor the secret is
// printed.
func TestSendOAuth2(t *testing.T) {
	const clientSecret = "send-client-secret-77"
	t.Setenv("FLOWHOOK_SECRET_DEMO__CRM_CLIENT_SECRET", clientSecret)
	tokens := oauthtest.NewServer(t, map[string]string{"demo-app": clientSecret}, 3600)
	first := true
	resource := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := tokens.Check(r.Header.Get("Authorization")); !ok || first {
			first = false
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusCreated)
	}))
	t.Cleanup(resource.Close)
	node := func(clientID string) string {
		return writeFile(t, "node.json", `{"method": "POST", "url": "`+resource.URL+`/leads", "response": {"kind": "status", "status": 201},
			"on_error": "no", "auth": {"kind": "oauth2", "token_url": "`+tokens.URL+`/token", "client_id": "`+clientID+`", "secret": "crm_client_secret"}}`)
	}
	code, out, errOut := runCommand(t.Context(), "send", node("demo-app"), "--allow-cidrs", "127.0.0.1/32")
	if code != exitOK || !strings.Contains(out, "Judged: matched") || !strings.Contains(out, "Authorization: Bearer ****") || tokens.Fetches() != 2 {
		t.Fatalf("exit %d, %d fetches:\n%s\n%s", code, tokens.Fetches(), out, errOut)
	}
	code, out, _ = runCommand(t.Context(), "send", node("unknown-app"), "--allow-cidrs", "127.0.0.1/32")
	if code != exitFailure || !strings.Contains(out, "Judged: token_failed: token endpoint http://127.0.0.1:") || !strings.Contains(out, "(invalid_client)") {
		t.Errorf("refused client: exit %d:\n%s", code, out)
	}
	if strings.Contains(out, clientSecret) || strings.Contains(out, "tok-demo-app") {
		t.Errorf("output shows a secret or a token:\n%s", out)
	}
}
