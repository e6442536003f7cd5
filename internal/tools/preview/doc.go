// Package preview is what flowhook's try-before-going-live commands share:
// reading sample inputs (a node configuration, a sample profile and
// triggering event, or a whole request event), rendering the exact request
// a node would send ("copy as curl" included), sending it for real down
// the dispatcher's own path, and generating request events for emit.
//
// Render builds the request with the dispatcher's request.Builder, so what
// it shows is what gets sent: URL and query, headers, a json or form body,
// the Standard Webhooks signature headers of a signed node. Secrets never
// appear in its output: it builds with stand-in values, shows them masked
// ("Bearer ****") and writes them in the curl command as
// environment-variable references ("${FLOWHOOK_SECRET_ACME__CRM_TOKEN}"); a
// signed node's command computes its signature with openssl from the
// signing secret's variable. Profile and event values are shown, since
// checking them on sample profiles is the point; Options.Mask hides them.
//
// Send runs the dispatcher's attempt pipeline (dispatch.Attempter) —
// validate, build, breaker, guarded send, judge, route — and keeps the
// bounded response for display.
package preview
