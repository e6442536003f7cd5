// Package jsonshape reports every way a JSON document does not fit a Go
// type, each problem with its field path: a syntax error with its line and
// column, members the type does not have (at any depth), and values of the
// wrong JSON type. encoding/json stops at the first of these and names an
// unknown member without its path ("json: unknown field \"form\""); a
// validator that lists every problem of a configuration needs all of them,
// located ("params[0].form").
//
// Members match struct fields as encoding/json matches them: by the name in
// the json tag (or the field name), exactly, else ignoring case; a match by
// case alone is reported as a warning, as is a member given twice. A JSON
// null fits any type (encoding/json leaves the field as it is). Values of
// interface types, json.RawMessage and other types that decode themselves
// (json.Unmarshaler) are taken as they are, except time.Time, which must
// be a string.
package jsonshape

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Problem is one way the document does not fit the type.
type Problem struct {
	// Path locates the value, e.g. "params[0].form"; "" is the document.
	Path string
	// Message says what is wrong, without quoting the value.
	Message string
	// Warning marks what encoding/json accepts but is likely a mistake.
	Warning bool
}

func (p Problem) String() string {
	if p.Path == "" {
		return p.Message
	}
	return p.Path + ": " + p.Message
}

// Syntax reports whether data is exactly one JSON value; if not, it
// returns a *SyntaxError locating the first error.
func Syntax(data []byte) error {
	var v json.RawMessage // scans only: no number is converted
	err := json.Unmarshal(data, &v)
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return At(data, se.Offset, strings.TrimPrefix(se.Error(), "json: "))
	}
	return err
}

// At returns a *SyntaxError for msg at byte offset off of data, as
// json.SyntaxError.Offset counts it (the bytes read when the error was
// found: the offending character is the last of them).
func At(data []byte, off int64, msg string) *SyntaxError {
	pos := min(max(off-1, 0), int64(len(data)))
	if strings.HasPrefix(msg, "unexpected end") {
		pos = int64(len(data)) // after the last character
	}
	before := data[:pos]
	line := 1 + bytes.Count(before, []byte("\n"))
	lineStart := bytes.LastIndexByte(before, '\n') + 1
	return &SyntaxError{Line: line, Column: 1 + utf8.RuneCount(before[lineStart:]), Offset: pos, Msg: msg}
}

// Check returns every problem of data against t, in document order. It
// returns a *SyntaxError instead when data is not one JSON value.
func Check(data []byte, t reflect.Type) ([]Problem, error) {
	if err := Syntax(data); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	c := &checker{dec: dec}
	if err := c.value(t, ""); err != nil {
		return nil, fmt.Errorf("jsonshape: %w", err) // unreachable on valid JSON
	}
	return c.problems, nil
}

// CheckFor is Check against the type of *v.
func CheckFor[T any](data []byte) ([]Problem, error) {
	return Check(data, reflect.TypeFor[T]())
}

type checker struct {
	dec      *json.Decoder
	problems []Problem
}

func (c *checker) add(path, msg string, warning bool) {
	c.problems = append(c.problems, Problem{Path: path, Message: msg, Warning: warning})
}

var (
	rawMessageType  = reflect.TypeFor[json.RawMessage]()
	timeType        = reflect.TypeFor[time.Time]()
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
)

