package bench

import (
	"slices"
	"strconv"

	"github.com/nats-io/nats.go"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// benchAccount is the account of every benchmark event.
const benchAccount = "bench"

// eventSource makes the request events of one run: real structured
// CloudEvents as a flow engine publishes them (flowevent.NewRequestMsg),
// with a realistic node and profile.
type eventSource struct {
	// prefix makes ids unique per run; ids are prefix-<seq>, valid
	// subject tokens.
	prefix string
	// endpoints are the receiver base URLs, used round-robin.
	endpoints []string
	// accounts are the events' accounts, used round-robin; default the
	// benchmark account.
	accounts []string
}

// id is the request event id of seq.
func (s eventSource) id(seq int) string { return s.prefix + "-" + strconv.Itoa(seq) }

// account is the account of event seq.
func (s eventSource) account(seq int) string {
	if len(s.accounts) == 0 {
		return benchAccount
	}
	return s.accounts[seq%len(s.accounts)]
}

// msg returns the request event of seq.
func (s eventSource) msg(seq int) (*nats.Msg, error) {
	req := Request(seq, s.endpoints[seq%len(s.endpoints)])
	req.Account = s.account(seq)
	return flowevent.NewRequestMsg(s.id(seq), req)
}

// outcomeSubjects are the subjects the source's outcomes arrive on: one
// per account, or every outcome subject for more than 16 accounts.
func (s eventSource) outcomeSubjects() []string {
	accounts := slices.Compact(slices.Sorted(slices.Values(s.accounts)))
	switch {
	case len(accounts) == 0:
		accounts = []string{benchAccount}
	case len(accounts) > 16:
		return []string{flowevent.OutcomeSubjectPrefix + ">"}
	}
	out := make([]string, len(accounts))
	for i, a := range accounts {
		out[i] = flowevent.OutcomeSubjectPrefix + a + ".>"
	}
	return out
}

// outcomeKey is the last subject token of event seq's outcome in flowhook.
func (s eventSource) outcomeKey(seq int) string {
	return flowevent.OutcomeKey(s.account(seq), s.id(seq))
}

var (
	firstNames = []string{"Ada", "Grace", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Frances", "Edsger", "Radia"}
	cities     = []string{"London", "Paris", "Berlin", "Lisbon", "Oslo", "Zürich", "Kraków", "Dublin"}
	plans      = []string{"free", "starter", "pro", "enterprise"}
)

// benchNode is the Webhook node every benchmark event runs: a GET with 6
// parameters (4 from the profile, one of them nested, 2 from the
// triggering event) after the URL's own static parameter, 2 headers (one
// inline, one a secret reference), an exact status check.
func benchNode(endpoint string) flowevent.NodeConfig {
	return flowevent.NodeConfig{
		Method: flowevent.MethodGet,
		URL:    endpoint + "/hook?src=flow",
		Params: []flowevent.Param{
			{Name: "email", From: flowevent.FromProfile, Path: "email"},
			{Name: "first_name", From: flowevent.FromProfile, Path: "first_name"},
			{Name: "lead_score", From: flowevent.FromProfile, Path: "lead_score"},
			{Name: "city", From: flowevent.FromProfile, Path: "address.city"},
			{Name: "form", From: flowevent.FromEvent, Path: "form.name"},
			{Name: "campaign", From: flowevent.FromEvent, Path: "utm.campaign"},
		},
		Headers: []flowevent.Header{
			{Name: "X-Flow", Value: "spring-nurture"},
			{Name: "Authorization", Secret: SecretName, Prefix: "Bearer "},
		},
		Response:  flowevent.ResponseCheck{Kind: flowevent.CheckStatus, Status: 200},
		OnError:   flowevent.RouteNo,
		TimeoutMS: 5000,
	}
}

// Request is the request event data of benchmark event seq: the node
// every benchmark event runs (see benchNode), and a profile with a dozen
// attributes and a form submission as its trigger. Its secret header
// refers to SecretName. Micro-benchmarks use it too, so that they measure
// the same event as flowhook bench.
func Request(seq int, endpoint string) flowevent.Request {
	name := firstNames[seq%len(firstNames)]
	return flowevent.Request{
		Account: benchAccount,
		FlowID:  "spring-nurture",
		NodeID:  "push-lead-to-crm",
		Node:    benchNode(endpoint),
		Profile: flowevent.Profile{
			ID: "p-" + strconv.Itoa(seq),
			Attributes: map[string]any{
				"email":        name + "." + strconv.Itoa(seq) + "@example.com",
				"first_name":   name,
				"last_name":    "Example",
				"lead_score":   40 + seq%60,
				"plan":         plans[seq%len(plans)],
				"country":      "GB",
				"opted_in":     seq%3 != 0,
				"signup_date":  "2025-11-0" + strconv.Itoa(1+seq%9),
				"tags":         []any{"newsletter", "webinar"},
				"address":      map[string]any{"city": cities[seq%len(cities)], "zip": "N1 9GU"},
				"lifetime_eur": 120.5 + float64(seq%100),
				"phone":        "+44 20 7946 0" + strconv.Itoa(100+seq%900),
			},
		},
		Trigger: &flowevent.Trigger{Type: "form_submitted", Data: map[string]any{
			"form": map[string]any{"id": "f-17", "name": "demo-request"},
			"utm":  map[string]any{"campaign": "spring-launch", "source": "newsletter", "medium": "email"},
			"page": "https://www.example.com/pricing?ref=nav",
		}},
	}
}
