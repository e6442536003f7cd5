package preview

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/flowhook/flowhook/internal/secret"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// sampleNode is a node with profile, event, static and secret parameters,
// a secret header and an inline one.
func sampleNode() flowevent.NodeConfig {
	return flowevent.NodeConfig{
		Method: "POST",
		URL:    "https://crm.example.com/v1/leads?source=flows&list=a%20b",
		Params: []flowevent.Param{
			{Name: "email", From: flowevent.FromProfile, Path: "email"},
			{Name: "name", From: flowevent.FromProfile, Path: "name"},
			{Name: "city", From: flowevent.FromProfile, Path: "address.city"},
			{Name: "form", From: flowevent.FromEvent, Path: "form.id"},
			{Name: "campaign", From: flowevent.FromStatic, Value: "spring sale"},
			{Name: "key", From: flowevent.FromSecret, Secret: "crm.api-key"},
		},
		Headers: []flowevent.Header{
			{Name: "Authorization", Secret: "crm_token", Prefix: "Bearer "},
			{Name: "X-Source", Value: "flow's engine"},
		},
		Response:  flowevent.ResponseCheck{Kind: flowevent.CheckStatus, Status: 201},
		OnError:   flowevent.RouteNo,
		TimeoutMS: 2500,
	}
}

func sample() Sample {
	return Sample{Request: flowevent.Request{
		Account: "acme", FlowID: "f1", NodeID: "n1", Node: sampleNode(),
		Profile: flowevent.Profile{ID: "p1", Attributes: map[string]any{
			"email": "ada@example.com", "name": "Ada Lovelace",
		}},
		Trigger: &flowevent.Trigger{Type: "form_submitted", Data: map[string]any{"form": map[string]any{"id": "demo&1"}}},
	}}
}

// fakeSecrets resolves the listed secrets in the account of sample().
type fakeSecrets map[string]string

func (f fakeSecrets) Secret(account, name string) (string, bool) {
	if account != "acme" { // the account of sample()
		return "", false
	}
	v, ok := f[name]
	return v, ok
}

func (f fakeSecrets) Lookup(account, name string) secret.Source {
	if _, ok := f.Secret(account, name); ok {
		return secret.AccountFile
	}
	return secret.NotFound
}

