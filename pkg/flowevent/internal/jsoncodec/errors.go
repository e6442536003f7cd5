package jsoncodec

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrNotObject reports input that is not a JSON object.
	ErrNotObject = errors.New("payload is not a JSON object")
	// ErrUnencodable reports a value json.Marshal would refuse.
	ErrUnencodable = errors.New("flowevent: encode: data cannot be rendered as JSON")
)

// SafeError describes an encoding/json error without the bytes of the
// input: syntax errors are reduced to their offset, type errors to the
// field and the kinds involved.
func SafeError(err error) string {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Sprintf("invalid JSON at offset %d", syn.Offset)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		kind, _, _ := strings.Cut(typ.Value, " ") // "number 1e99" holds the literal
		return fmt.Sprintf("field %q: JSON %s where %s expected", typ.Field, kind, typ.Type)
	}
	return "invalid JSON"
}
