package request

import (
	"net/http"
	"strconv"

	"github.com/flowhook/flowhook/internal/signature"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// Canonical names of the signature headers (webhook-id is headerWebhookID).
const (
	headerWebhookTimestamp = "Webhook-Timestamp"
	headerWebhookSignature = "Webhook-Signature"
)

// sign adds the Standard Webhooks timestamp and signature of id and body
// (empty in query mode), keyed with the node's signing secret.
func (b *Builder) sign(h http.Header, account string, s *flowevent.Signing, id string, body []byte) error {
	if s.Scheme != flowevent.SigningStandardWebhooks {
		return configError("signing scheme must be " + string(flowevent.SigningStandardWebhooks))
	}
	secret, ok := b.secret(account, s.Secret)
	if !ok {
		return missingSecret("secret " + quote(s.Secret) + " for signing not found")
	}
	key, err := signature.ParseKey(secret)
	if err != nil {
		// Never wrap err or quote the value: the secret is the key.
		return configError("signing secret " + quote(s.Secret) + " is not a whsec_ base64 key")
	}
	now := b.now()
	h[headerWebhookTimestamp] = []string{strconv.FormatInt(now.Unix(), 10)}
	h[headerWebhookSignature] = []string{key.Sign(id, now, body)}
	return nil
}

func quote(s string) string { return strconv.Quote(s) }