func TestRender(t *testing.T) {
	s := sample()
	s.Event.ID = "evt-1"
	r, err := Render(context.Background(), s, Options{UserAgent: "flowhook/1", Secrets: fakeSecrets{"crm_token": "tok-SECRET"}})
	if err != nil {
		t.Fatal(err)
	}
	wantURL := "https://crm.example.com/v1/leads?source=flows&list=a%20b&email=ada%40example.com&name=Ada%20Lovelace&city=&form=demo%261&campaign=spring%20sale&key=" + Mask
	if r.Method != "POST" || r.URL != wantURL || r.Origin != "https://crm.example.com:443" {
		t.Errorf("request line %s %s (%s)\nwant URL %s", r.Method, r.URL, r.Origin, wantURL)
	}
	wantQuery := []QueryParam{
		{Name: "source", Value: "flows", Source: "url"},
		{Name: "list", Value: "a b", Source: "url"},
		{Name: "email", Value: "ada@example.com", Source: "profile: email"},
		{Name: "name", Value: "Ada Lovelace", Source: "profile: name"},
		{Name: "city", Value: "", Source: "profile: address.city", Empty: true},
		{Name: "form", Value: "demo&1", Source: "event: form.id"},
		{Name: "campaign", Value: "spring sale", Source: "static"},
		{Name: "key", Value: Mask, Source: "secret: crm.api-key", Masked: true},
	}
	if got, want := jsonOf(t, r.Query), jsonOf(t, wantQuery); got != want {
		t.Errorf("query\n%s\nwant\n%s", got, want)
	}
	wantHeaders := []HeaderLine{
		{Name: "Authorization", Value: "Bearer " + Mask, Secret: "crm_token"},
		{Name: "X-Source", Value: "flow's engine"},
		{Name: "Idempotency-Key", Value: `"` + flowevent.IdempotencyKey("acme", "evt-1") + `"`},
		{Name: "User-Agent", Value: "flowhook/1"},
		{Name: "Webhook-Id", Value: flowevent.IdempotencyKey("acme", "evt-1")},
	}
	if got, want := jsonOf(t, r.Headers), jsonOf(t, wantHeaders); got != want {
		t.Errorf("headers\n%s\nwant\n%s", got, want)
	}
	wantSecrets := []SecretRef{
		{Name: "crm.api-key", Account: "acme", File: "acme/crm.api-key", EnvVar: "FLOWHOOK_SECRET_ACME__CRM_API_KEY", Found: false},
		{Name: "crm_token", Account: "acme", File: "acme/crm_token", EnvVar: "FLOWHOOK_SECRET_ACME__CRM_TOKEN", Found: true, Source: "account file"},
	}
	if got, want := jsonOf(t, r.Secrets), jsonOf(t, wantSecrets); got != want {
		t.Errorf("secrets %s, want %s", got, want)
	}
	if r.Check != "status is exactly 201" || r.OnError != flowevent.RouteNo || r.Timeout.Milliseconds() != 2500 {
		t.Errorf("check %q on_error %s timeout %v", r.Check, r.OnError, r.Timeout)
	}
	wantCurl := `curl -sS -i -g --max-time 2.5 \
  -X POST \
  -H 'Authorization: Bearer '"${FLOWHOOK_SECRET_ACME__CRM_TOKEN}" \
  -H 'X-Source: flow'\''s engine' \
  -H 'Idempotency-Key: "` + flowevent.IdempotencyKey("acme", "evt-1") + `"' \
  -H 'User-Agent: flowhook/1' \
  -H 'Webhook-Id: ` + flowevent.IdempotencyKey("acme", "evt-1") + `' \
  -H 'Content-Length: 0' \
  'https://crm.example.com/v1/leads?source=flows&list=a%20b&email=ada%40example.com&name=Ada%20Lovelace&city=&form=demo%261&campaign=spring%20sale&key='"${FLOWHOOK_SECRET_ACME__CRM_API_KEY}"`
	if r.Curl != wantCurl {
		t.Errorf("curl\n%s\nwant\n%s", r.Curl, wantCurl)
	}
	var text strings.Builder
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	out := text.String() + jsonOf(t, r)
	if strings.Contains(out, "tok-SECRET") || strings.Contains(out, "fhsecret") {
		t.Errorf("output holds a secret value or a placeholder:\n%s", out)
	}
	for _, want := range []string{"(empty)", "(secret crm_token)", "$FLOWHOOK_SECRET_ACME__CRM_API_KEY", "NOT set here", "Host: crm.example.com"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
}

func TestRenderMask(t *testing.T) {
	r, err := Render(context.Background(), sample(), Options{Mask: true})
	if err != nil {
		t.Fatal(err)
	}
	want := "?source=flows&list=a%20b&email=****&name=****&city=&form=****&campaign=spring%20sale&key=****"
	if !strings.HasSuffix(r.URL, want) {
		t.Errorf("URL %s, want suffix %s", r.URL, want)
	}
	all := jsonOf(t, r)
	for _, personal := range []string{"ada", "Lovelace", "demo"} {
		if strings.Contains(all, personal) {
			t.Errorf("masked render shows %q: %s", personal, all)
		}
	}
	if !strings.Contains(r.Curl, "email=****&name=****") || !strings.Contains(r.Curl, "spring%20sale") {
		t.Errorf("curl %s", r.Curl)
	}
}

func TestRenderErrorsNameTheField(t *testing.T) {
	tests := []struct {
		edit func(*flowevent.NodeConfig)
		want string
	}{
		{func(n *flowevent.NodeConfig) { n.Method = "FETCH" }, "method"},
		{func(n *flowevent.NodeConfig) { n.URL = "ftp://x/y" }, "url scheme"},
		{func(n *flowevent.NodeConfig) { n.Params[0].From = "cookie" }, `params[0] "email"`},
		{func(n *flowevent.NodeConfig) { n.Headers[1].Value = "a\nb" }, `headers[1] "X-Source"`},
	}
	for _, tt := range tests {
		s := sample()
		tt.edit(&s.Request.Node)
		_, err := Render(context.Background(), s, Options{})
		re, ok := RequestError(err)
		if !ok || !strings.Contains(re.Detail, tt.want) {
			t.Errorf("error %v, want a request error naming %q", err, tt.want)
		}
	}
}

// TestCurlRuns runs the curl command in a shell (with sh -n, a syntax
// check, and through echo to see the words it expands to).
func TestCurlRuns(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	r, err := Render(context.Background(), sample(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	script := "curl() { for a in \"$@\"; do printf '%s\\n' \"$a\"; done; }\n" + r.Curl + "\n"
	cmd := exec.Command(sh, "-c", script)
	cmd.Env = append(os.Environ(), "FLOWHOOK_SECRET_ACME__CRM_TOKEN=t0k'en $x", "FLOWHOOK_SECRET_ACME__CRM_API_KEY=k3y")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sh: %v\n%s", err, out)
	}
	words := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	want := []string{"Authorization: Bearer t0k'en $x", "X-Source: flow's engine"}
	for _, w := range want {
		found := false
		for _, word := range words {
			found = found || word == w
		}
		if !found {
			t.Errorf("curl arguments %q lack %q", words, w)
		}
	}
	if last := words[len(words)-1]; !strings.HasSuffix(last, "&key=k3y") {
		t.Errorf("URL argument %q", last)
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
