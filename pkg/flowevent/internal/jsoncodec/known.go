package jsoncodec

// Known returns, without allocating, the string for a member name or
// attribute value that flowevent's decoders read on every event (the
// CloudEvents attributes, the members of request and outcome data, the
// contract's specversion, types, content type and source); "" for any
// other. flowevent's tests check that its constants are all known.
func Known(b []byte) string {
	switch string(b) {
	case "specversion":
		return "specversion"
	case "id":
		return "id"
	case "source":
		return "source"
	case "type":
		return "type"
	case "subject":
		return "subject"
	case "datacontenttype":
		return "datacontenttype"
	case "dataschema":
		return "dataschema"
	case "time":
		return "time"
	case "data":
		return "data"
	case "data_base64":
		return "data_base64"
	case "traceparent":
		return "traceparent"
	case "tracestate":
		return "tracestate"
	case "account":
		return "account"
	case "flow_id":
		return "flow_id"
	case "node_id":
		return "node_id"
	case "node":
		return "node"
	case "profile":
		return "profile"
	case "trigger":
		return "trigger"
	case "attributes":
		return "attributes"
	case "request_id":
		return "request_id"
	case "profile_id":
		return "profile_id"
	case "route":
		return "route"
	case "success":
		return "success"
	case "reason":
		return "reason"
	case "detail":
		return "detail"
	case "status":
		return "status"
	case "duration_ms":
		return "duration_ms"
	case "attempts":
		return "attempts"
	case "endpoint":
		return "endpoint"
	case "completed_at":
		return "completed_at"
	case "captured":
		return "captured"
	case "capture_missing":
		return "capture_missing"
	case "scheme":
		return "scheme"
	case "host":
		return "host"
	case "port":
		return "port"
	case "1.0":
		return "1.0"
	case "io.flowhook.webhook.request.v1":
		return "io.flowhook.webhook.request.v1"
	case "io.flowhook.webhook.outcome.v1":
		return "io.flowhook.webhook.outcome.v1"
	case "io.flowhook.webhook.deadletter.v1":
		return "io.flowhook.webhook.deadletter.v1"
	case "application/json":
		return "application/json"
	case "flowhook":
		return "flowhook"
	}
	return ""
}
