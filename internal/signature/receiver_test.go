package signature_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flowhook/flowhook/internal/signature"
)

// verifyWebhook is the receiver-side check the README shows, in plain
// standard-library Go: a receiver does not import flowhook. Keep the two
// in step.
func verifyWebhook(secret string, h http.Header, body []byte, now time.Time) bool {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return false
	}
	id, ts := h.Get("webhook-id"), h.Get("webhook-timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || id == "" {
		return false
	}
	if d := now.Unix() - sec; d > 300 || d < -300 { // replay window: 5 minutes
		return false
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(body)
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	for _, sig := range strings.Fields(h.Get("webhook-signature")) {
		if v, s, _ := strings.Cut(sig, ","); v == "v1" && hmac.Equal([]byte(s), []byte(want)) {
			return true
		}
	}
	return false
}

// TestReadmeReceiver sends requests signed by Key.Sign to a real receiver
// running the README's check, and checks it accepts exactly the untouched
// ones.
func TestReadmeReceiver(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	key, err := signature.ParseKey(secret)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if !verifyWebhook(secret, r.Header, body, time.Now()) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()

	body := `{"customer":{"email":"jane@example.com","score":87}}`
	now := time.Now()
	tests := []struct {
		name     string
		signedAt time.Time
		sent     string
		tamper   func(h http.Header)
		want     int
	}{
		{"signed", now, body, nil, http.StatusNoContent},
		{"empty body (query mode)", now, "", nil, http.StatusNoContent},
		{"body changed in transit", now, body + " ", nil, http.StatusUnauthorized},
		{"id changed", now, body, func(h http.Header) { h.Set("webhook-id", "fh_other") }, http.StatusUnauthorized},
		{"replayed late", now.Add(-10 * time.Minute), body, nil, http.StatusUnauthorized},
		{"signature missing", now, body, func(h http.Header) { h.Del("webhook-signature") }, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			signedBody := body
			if tt.sent == "" {
				signedBody = ""
			}
			req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(tt.sent))
			req.Header.Set("webhook-id", "fh_0123")
			req.Header.Set("webhook-timestamp", strconv.FormatInt(tt.signedAt.Unix(), 10))
			req.Header.Set("webhook-signature", key.Sign("fh_0123", tt.signedAt, []byte(signedBody)))
			if tt.tamper != nil {
				tt.tamper(req.Header)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}

// ExampleKey_Verify checks a request as a Go receiver that imports this
// package would.
func ExampleKey_Verify() {
	key, _ := signature.ParseKey("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	body := []byte(`{"test": 2432232314}`)
	h := http.Header{}
	h.Set("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek")
	h.Set("webhook-timestamp", "1614265330")
	h.Set("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
	fmt.Println(key.Verify(h, body, time.Unix(1614265330, 0), 0))
	fmt.Println(key.Verify(h, body, time.Unix(1614265330, 0).Add(time.Hour), 0))
	// Output:
	// <nil>
	// signature: timestamp too old
}
