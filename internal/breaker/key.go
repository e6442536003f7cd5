package breaker

// Key names one breaker: one account's calls to one endpoint origin
// (scheme://host:port, the host in lower case, the port explicit). Accounts
// never share a breaker, so one account's failing calls cannot open the
// breaker another account's calls go through, even to the same origin.
type Key struct {
	Account string
	Origin  string
}

// String is the key as logs and gobreaker name it: account and origin.
func (k Key) String() string { return k.Account + " " + k.Origin }

// less orders keys by account, then origin.
func (k Key) less(o Key) bool {
	if k.Account != o.Account {
		return k.Account < o.Account
	}
	return k.Origin < o.Origin
}
