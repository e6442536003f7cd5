package preview

import (
	"strings"

	"github.com/flowhook/flowhook/internal/clienttls"
	"github.com/flowhook/flowhook/internal/request"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// ParamLine is one node parameter and whether it is sent for the sample.
type ParamLine struct {
	Name string `json:"name"`
	// Source says where the value comes from, as QueryParam.Source.
	Source string `json:"source"`
	// Sent reports whether the parameter is sent for this sample.
	Sent bool `json:"sent"`
	// Why explains a conditional parameter's decision (omit_empty, when);
	// empty for a parameter that is always sent.
	Why string `json:"why,omitempty"`
}

// describeParams lists every parameter of the node with its decision for
// the sample, and returns the parameters sent.
func describeParams(req *flowevent.Request) ([]ParamLine, []flowevent.Param) {
	in := request.Inclusions(req)
	lines := make([]ParamLine, len(req.Node.Params))
	var sent []flowevent.Param
	for i := range req.Node.Params {
		p := &req.Node.Params[i]
		lines[i] = ParamLine{Name: p.Name, Source: source(p), Sent: in[i].Included, Why: in[i].Why}
		if in[i].Included {
			sent = append(sent, *p)
		}
	}
	return lines, sent
}

// standIns makes the node's TLS secrets resolve to a throw-away
// certificate, key and CA, and its OAuth 2.0 token to a stand-in, so that
// the builder builds the request without a real secret.
func (p *placeholders) standIns(n *flowevent.NodeConfig) error {
	if n.Auth != nil && n.Auth.Kind == flowevent.AuthOAuth2 {
		p.token = "fhtoken" + p.nonce + "z"
		p.Secret("", n.Auth.Secret) // listed with the node's secrets: the dispatcher reads it
	}
	if n.TLS == nil {
		return nil
	}
	pem, err := clienttls.StandIn()
	if err != nil {
		return err
	}
	p.pem = map[string]string{}
	for name, v := range map[string]string{n.TLS.CertSecret: pem.Cert, n.TLS.KeySecret: pem.Key, n.TLS.CASecret: pem.CA} {
		if name != "" {
			p.pem[name] = v
		}
	}
	return nil
}

// describeAuth says how the node authenticates, naming secrets, never
// their values.
func describeAuth(a *flowevent.Auth) string {
	switch {
	case a == nil:
		return ""
	case a.Kind == flowevent.AuthBasic:
		return "Basic, user " + quote(a.Username) + ", password from secret " + a.Secret
	case a.Kind == flowevent.AuthOAuth2:
		s := "OAuth 2.0 client credentials: Bearer token from " + a.TokenOrigin() + " (client " + quote(a.ClientID)
		if len(a.Scopes) > 0 {
			s += ", scopes " + strings.Join(a.Scopes, " ")
		}
		if a.Audience != "" {
			s += ", audience " + quote(a.Audience)
		}
		return s + ", client secret from secret " + a.Secret + "); kept until shortly before it expires, fetched again once on a 401"
	}
	return ""
}

// describeTLS says which TLS secrets the node uses.
func describeTLS(t *flowevent.TLS) string {
	if t == nil {
		return ""
	}
	var parts []string
	if t.CertSecret != "" {
		parts = append(parts, "client certificate from secret "+t.CertSecret+" (key "+t.KeySecret+")")
	}
	if t.CASecret != "" {
		parts = append(parts, "server certificate must chain to the CAs of secret "+t.CASecret)
	}
	return strings.Join(parts, "; ")
}

// authLine masks the Authorization header that auth sets.
func authLine(line *HeaderLine, a *flowevent.Auth, ph *placeholders) {
	if a == nil || !strings.EqualFold(line.Name, flowevent.HeaderAuthorization) {
		return
	}
	switch a.Kind {
	case flowevent.AuthBasic:
		line.Value, line.Secret = "Basic "+Mask, a.Secret
	case flowevent.AuthOAuth2:
		if ph.token != "" && strings.Contains(line.raw, ph.token) {
			line.Value, line.Secret = "Bearer "+Mask, ""
			line.Note = "access token from " + a.TokenOrigin()
		}
	}
}

// curlAuth writes the curl arguments of a node's auth and tls: -u for
// Basic, a Bearer header from $FLOWHOOK_ACCESS_TOKEN (fetched by the
// prelude) for OAuth 2.0, --cert/--key/--cacert files of the account's
// secrets directory for tls.
func curlAuth(in curlInput, ref func(string) string) (args []string, prelude string) {
	if a := in.auth; a != nil {
		switch a.Kind {
		case flowevent.AuthBasic:
			args = append(args, "-u "+singleQuote(a.Username+":")+`"`+ref(a.Secret)+`"`)
		case flowevent.AuthOAuth2:
			args = append(args, `-H "Authorization: Bearer ${FLOWHOOK_ACCESS_TOKEN}"`)
			prelude = tokenPrelude(a, ref)
		}
	}
	if t := in.tls; t != nil {
		file := func(name string) string { return `"${FLOWHOOK_SECRETS_DIR}/` + in.account + "/" + name + `"` }
		if t.CertSecret != "" {
			args = append(args, "--cert "+file(t.CertSecret), "--key "+file(t.KeySecret))
		}
		if t.CASecret != "" {
			args = append(args, "--cacert "+file(t.CASecret))
		}
	}
	return args, prelude
}

// tokenPrelude fetches the access token as flowhook does: the client
// credentials grant with HTTP Basic client authentication (or the form
// fields with client_auth body).
func tokenPrelude(a *flowevent.Auth, ref func(string) string) string {
	args := []string{"FLOWHOOK_ACCESS_TOKEN=$(curl -sS", "-d grant_type=client_credentials"}
	if a.ClientAuth == flowevent.ClientAuthBody {
		args = append(args, "--data-urlencode "+singleQuote("client_id="+a.ClientID), `--data-urlencode "client_secret=`+ref(a.Secret)+`"`)
	} else {
		args = append(args, "-u "+singleQuote(a.ClientID+":")+`"`+ref(a.Secret)+`"`)
	}
	if len(a.Scopes) > 0 {
		args = append(args, "--data-urlencode "+singleQuote("scope="+strings.Join(a.Scopes, " ")))
	}
	if a.Audience != "" {
		args = append(args, "--data-urlencode "+singleQuote("audience="+a.Audience))
	}
	args = append(args, singleQuote(a.TokenURL))
	return strings.Join(args, " ") + ` | sed -n 's/.*"access_token" *: *"\([^"]*\)".*/\1/p')` + "\n"
}

// writeConditional lists the parameters with omit_empty or when: sent or
// left out for this sample, and why.
func (r *Rendered) writeConditional(ew *errWriter) {
	var rows [][]string
	for _, p := range r.Params {
		if p.Why == "" {
			continue
		}
		rows = append(rows, []string{printable(p.Name), printable(p.Why)})
	}
	if len(rows) == 0 {
		return
	}
	ew.printf("\nConditional parameters, for this sample:\n%s", table(append([][]string{{"NAME", "DECISION"}}, rows...)))
}

// writeCredentials says how the node authenticates and which TLS identity
// it presents.
func (r *Rendered) writeCredentials(ew *errWriter) {
	if r.Auth != "" {
		ew.printf("\nAuth: %s\n", printable(r.Auth))
	}
	if r.TLS != "" {
		ew.printf("\nTLS: %s\n", printable(r.TLS))
	}
}
