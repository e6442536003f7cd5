package signature

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Reference vector from the Standard Webhooks reference libraries' own
// tests: repository standard-webhooks/standard-webhooks, file
// libraries/go/webhook_test.go, TestWebhookSign (commit 449485caf9c0...).
// The python and javascript libraries' tests use the same key, id,
// timestamp and payload.
const (
	refSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	refID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	refTimestamp = 1614265330
	refPayload   = `{"test": 2432232314}`
	refSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func mustKey(t testing.TB, secret string) Key {
	t.Helper()
	k, err := ParseKey(secret)
	if err != nil {
		t.Fatalf("ParseKey: %v", err)
	}
	return k
}

func TestSignReferenceVector(t *testing.T) {
	for _, secret := range []string{refSecret, refSecret + "\n"} {
		k := mustKey(t, secret)
		if got := k.Sign(refID, time.Unix(refTimestamp, 0), []byte(refPayload)); got != refSignature {
			t.Fatalf("Sign with %q = %s, want %s", secret, got, refSignature)
		}
	}
	h := headers(refID, strconv.Itoa(refTimestamp), refSignature)
	if err := mustKey(t, refSecret).Verify(h, []byte(refPayload), time.Unix(refTimestamp+60, 0), 0); err != nil {
		t.Fatalf("Verify of the reference vector: %v", err)
	}
}

func headers(id, ts, sig string) http.Header {
	h := http.Header{}
	if id != "" {
		h.Set(HeaderID, id)
	}
	if ts != "" {
		h.Set(HeaderTimestamp, ts)
	}
	if sig != "" {
		h.Set(HeaderSignature, sig)
	}
	return h
}

// mixedCase sets the headers as a receiver's server would, whatever case
// the sender wrote.
func mixedCase(id, ts, sig string) http.Header {
	h := http.Header{}
	h.Set("WEBHOOK-ID", id)
	h.Set("Webhook-Timestamp", ts)
	h.Set("webhook-SIGNATURE", sig)
	return h
}

func TestVerify(t *testing.T) {
	k := mustKey(t, refSecret)
	other := mustKey(t, "whsec_"+"c2VjcmV0LWtleS1vZi1hbm90aGVyLXNlbmRlcg==")
	now := time.Unix(1_700_000_000, 0)
	body := []byte(`{"customer":{"email":"jane@example.com"}}`)
	sign := func(k Key, id string, ts time.Time, b []byte) string { return k.Sign(id, ts, b) }
	good := sign(k, "fh_1", now, body)
	ts := strconv.FormatInt(now.Unix(), 10)
	tests := []struct {
		name string
		h    http.Header
		body []byte
		now  time.Time
		tol  time.Duration
		want error
	}{
		{"valid", headers("fh_1", ts, good), body, now, 0, nil},
		{"header names in any case", mixedCase("fh_1", ts, good), body, now, 0, nil},
		{"several signatures, one valid", headers("fh_1", ts, "v1,AAAA "+sign(other, "fh_1", now, body)+" v2,"+good[3:]+" "+good), body, now, 0, nil},
		{"v2 only ignored", headers("fh_1", ts, "v2,"+good[3:]), body, now, 0, ErrNoMatch},
		{"wrong key", headers("fh_1", ts, sign(other, "fh_1", now, body)), body, now, 0, ErrNoMatch},
		{"body changed", headers("fh_1", ts, good), append([]byte(" "), body...), now, 0, ErrNoMatch},
		{"id changed", headers("fh_2", ts, good), body, now, 0, ErrNoMatch},
		{"timestamp changed", headers("fh_1", strconv.FormatInt(now.Unix()+1, 10), good), body, now, 0, ErrNoMatch},
		{"signature not base64", headers("fh_1", ts, "v1,!!!"), body, now, 0, ErrNoMatch},
		{"no version", headers("fh_1", ts, good[3:]), body, now, 0, ErrNoMatch},
		{"missing id", headers("", ts, good), body, now, 0, ErrMissingHeaders},
		{"missing timestamp", headers("fh_1", "", good), body, now, 0, ErrMissingHeaders},
		{"missing signature", headers("fh_1", ts, ""), body, now, 0, ErrMissingHeaders},
		{"timestamp not a number", headers("fh_1", "2024-01-01T00:00:00Z", good), body, now, 0, ErrBadTimestamp},
		{"at the tolerance (old)", headers("fh_1", ts, good), body, now.Add(DefaultTolerance), 0, nil},
		{"past the tolerance (old)", headers("fh_1", ts, good), body, now.Add(DefaultTolerance + time.Second), 0, ErrTooOld},
		{"at the tolerance (new)", headers("fh_1", ts, good), body, now.Add(-DefaultTolerance), 0, nil},
		{"past the tolerance (new)", headers("fh_1", ts, good), body, now.Add(-DefaultTolerance - time.Second), 0, ErrTooNew},
		{"custom tolerance", headers("fh_1", ts, good), body, now.Add(31 * time.Second), 30 * time.Second, ErrTooOld},
		{"empty body signed", headers("fh_1", ts, sign(k, "fh_1", now, nil)), nil, now, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := k.Verify(tt.h, tt.body, tt.now, tt.tol); !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestParseKey(t *testing.T) {
	for _, s := range []string{"", SecretPrefix, "whsec_not base64!", "whsec_YWJj$", "whsec_YWJ",
		"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "mysecret", "WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"} {
		_, err := ParseKey(s)
		if !errors.Is(err, ErrInvalidKey) {
			t.Errorf("ParseKey(%q) = %v, want ErrInvalidKey", s, err)
		}
		if s != "" && s != SecretPrefix && err != nil && strings.Contains(err.Error(), strings.TrimPrefix(s, SecretPrefix)) {
			t.Errorf("error %q quotes the secret", err)
		}
	}
	k := mustKey(t, refSecret)
	if k.Text() != refSecret {
		t.Errorf("Text = %q, want %q", k.Text(), refSecret)
	}
	if _, err := NewKey(nil); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("NewKey(nil) = %v", err)
	}
	raw := []byte("raw-key")
	nk, _ := NewKey(raw)
	raw[0] = 'X'
	if nk.Text() != SecretPrefix+"cmF3LWtleQ==" {
		t.Errorf("NewKey does not copy: %q", nk.Text())
	}
}

func TestKeyNeverPrints(t *testing.T) {
	k := mustKey(t, refSecret)
	b64 := strings.TrimPrefix(refSecret, SecretPrefix)
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		out := fmt.Sprintf(f, k)
		if strings.Contains(out, b64) || strings.Contains(out, string(k.b)) || strings.Contains(out, fmt.Sprint(k.b)) {
			t.Errorf("%s prints the key: %s", f, out)
		}
	}
}

func BenchmarkSign(b *testing.B) {
	k := mustKey(b, refSecret)
	body := []byte(strings.Repeat(`{"customer":{"email":"jane@example.com"}},`, 25))
	ts := time.Unix(refTimestamp, 0)
	b.ReportAllocs()
	for b.Loop() {
		_ = k.Sign("fh_0123456789abcdef0123456789abcdef", ts, body)
	}
}

// TestReadmeAgreesOnThePrefix: the README says the whsec_ prefix is
// required, and ParseKey requires it.
func TestReadmeAgreesOnThePrefix(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "the `whsec_` prefix is required") {
		t.Error("README.md does not say the whsec_ prefix is required")
	}
	if _, err := ParseKey(strings.TrimPrefix(refSecret, SecretPrefix)); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("a key without the prefix: %v, want ErrInvalidKey", err)
	}
}
