package preview

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/flowhook/flowhook/internal/breaker"
	"github.com/flowhook/flowhook/internal/signature"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// bodySample is sample() with its parameters in a body of the given mode.
func bodySample(mode flowevent.BodyMode) Sample {
	s := sample()
	s.Event.ID = "evt-body"
	s.Request.Node.Body = mode
	s.Request.Node.Params[0].Name = "customer.email"
	if mode == flowevent.BodyForm {
		s.Request.Node.Params[0].Name = "email"
	}
	return s
}

func TestRenderBody(t *testing.T) {
	tests := []struct {
		mode          flowevent.BodyMode
		mask          bool
		body, ctype   string
		curlData      string
		contentLength string
	}{
		{flowevent.BodyJSON, false,
			`{"customer":{"email":"ada@example.com"},"name":"Ada Lovelace","city":null,"form":"demo&1","campaign":"spring sale","key":"****"}`,
			"application/json",
			`--data-binary '{"customer":{"email":"ada@example.com"},"name":"Ada Lovelace","city":null,"form":"demo&1","campaign":"spring sale","key":"'"${FLOWHOOK_SECRET_ACME__CRM_API_KEY}"'"}'`,
			"<length of the body with its secrets>"},
		{flowevent.BodyJSON, true,
			`{"customer":{"email":"****"},"name":"****","city":"****","form":"****","campaign":"spring sale","key":"****"}`,
			"application/json",
			`--data-binary '{"customer":{"email":"****"},"name":"****","city":"****","form":"****","campaign":"spring sale","key":"'"${FLOWHOOK_SECRET_ACME__CRM_API_KEY}"'"}'`,
			"<length of the body with its secrets>"},
		{flowevent.BodyForm, false,
			`email=ada%40example.com&name=Ada%20Lovelace&city=&form=demo%261&campaign=spring%20sale&key=****`,
			"application/x-www-form-urlencoded",
			`--data-binary 'email=ada%40example.com&name=Ada%20Lovelace&city=&form=demo%261&campaign=spring%20sale&key='"${FLOWHOOK_SECRET_ACME__CRM_API_KEY}"`,
			"<length of the body with its secrets>"},
		{flowevent.BodyForm, true,
			`email=****&name=****&city=&form=****&campaign=spring%20sale&key=****`,
			"application/x-www-form-urlencoded",
			`--data-binary 'email=****&name=****&city=&form=****&campaign=spring%20sale&key='"${FLOWHOOK_SECRET_ACME__CRM_API_KEY}"`,
			"<length of the body with its secrets>"},
	}
	for _, tt := range tests {
		r, err := Render(context.Background(), bodySample(tt.mode), Options{Mask: tt.mask})
		if err != nil {
			t.Fatal(err)
		}
		if r.Body != tt.body || r.BodyMode != tt.mode {
			t.Errorf("%s mask=%v: body\n%s\nwant\n%s", tt.mode, tt.mask, r.Body, tt.body)
		}
		if !strings.HasSuffix(r.URL, "/v1/leads?source=flows&list=a%20b") || len(r.Query) != 2 {
			t.Errorf("%s: URL %s query %+v: parameters must travel in the body", tt.mode, r.URL, r.Query)
		}
		if h := headerLine(r.Headers, "Content-Type"); h != tt.ctype {
			t.Errorf("%s: Content-Type %q", tt.mode, h)
		}
		if h := headerLine(r.TransportHeaders, "Content-Length"); h != tt.contentLength {
			t.Errorf("%s: Content-Length %q", tt.mode, h)
		}
		if !strings.Contains(r.Curl, tt.curlData) || strings.Contains(r.Curl, "Content-Length") {
			t.Errorf("%s mask=%v: curl\n%s\nlacks\n%s", tt.mode, tt.mask, r.Curl, tt.curlData)
		}
	}
}

func headerLine(lines []HeaderLine, name string) string {
	for _, h := range lines {
		if h.Name == name {
			return h.Value
		}
	}
	return "<absent>"
}

// signingReceiver verifies Standard Webhooks signatures and records the
// bodies it accepted.
type signingReceiver struct {
	key    signature.Key
	mu     sync.Mutex
	bodies []string
	errs   []error
}

func (s *signingReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	err := s.key.Verify(r.Header, body, time.Now(), 0)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.errs = append(s.errs, err)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	s.bodies = append(s.bodies, string(body))
	w.WriteHeader(http.StatusCreated)
}

// TestSignedRequestAndCurlVerify renders and sends a signed JSON node:
// both what flowhook sends and the rendered curl command (run in a shell
// with the secrets in its environment) pass the receiver's signature
// check, with the same body.
func TestSignedRequestAndCurlVerify(t *testing.T) {
	for _, tool := range []string{"sh", "curl", "openssl", "base64", "od"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	var raw [32]byte
	_, _ = rand.Read(raw[:])
	whsec := "whsec_" + base64.StdEncoding.EncodeToString(raw[:])
	key, err := signature.ParseKey(whsec)
	if err != nil {
		t.Fatal(err)
	}
	recv := &signingReceiver{key: key}
	srv := httptest.NewServer(recv)
	defer srv.Close()

	s := bodySample(flowevent.BodyJSON)
	s.Request.Node.URL = srv.URL + "/hook?source=flows"
	s.Request.Node.Signing = &flowevent.Signing{Scheme: flowevent.SigningStandardWebhooks, Secret: "wh.signing"}
	secrets := fakeSecrets{"crm_token": "tok-'1", "crm.api-key": "k3y", "wh.signing": whsec}

	r, err := Render(context.Background(), s, Options{UserAgent: "flowhook/1"})
	if err != nil {
		t.Fatal(err)
	}
	if h := headerLine(r.Headers, "Webhook-Signature"); h != "v1,"+Mask {
		t.Errorf("signature shown as %q", h)
	}
	if strings.Contains(r.Curl, whsec) || strings.Contains(r.Curl, "whsec_") && !strings.Contains(r.Curl, "s/^whsec_//") {
		t.Errorf("curl holds a key:\n%s", r.Curl)
	}
	cmd := exec.Command("sh", "-c", r.Curl)
	cmd.Env = append(os.Environ(), "FLOWHOOK_SECRET_ACME__CRM_TOKEN=tok-'1", "FLOWHOOK_SECRET_ACME__CRM_API_KEY=k3y", "FLOWHOOK_SECRET_ACME__WH_SIGNING="+whsec)
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "201 Created") {
		t.Fatalf("curl: %v\n%s\n%s", err, r.Curl, out)
	}

	sent, err := Send(context.Background(), s, SendDeps{
		Secrets: secrets, UserAgent: "flowhook/1", Sender: newClient(t, true),
		Breakers: breaker.NewRegistry(breaker.Settings{}, nil, zerolog.Nop()),
	})
	if err != nil || sent.Outcome.Route != flowevent.RouteYes {
		t.Fatalf("send: %+v", sent.Outcome)
	}
	recv.mu.Lock()
	defer recv.mu.Unlock()
	if len(recv.errs) > 0 || len(recv.bodies) != 2 || recv.bodies[0] != recv.bodies[1] {
		t.Errorf("receiver: errors %v, bodies %q", recv.errs, recv.bodies)
	}
	if !strings.Contains(recv.bodies[0], `"key":"k3y"`) {
		t.Errorf("secret not in the body: %s", recv.bodies[0])
	}
}
