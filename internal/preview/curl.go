package preview

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// curlCommand writes an equivalent curl command: the same method, URL and
// headers (net/http's Content-Length: 0 included), the node's timeout, and
// secrets as "${VAR}" references to their environment variables, so that
// the command can be pasted into a shell where the secrets are set, and
// shown anywhere, without leaking them.
func curlCommand(hr *http.Request, rawQuery string, headers []HeaderLine, ph *placeholders, envPrefix string, timeout time.Duration) string {
	ref := func(name string) string { return "${" + EnvVar(envPrefix, name) + "}" }
	args := []string{"curl -sS -i -g --max-time " + seconds(timeout)}
	if hr.Method != http.MethodGet {
		args = append(args, "-X "+hr.Method)
	}
	for _, h := range headers {
		args = append(args, "-H "+shellWord(h.Name+": "+h.raw, ph, ref))
	}
	switch hr.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
		args = append(args, "-H 'Content-Length: 0'")
	}
	u := *hr.URL
	u.RawQuery = rawQuery
	args = append(args, shellWord(u.String(), ph, ref))
	return strings.Join(args, " \\\n  ")
}

// shellWord quotes s as one POSIX shell word: literal text in single
// quotes, secret markers as double-quoted "${VAR}" references.
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
