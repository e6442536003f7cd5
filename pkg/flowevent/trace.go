package flowevent

import "github.com/flowhook/flowhook/pkg/flowevent/internal/envelope"

// W3C Trace Context (the CloudEvents distributed tracing extension) values
// are carried from a request event to its outcome event and to the
// outbound HTTP request, so they are checked strictly: a traceparent that
// is not well formed is dropped together with its tracestate, as the W3C
// recommendation prescribes, and can never smuggle a line break into a
// header.

// ValidTraceParent reports whether s is a well-formed W3C traceparent:
// version-traceid-parentid-flags in lowercase hex, trace and parent ids not
// all zero, version not ff; versions above 00 may append fields.
func ValidTraceParent(s string) bool { return envelope.ValidTraceParent(s) }

// ValidTraceState reports whether s can be carried as a tracestate header:
// at most 512 printable ASCII characters.
func ValidTraceState(s string) bool { return envelope.ValidTraceState(s) }
