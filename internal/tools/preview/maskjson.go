package preview

import (
	"bytes"
	"encoding/json"
	"strings"
)

// maskJSON returns the JSON document doc with the value at every path in
// paths (dotted object keys, as in a JSON body's parameter names) replaced
// by the string Mask, keeping everything else — key order included — as
// it was, in compact form. A document that does not parse is returned
// masked whole.
func maskJSON(doc []byte, paths map[string]bool) []byte {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var out bytes.Buffer
	if err := copyValue(dec, &out, "", paths); err != nil {
		return []byte(`"` + Mask + `"`)
	}
	return out.Bytes()
}

// copyValue copies the next value of dec to out, masking masked paths.
func copyValue(dec *json.Decoder, out *bytes.Buffer, path string, paths map[string]bool) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if path != "" && paths[path] {
		out.WriteString(`"` + Mask + `"`)
		return skipRest(dec, tok)
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			return copyObject(dec, out, path, paths)
		}
		return copyArray(dec, out, path, paths)
	default:
		return writeScalar(out, t)
	}
}

func copyObject(dec *json.Decoder, out *bytes.Buffer, path string, paths map[string]bool) error {
	out.WriteByte('{')
	for i := 0; dec.More(); i++ {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		if i > 0 {
			out.WriteByte(',')
		}
		if err := writeScalar(out, key); err != nil {
			return err
		}
		out.WriteByte(':')
		child := key
		if path != "" {
			child = path + "." + key
		}
		if err := copyValue(dec, out, child, paths); err != nil {
			return err
		}
	}
	out.WriteByte('}')
	_, err := dec.Token() // '}'
	return err
}

// copyArray copies an array; its elements are not addressable by a
// parameter name, so they are masked only with the array itself.
func copyArray(dec *json.Decoder, out *bytes.Buffer, path string, paths map[string]bool) error {
	out.WriteByte('[')
	for i := 0; dec.More(); i++ {
		if i > 0 {
			out.WriteByte(',')
		}
		if err := copyValue(dec, out, path+"\x00", paths); err != nil {
			return err
		}
	}
	out.WriteByte(']')
	_, err := dec.Token() // ']'
	return err
}

// skipRest skips the rest of a value whose first token was tok.
func skipRest(dec *json.Decoder, tok json.Token) error {
	if d, ok := tok.(json.Delim); !ok || (d != '{' && d != '[') {
		return nil
	}
	for depth := 1; depth > 0; {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		if d, ok := t.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
	}
	return nil
}

// writeScalar writes a string, number, boolean or null as compact JSON,
// without HTML escaping (as the request builder writes).
func writeScalar(out *bytes.Buffer, v any) error {
	if n, ok := v.(json.Number); ok {
		out.WriteString(string(n))
		return nil
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	out.WriteString(strings.TrimSuffix(b.String(), "\n"))
	return nil
}
