package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/flowhook/flowhook/internal/secret"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// secretRef is one secret a node references, and where.
type secretRef struct{ name, where string }

// nodeSecrets lists the secrets n references, in the order of the node's
// fields.
func nodeSecrets(n flowevent.NodeConfig) []secretRef {
	var refs []secretRef
	add := func(name, where string) {
		if name != "" {
			refs = append(refs, secretRef{name, where})
		}
	}
	for i, h := range n.Headers {
		add(h.Secret, "headers["+strconv.Itoa(i)+"]")
	}
	for i, p := range n.Params {
		if p.From == flowevent.FromSecret {
			add(p.Secret, "params["+strconv.Itoa(i)+"]")
		}
	}
	if n.Signing != nil {
		add(n.Signing.Secret, "signing")
	}
	if n.Auth != nil {
		add(n.Auth.Secret, "auth")
	}
	if n.TLS != nil {
		add(n.TLS.CertSecret, "tls.cert_secret")
		add(n.TLS.KeySecret, "tls.key_secret")
		add(n.TLS.CASecret, "tls.ca_secret")
	}
	return refs
}

// documentScope reads the account (empty for a bare node configuration)
// and the node of a document validate checked; ok is false when it does
// not decode far enough.
func documentScope(data []byte) (account string, node flowevent.NodeConfig, ok bool) {
	var doc struct {
		SpecVersion string                `json:"specversion"`
		Data        *flowevent.Request    `json:"data"`
		Account     string                `json:"account"`
		Node        *flowevent.NodeConfig `json:"node"`
	}
	if json.Unmarshal(data, &doc) != nil {
		return "", node, false
	}
	switch {
	case doc.SpecVersion != "" && doc.Data != nil:
		return doc.Data.Account, doc.Data.Node, true
	case doc.Node != nil:
		return doc.Account, *doc.Node, true
	}
	return "", node, json.Unmarshal(data, &node) == nil
}

// printSecretScope says, for each secret the document's node references,
// where flowhook resolves it: in the account's own scope (the request's
// account, or the account of whatever request event carries a bare node),
// and among the shared secrets granted to it.
func printSecretScope(w io.Writer, file string, data []byte) {
	account, node, ok := documentScope(data)
	if !ok {
		return
	}
	for _, ref := range nodeSecrets(node) {
		if flowevent.ValidAccount(account) {
			where := "<secrets-dir>/" + account + "/" + ref.name
			if v := secret.AccountEnvVar("", account, ref.name); v != "" {
				where += " or $" + v
			}
			fmt.Fprintf(w, "%s: note: %s: secret %q resolves in account %s only: %s, or a shared secret granted to %s (--grant-secret %s:%s)\n",
				file, ref.where, ref.name, account, where, account, account, ref.name)
			continue
		}
		fmt.Fprintf(w, "%s: note: %s: secret %q resolves in the account of the request event only: <secrets-dir>/<account>/%s or $FLOWHOOK_SECRET_<ACCOUNT>__%s, or a shared secret granted to the account\n",
			file, ref.where, ref.name, ref.name, secretEnvName(ref.name))
	}
}

// secretEnvName is a secret name as its environment variable spells it.
func secretEnvName(name string) string {
	v := secret.EnvVar("X_", name)
	if v == "" {
		return name
	}
	return v[len("X_"):]
}
