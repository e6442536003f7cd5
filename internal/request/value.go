package request

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/flowhook/flowhook/pkg/jsonwire"
)

// appendText appends the text form of a resolved value (see the package
// documentation) to dst. nil appends nothing. It fails only for a Go value
// that has no JSON form, which request data decoded from JSON never holds.
func appendText(dst []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return dst, nil
	case string:
		return append(dst, v...), nil
	case json.Number:
		return append(dst, v...), nil
	case bool:
		return strconv.AppendBool(dst, v), nil
	case float64:
		return jsonwire.AppendFloat(dst, v, 64), nil
	case float32:
		return jsonwire.AppendFloat(dst, float64(v), 32), nil
	case int:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(dst, v, 10), nil
	case int32:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case uint:
		return strconv.AppendUint(dst, uint64(v), 10), nil
	case uint64:
		return strconv.AppendUint(dst, v, 10), nil
	case uint32:
		return strconv.AppendUint(dst, uint64(v), 10), nil
	default:
		return appendJSON(dst, v)
	}
}

// appendJSON appends v as compact JSON without HTML escaping.
func appendJSON(dst []byte, v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return dst, err
	}
	return append(dst, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...), nil
}
