package request

import "strings"

// lookupProfile finds a profile attribute: by exact name first, then, when
// the name has dots, by walking nested objects ("address.city").
func lookupProfile(attrs map[string]any, path string) (any, bool) {
	if path == "" {
		return nil, false
	}
	if v, ok := attrs[path]; ok {
		return v, true
	}
	if strings.IndexByte(path, '.') < 0 {
		return nil, false
	}
	return walk(attrs, path)
}

// lookupEvent finds a field of the triggering event's data by dotted path.
func lookupEvent(data map[string]any, path string) (any, bool) {
	if path == "" || data == nil {
		return nil, false
	}
	return walk(data, path)
}

// walk follows a dotted path through objects and arrays; a segment indexes
// an array when it is a non-negative decimal integer without leading zeros.
func walk(root map[string]any, path string) (any, bool) {
	var cur any = root
	for {
		seg, rest, more := strings.Cut(path, ".")
		next, ok := step(cur, seg)
		if !ok {
			return nil, false
		}
		if !more {
			return next, true
		}
		cur, path = next, rest
	}
}

// step takes one path segment into an object or array.
func step(cur any, seg string) (any, bool) {
	switch c := cur.(type) {
	case map[string]any:
		v, ok := c[seg]
		return v, ok
	case []any:
		i, ok := arrayIndex(seg, len(c))
		if !ok {
			return nil, false
		}
		return c[i], true
	default:
		return nil, false
	}
}

// arrayIndex parses seg as an index below n.
func arrayIndex(seg string, n int) (int, bool) {
	if seg == "" || len(seg) > 1 && seg[0] == '0' {
		return 0, false
	}
	i := 0
	for j := 0; j < len(seg); j++ {
		c := seg[j]
		if c < '0' || c > '9' {
			return 0, false
		}
		i = i*10 + int(c-'0')
		if i >= n {
			return 0, false
		}
	}
	return i, true
}
