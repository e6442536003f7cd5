package request

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// authorization is the Authorization value of a node's auth: Basic from
// the user name and the password secret of account, or Bearer with the
// OAuth 2.0 access token the caller fetched (Options.AccessToken).
func (b *Builder) authorization(account string, a *flowevent.Auth, opts Options) (string, error) {
	switch a.Kind {
	case flowevent.AuthBasic:
		if strings.IndexByte(a.Username, ':') >= 0 || !flowevent.ValidHeaderValue(a.Username) {
			return "", configError("auth.username must not contain a colon or a control character")
		}
		pw, ok := b.secret(account, a.Secret)
		if !ok {
			return "", missingSecret("secret " + strconv.Quote(a.Secret) + " for auth (basic password) not found")
		}
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(a.Username+":"+pw)), nil
	case flowevent.AuthOAuth2:
		if opts.AccessToken == "" {
			return "", configError("auth oauth2: no access token to send")
		}
		if !flowevent.ValidHeaderValue(opts.AccessToken) {
			return "", configError("auth oauth2: the access token contains a control character")
		}
		return "Bearer " + opts.AccessToken, nil
	}
	return "", configError("auth.kind must be basic or oauth2")
}
