package flowevent

import "unicode/utf8"

// checkRequestIDs checks the ids of a request.
func checkRequestIDs(p *problems, r Request) {
	if !ValidAccount(r.Account) {
		p.errorf("account", "must be 1 to 64 characters from [A-Za-z0-9_-]")
	}
	checkID(p, "flow_id", r.FlowID)
	checkID(p, "node_id", r.NodeID)
	checkID(p, "profile.id", r.Profile.ID)
}

// checkID reports an id that validID refuses.
func checkID(p *problems, path, id string) {
	switch {
	case id == "":
		p.errorf(path, "required")
	case !validID(id):
		p.errorf(path, "must be printable UTF-8 text of at most %d bytes", maxIDLen)
	}
}

// validID reports whether s is usable as a flow, node or profile id:
// non-empty, at most 256 bytes of valid UTF-8 without control characters.
func validID(s string) bool {
	return s != "" && len(s) <= maxIDLen && utf8.ValidString(s) && noControl(s)
}

// noControl reports whether s is valid UTF-8 free of control characters,
// so that it can travel in a NATS header or a log line.
func noControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == '\uFFFD' {
			return false
		}
	}
	return true
}
