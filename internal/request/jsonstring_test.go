package request

import (
	"bytes"
	"encoding/json"
	"testing"
)

// encodingJSON is encoding/json's text for s, without HTML escaping.
func encodingJSON(s string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uote`, `back\slash`, "nl\n cr\r tab\t bs\b ff\f nul\x00 us\x1f del\x7f",
		"<b>&amp;</b>", "é 日本 🎉", "\u2028\u2029", "bad \xff\xfe utf8 \xe6\x97", "\xed\xa0\x80 surrogate"} {
		if got, want := string(appendJSONString(nil, s)), encodingJSON(s); got != want {
			t.Errorf("appendJSONString(%q) = %s, encoding/json %s", s, got, want)
		}
	}
}

// FuzzAppendJSONString: byte for byte what encoding/json writes.
func FuzzAppendJSONString(f *testing.F) {
	f.Add("a\"b\\c\n\u2028\xff")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := string(appendJSONString([]byte("x"), s)), "x"+encodingJSON(s); got != want {
			t.Fatalf("appendJSONString(%q) = %s, encoding/json %s", s, got, want)
		}
	})
}
