// Package oauth fetches and keeps the OAuth 2.0 access tokens of nodes
// whose auth is oauth2 (the client credentials grant, RFC 6749 section
// 4.4).
//
// Tokens.Token returns a node's access token: the one kept for its
// (account, token URL, client id, scopes, audience, client
// authentication, client secret name), while it is valid until shortly
// before it expires, else a new one from the token endpoint. Requests that
// need a token of the same key at the same moment wait for one fetch
// (golang.org/x/sync/singleflight), whatever the number of workers; each
// waits no longer than its own context, while the fetch runs to its own
// timeout for the others. When the endpoint answers 401, Tokens.Refresh
// drops the token the endpoint refused (unless another worker replaced it
// already) and fetches one new one. A rotated client secret (another value
// under the same name) is noticed at the next call and fetches a new
// token. A failed fetch answers the calls of the next FailFor (2 s) with
// the same error, so that a token endpoint refusing a wrong client secret
// is not asked again for every event.
//
// Token requests go through egress (the destination guard at dial time,
// its timeouts and size limits, no proxy, redirects as the operator
// allows), over the same Client as the nodes' own requests: RoundTripper
// adapts it to the net/http interface x/oauth2 calls.
//
// Tokens are kept per account (internal/accountcache): one account never
// gets, nor pushes out, another's token, also when both name the same
// token URL and client id; the cache is bounded (Config.MaxTokens, and
// Config.PerAccount per account). Tokens, client secrets and the token
// endpoint's answers are never logged and never appear in an Error: its
// Detail names the token endpoint by origin, its status and the OAuth 2.0
// error code.
//
// # Why golang.org/x/oauth2, and what of it
//
// golang.org/x/oauth2/clientcredentials makes the token request and reads
// the answer: the form, client authentication with the form-encoded id and
// secret (RFC 6749 section 2.3.1), JSON and form-encoded answers,
// expires_in, RFC 6749 error responses (RetrieveError.ErrorCode). Its
// token caching is not used: a ReuseTokenSource captures the context of
// its creation for every later fetch (no per-fetch deadline or
// cancellation), cannot be told that the resource server refused its
// token (no refresh on 401), and a cache of them per key would be
// unbounded. Keeping tokens here costs one map lookup per request; the
// fetch itself happens once per token lifetime, so its cost does not
// matter to throughput.
package oauth
