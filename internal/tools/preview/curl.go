package preview

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/flowhook/flowhook/internal/secret"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// curlInput is what the curl command is written from.
type curlInput struct {
	hr        *http.Request
	rawQuery  string       // the query to show (masked or not)
	headers   []HeaderLine // in order, raw values with stand-ins
	body      []byte       // the body to send (masked or not), with stand-ins
	ph        *placeholders
	account   string
	envPrefix string
	timeout   time.Duration
	signing   *flowevent.Signing
	auth      *flowevent.Auth
	tls       *flowevent.TLS
}

// curlCommand writes an equivalent curl command: the same method, URL,
// headers (net/http's Content-Length: 0 included) and body, the node's
// timeout, and secrets as "${VAR}" references to their environment
// variables, so that the command can be pasted into a shell where the
// secrets are set, and shown anywhere, without leaking them. A signed
// node's command is preceded by the shell lines computing the Standard
// Webhooks timestamp and signature (with openssl) from the signing secret.
func curlCommand(in curlInput) string {
	ref := func(name string) string { return "${" + curlVar(in.envPrefix, in.account, name) + "}" }
	word := func(s string) string { return shellWord(s, in.ph, ref) }
	args := []string{"curl -sS -i -g --max-time " + seconds(in.timeout)}
	if in.hr.Method != http.MethodGet {
		args = append(args, "-X "+in.hr.Method)
	}
	authArgs, prelude := curlAuth(in, ref)
	for _, h := range in.headers {
		switch {
		case in.auth != nil && strings.EqualFold(h.Name, flowevent.HeaderAuthorization):
			continue // written by curlAuth
		case in.signing != nil && h.Name == headerWebhookTimestamp:
			args = append(args, `-H 'Webhook-Timestamp: '"$ts"`)
		case in.signing != nil && h.Name == headerWebhookSignature:
			args = append(args, `-H 'Webhook-Signature: v1,'"$sig"`)
		default:
			args = append(args, "-H "+word(h.Name+": "+h.raw))
		}
	}
	switch {
	case len(in.body) > 0:
		args = append(args, "--data-binary "+word(string(in.body)))
	case in.hr.Method == http.MethodPost || in.hr.Method == http.MethodPut || in.hr.Method == http.MethodPatch:
		args = append(args, "-H 'Content-Length: 0'")
	}
	args = append(args, authArgs...)
	u := *in.hr.URL
	u.RawQuery = in.rawQuery
	args = append(args, word(u.String()))
	cmd := strings.Join(args, " \\\n  ")
	if in.signing != nil {
		cmd = signingPrelude(in, ref, word) + cmd
	}
	return prelude + cmd
}

// signingPrelude computes $ts and $sig as the builder does: the HMAC-SHA256,
// keyed with the whsec_ secret's base64-decoded bytes, of
// "{webhook-id}.{timestamp}.{body}", base64-encoded.
func signingPrelude(in curlInput, ref func(string) string, word func(string) string) string {
	id := in.hr.Header.Get("Webhook-Id")
	return "key=$(printf %s \"" + ref(in.signing.Secret) + "\" | sed 's/^whsec_//' | base64 -d | od -An -v -tx1 | tr -d ' \\n')\n" +
		"ts=$(date +%s)\n" +
		"sig=$(printf %s " + word(id+".") + `"$ts"` + word("."+string(in.body)) +
		" | openssl dgst -sha256 -mac HMAC -macopt \"hexkey:$key\" -binary | base64)\n"
}

// shellWord quotes s as one POSIX shell word: literal text in single
// quotes, secret stand-ins as double-quoted "${VAR}" references.
func shellWord(s string, ph *placeholders, ref func(name string) string) string {
	var b strings.Builder
	for s != "" {
		i, n, name := ph.next(s)
		if i < 0 {
			b.WriteString(singleQuote(s))
			break
		}
		if i > 0 {
			b.WriteString(singleQuote(s[:i]))
		}
		b.WriteString(`"` + ref(name) + `"`)
		s = s[i+n:]
	}
	if b.Len() == 0 {
		return "''"
	}
	return b.String()
}

// singleQuote wraps s in single quotes; a quote inside is closed, escaped
// with a backslash and reopened.
func singleQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
}

func itoa(n int) string { return strconv.Itoa(n) }

func quote(s string) string { return strconv.Quote(s) }

// curlVar is the shell variable a curl command takes a secret from: the
// account's environment variable, or for an account id without one a
// variable named after the secret alone (set it by hand).
func curlVar(prefix, account, name string) string {
	if v := secret.AccountEnvVar(prefix, account, name); v != "" {
		return v
	}
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' {
			return r - 'a' + 'A'
		}
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, "SECRET_"+name)
}