// value reads one value from the decoder and checks it against t.
func (c *checker) value(t reflect.Type, path string) error {
	tok, err := c.dec.Token()
	if err != nil {
		return err
	}
	if tok == nil {
		return nil // null fits anything
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		if s, ok := tok.(string); !ok {
			return c.mismatch(tok, "a string (an RFC 3339 time)", path)
		} else if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
			c.add(path, "must be an RFC 3339 time", false)
		}
		return nil
	case t == rawMessageType || t.Kind() == reflect.Interface || reflect.PointerTo(t).Implements(unmarshalerType):
		return c.skip(tok)
	}
	switch t.Kind() {
	case reflect.Struct:
		if tok != json.Delim('{') {
			return c.mismatch(tok, "an object", path)
		}
		return c.object(path, func(key string) (reflect.Type, string, bool) { return structField(t, key) })
	case reflect.Map:
		if tok != json.Delim('{') {
			return c.mismatch(tok, "an object", path)
		}
		return c.object(path, func(key string) (reflect.Type, string, bool) { return t.Elem(), key, true })
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 && t.Kind() == reflect.Slice {
			if _, ok := tok.(string); !ok {
				return c.mismatch(tok, "a string (base64)", path)
			}
			return nil
		}
		if tok != json.Delim('[') {
			return c.mismatch(tok, "an array", path)
		}
		for i := 0; c.dec.More(); i++ {
			if err := c.value(t.Elem(), path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
		_, err := c.dec.Token() // ]
		return err
	case reflect.String:
		if _, ok := tok.(string); !ok {
			return c.mismatch(tok, "a string", path)
		}
	case reflect.Bool:
		if _, ok := tok.(bool); !ok {
			return c.mismatch(tok, "true or false", path)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := tok.(json.Number)
		if !ok {
			return c.mismatch(tok, "an integer", path)
		}
		if _, err := strconv.ParseInt(string(n), 10, t.Bits()); err != nil {
			c.add(path, numberProblem(n, "an integer", err), false)
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := tok.(json.Number)
		if !ok {
			return c.mismatch(tok, "a non-negative integer", path)
		}
		if _, err := strconv.ParseUint(string(n), 10, t.Bits()); err != nil {
			c.add(path, numberProblem(n, "a non-negative integer", err), false)
		}
	case reflect.Float32, reflect.Float64:
		n, ok := tok.(json.Number)
		if !ok {
			return c.mismatch(tok, "a number", path)
		}
		if _, err := strconv.ParseFloat(string(n), t.Bits()); err != nil {
			c.add(path, "number out of range", false)
		}
	default:
		return c.skip(tok)
	}
	return nil
}

// object reads the members of an object whose '{' was read; field maps a
// member name to the type of its value and the name it matched (ok false:
// the type has no such member).
func (c *checker) object(path string, field func(key string) (reflect.Type, string, bool)) error {
	seen := map[string]bool{}
	for c.dec.More() {
		tok, err := c.dec.Token()
		if err != nil {
			return err
		}
		key := tok.(string) // object keys are strings
		p := join(path, key)
		ft, name, ok := field(key)
		switch {
		case !ok:
			c.add(p, fmt.Sprintf("unknown field %q%s", key, suggestion(key)), false)
		case name != key:
			c.add(p, fmt.Sprintf("%q matches %q only when case is ignored: write %q", key, name, name), true)
		}
		if seen[name] && ok {
			c.add(p, "given more than once: the last one counts", true)
		}
		seen[name] = true
		if !ok {
			if err := c.skipValue(); err != nil {
				return err
			}
			continue
		}
		// Below a member matched by case alone, paths use the field's
		// name: that is the field the value sets.
		if err := c.value(ft, join(path, name)); err != nil {
			return err
		}
	}
	_, err := c.dec.Token() // }
	return err
}

// suggestion is a hint for a misspelt member name; today none beyond
// "from" for "form", the commonest typo in parameters.
func suggestion(key string) string {
	if key == "form" {
		return ` (did you mean "from"?)`
	}
	return ""
}

// structField finds the field of t a member name sets, as encoding/json
// does: the exact json name first, then one equal ignoring case.
func structField(t reflect.Type, key string) (reflect.Type, string, bool) {
	var folded reflect.Type
	foldedName := ""
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() || f.Anonymous && f.Type.Kind() == reflect.Struct {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = f.Name
		}
		if name == key {
			return f.Type, name, true
		}
		if folded == nil && strings.EqualFold(name, key) {
			folded, foldedName = f.Type, name
		}
	}
	return folded, foldedName, folded != nil
}

// mismatch records that the value starting with tok is not want, and skips
// the rest of it.
func (c *checker) mismatch(tok json.Token, want, path string) error {
	c.add(path, fmt.Sprintf("must be %s, got %s", want, kindOf(tok)), false)
	return c.skip(tok)
}

// skip consumes the rest of the value that starts with tok.
func (c *checker) skip(tok json.Token) error {
	if tok != json.Delim('{') && tok != json.Delim('[') {
		return nil
	}
	for depth := 1; depth > 0; {
		t, err := c.dec.Token()
		if err != nil {
			return err
		}
		switch t {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
	return nil
}

// skipValue consumes the next value.
func (c *checker) skipValue() error {
	tok, err := c.dec.Token()
	if err != nil {
		if err == io.EOF {
			return io.ErrUnexpectedEOF
		}
		return err
	}
	return c.skip(tok)
}

func kindOf(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		if v == '{' {
			return "an object"
		}
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return "null"
}

func numberProblem(n json.Number, want string, err error) string {
	if errors.Is(err, strconv.ErrRange) {
		return "number out of range"
	}
	if strings.ContainsAny(string(n), ".eE") {
		return "must be " + want + ", got a number with a fraction or exponent"
	}
	return "must be " + want
}

// join appends a member name to a path.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
