package request

import (
	"strconv"

	"github.com/flowhook/flowhook/internal/egress"
	"github.com/flowhook/flowhook/internal/signature"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// Canonical names of the signature headers (webhook-id is headerWebhookID).
const (
	headerWebhookTimestamp = "Webhook-Timestamp"
	headerWebhookSignature = "Webhook-Signature"
)

// sign appends the Standard Webhooks timestamp and signature of id and
// body (empty in query mode), keyed with the node's signing secret.
func (b *Builder) sign(fs []egress.Field, account string, s *flowevent.Signing, id string, body []byte) ([]egress.Field, error) {
	if s.Scheme != flowevent.SigningStandardWebhooks {
		return nil, configError("signing scheme must be " + string(flowevent.SigningStandardWebhooks))
	}
	secret, ok := b.secret(account, s.Secret)
	if !ok {
		return nil, missingSecret("secret " + quote(s.Secret) + " for signing not found")
	}
	key, err := signature.ParseKey(secret)
	if err != nil {
		// Never wrap err or quote the value: the secret is the key.
		return nil, configError("signing secret " + quote(s.Secret) + " is not a whsec_ base64 key")
	}
	now := b.now()
	return append(fs,
		egress.Field{Name: headerWebhookTimestamp, Value: strconv.FormatInt(now.Unix(), 10)},
		egress.Field{Name: headerWebhookSignature, Value: key.Sign(id, now, body)}), nil
}

func quote(s string) string { return strconv.Quote(s) }
