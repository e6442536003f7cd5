package request

import (
	"bytes"
	"io"
	"strings"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// headerContentType is the canonical Content-Type header name.
const headerContentType = "Content-Type"

// bodyMode returns the node's body mode, or an *Error for one that cannot
// be sent: an unknown mode, or a body on GET or DELETE.
func bodyMode(n *flowevent.NodeConfig) (flowevent.BodyMode, error) {
	switch n.Body {
	case "", flowevent.BodyQuery:
		return flowevent.BodyQuery, nil
	case flowevent.BodyJSON, flowevent.BodyForm:
	default:
		return "", configError("body must be query, json or form")
	}
	if n.Method == flowevent.MethodGet || n.Method == flowevent.MethodDelete {
		return "", configError(n.Method + " requests carry no body: use body query")
	}
	return n.Body, nil
}

// buildBodyURL returns the node URL for a body mode: its own query kept,
// its fragment dropped, nothing appended.
func buildBodyURL(req *flowevent.Request) (string, error) {
	base := baseURL(req.Node.URL)
	if q := strings.IndexByte(base, '?'); q >= 0 && strings.IndexByte(base[q:], ' ') >= 0 {
		return "", configError("url query contains a space; write it as %20")
	}
	return base, nil
}

// payload returns the URL, the body (nil in query mode) and the body's
// Content-Type of a node in the given mode.
func (b *Builder) payload(mode flowevent.BodyMode, req *flowevent.Request) (string, []byte, string, error) {
	if mode == flowevent.BodyQuery {
		u, err := b.buildURL(req)
		return u, nil, "", err
	}
	u, err := buildBodyURL(req)
	if err != nil {
		return "", nil, "", err
	}
	body, contentType, err := b.buildBody(mode, req)
	return u, body, contentType, err
}

// buildBody returns the body of a json or form node and its Content-Type.
func (b *Builder) buildBody(mode flowevent.BodyMode, req *flowevent.Request) ([]byte, string, error) {
	if mode == flowevent.BodyJSON {
		body, err := b.jsonBody(req)
		return body, flowevent.ContentTypeJSON, err
	}
	var sb strings.Builder
	skip, _ := leftOut(req)
	if err := b.writeParams(&sb, req, skip); err != nil {
		return nil, "", err
	}
	return []byte(sb.String()), flowevent.ContentTypeForm, nil
}

// bodyReader is nil for no body, so that an *http.Request (Build) has
// none; otherwise a *bytes.Reader, from which net/http sets Content-Length
// and GetBody.
func bodyReader(body []byte) io.Reader {
	if body == nil {
		return nil
	}
	return bytes.NewReader(body)
}
