package inspect

import (
	"net/url"
	"strconv"
	"strings"
)

// Line formats a capture for a terminal: one line with the time, seq,
// method, path and query (re-encoded, credentials masked), body size and
// answer, then one indented line per masked credential header, so that an
// integrator sees the credential arrived without seeing it. Everything
// received is percent-encoded or a token: no control character from a
// request reaches the terminal.
func Line(c Capture) string {
	var b strings.Builder
	b.WriteString(c.Time.Format("15:04:05.000"))
	b.WriteString("  #")
	b.WriteString(strconv.FormatInt(c.Seq, 10))
	b.WriteString("  ")
	b.WriteString(c.Method)
	b.WriteByte(' ')
	b.WriteString(c.Path)
	writeQuery(&b, c.Query)
	if c.BodyBytes > 0 {
		b.WriteString("  body ")
		b.WriteString(strconv.FormatInt(c.BodyBytes, 10))
		b.WriteString(" B")
	}
	b.WriteString("  -> ")
	b.WriteString(answerText(c))
	for _, h := range c.Headers {
		if h.Masked {
			b.WriteString("\n      ")
			b.WriteString(h.Name)
			b.WriteString(": ")
			b.WriteString(h.Value)
		}
	}
	return b.String()
}

func writeQuery(b *strings.Builder, query []Field) {
	for i, f := range query {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		if f.Raw {
			b.WriteString(url.QueryEscape(f.Name))
			b.WriteString("=<undecodable>")
			continue
		}
		b.WriteString(url.QueryEscape(f.Name))
		b.WriteByte('=')
		if f.Masked {
			b.WriteString(Mask)
		} else {
			b.WriteString(url.QueryEscape(f.Value))
		}
	}
}

func answerText(c Capture) string {
	s := "dropped connection"
	if c.Status != 0 {
		s = strconv.Itoa(c.Status)
	}
	if c.Failed {
		s += " (injected failure)"
	}
	return s
}
