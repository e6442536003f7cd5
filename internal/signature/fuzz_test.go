package signature

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzVerify: Verify never panics on any header text, and accepts a
// message only when its timestamp is within the tolerance and its
// signature header holds, as one space-separated token, the v1 signature
// computed independently here.
func FuzzVerify(f *testing.F) {
	f.Add(refID, strconv.Itoa(refTimestamp), refSignature, []byte(refPayload))
	f.Add("", "", "", []byte(nil))
	f.Add("id", "-1", "v1, v1,,, v2,x", []byte("x"))
	f.Add("id", "99999999999999999999", "v1,====", []byte("{}"))
	f.Add(refID, "+1614265330", "  v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=  ", []byte(refPayload))
	f.Add(refID, strconv.Itoa(refTimestamp), "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OF=", []byte(refPayload))
	k := mustKey(f, refSecret)
	raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(refSecret, SecretPrefix))
	now := time.Unix(refTimestamp, 0)
	f.Fuzz(func(t *testing.T, id, ts, sig string, body []byte) {
		h := http.Header{"Webhook-Id": {id}, "Webhook-Timestamp": {ts}, "Webhook-Signature": {sig}}
		if k.Verify(h, body, now, 0) != nil {
			return
		}
		sec, err := strconv.ParseInt(ts, 10, 64)
		if err != nil || sec < refTimestamp-300 || sec > refTimestamp+300 || id == "" {
			t.Fatalf("accepted id %q timestamp %q", id, ts)
		}
		mac := hmac.New(sha256.New, raw)
		mac.Write([]byte(id + "." + ts + "."))
		mac.Write(body)
		want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
		if !slices.Contains(strings.Fields(sig), want) {
			t.Fatalf("accepted signature header %q, want a token %q", sig, want)
		}
	})
}
