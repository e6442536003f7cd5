// Package jsonpointer finds values in a JSON document by RFC 6901 JSON
// Pointer. It walks the document's text along the pointer's path, skipping
// everything else without decoding it, and returns the value as the
// document's own JSON text, so a value keeps its type and its exact number
// literal.
//
// A document is checked once (Parse); lookups then walk it. In an object
// with a repeated key, the last value wins, as encoding/json decodes it.
package jsonpointer

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Document is a JSON document checked by Parse. It refers to the bytes
// given to Parse, which must not change while it is used.
type Document struct {
	raw []byte
}

// Parse checks that b is one JSON value (white space around it allowed).
func Parse(b []byte) (Document, error) {
	if !json.Valid(b) {
		return Document{}, ErrNotJSON
	}
	return Document{raw: bytes.TrimSpace(b)}, nil
}

// Lookup returns the value ptr names, as its JSON text in the document
// (white space inside objects and arrays kept). The empty pointer names
// the whole document. It returns ErrSyntax or ErrAbsent.
func (d Document) Lookup(ptr string) (json.RawMessage, error) {
	if ptr == "" {
		return d.raw, nil
	}
	if ptr[0] != '/' {
		return nil, ErrSyntax
	}
	cur := d.raw
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok, ok := unescape(tok)
		if !ok {
			return nil, ErrSyntax
		}
		if cur, ok = step(cur, tok); !ok {
			return nil, ErrAbsent
		}
	}
	return cur, nil
}

// unescape decodes a reference token: ~1 is '/', ~0 is '~'; any other '~'
// is a syntax error.
func unescape(tok string) (string, bool) {
	if strings.IndexByte(tok, '~') < 0 {
		return tok, true
	}
	var sb strings.Builder
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		if c != '~' {
			sb.WriteByte(c)
			continue
		}
		if i+1 == len(tok) || (tok[i+1] != '0' && tok[i+1] != '1') {
			return "", false
		}
		sb.WriteByte("~/"[tok[i+1]-'0'])
		i++
	}
	return sb.String(), true
}

// step takes one token into an object (a member) or an array (an index).
func step(cur []byte, tok string) ([]byte, bool) {
	switch cur[0] {
	case '{':
		return member(cur, tok)
	case '[':
		i, ok := index(tok)
		if !ok {
			return nil, false
		}
		return element(cur, i)
	}
	return nil, false
}

// index parses an RFC 6901 array index: "0" or digits without a leading
// zero. "-" (past the last element) and anything else name nothing.
func index(tok string) (int, bool) {
	if tok == "" || len(tok) > 9 || (len(tok) > 1 && tok[0] == '0') {
		return 0, false
	}
	n := 0
	for i := 0; i < len(tok); i++ {
		if tok[i] < '0' || tok[i] > '9' {
			return 0, false
		}
		n = n*10 + int(tok[i]-'0')
	}
	return n, true
}

// Type names the JSON type of a value's text: object, array, string,
// number, boolean or null ("" for empty text).
func Type(v json.RawMessage) string {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return ""
	}
	switch v[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}
