package envelope

import (
	"encoding/json"

	"github.com/flowhook/flowhook/pkg/flowevent/internal/jsoncodec"
)

// Structured is a CloudEvent in the JSON event format (structured mode)
// with JSON data: encoding one is a single json.Marshal. Data is either a
// json.RawMessage or the data value itself (a *flowevent.Outcome, a
// *flowevent.Request, ...). Time is already a CloudEvents timestamp (see
// FormatTime).
type Structured struct {
	SpecVersion     string `json:"specversion"`
	ID              string `json:"id"`
	Source          string `json:"source"`
	Type            string `json:"type"`
	Subject         string `json:"subject,omitempty"`
	DataContentType string `json:"datacontenttype,omitempty"`
	DataSchema      string `json:"dataschema,omitempty"`
	Time            string `json:"time,omitempty"`
	TraceParent     string `json:"traceparent,omitempty"`
	TraceState      string `json:"tracestate,omitempty"`
	Data            any    `json:"data,omitempty"`
}

// Marshal is the one json.Marshal of an event; its errors never quote the
// data.
func Marshal(s *Structured) ([]byte, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return nil, jsoncodec.ErrUnencodable
	}
	return b, nil
}

// AppendHead appends s's attributes (not its Data) as json.Marshal
// renders them, leaving the object open for a hand-written data member:
// `{"specversion":...,"tracestate":...`.
func AppendHead(b []byte, s *Structured) []byte {
	b = jsoncodec.AppendMember(b, `{"specversion":`, s.SpecVersion)
	b = jsoncodec.AppendMember(b, `,"id":`, s.ID)
	b = jsoncodec.AppendMember(b, `,"source":`, s.Source)
	b = jsoncodec.AppendMember(b, `,"type":`, s.Type)
	b = jsoncodec.AppendOptional(b, `,"subject":`, s.Subject)
	b = jsoncodec.AppendOptional(b, `,"datacontenttype":`, s.DataContentType)
	b = jsoncodec.AppendOptional(b, `,"dataschema":`, s.DataSchema)
	b = jsoncodec.AppendOptional(b, `,"time":`, s.Time)
	b = jsoncodec.AppendOptional(b, `,"traceparent":`, s.TraceParent)
	return jsoncodec.AppendOptional(b, `,"tracestate":`, s.TraceState)
}
