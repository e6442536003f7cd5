package jsonwire

import (
	"bytes"
	"encoding/json"
	"testing"
)

// encodingJSON is encoding/json's text for s, with or without HTML
// escaping.
func encodingJSON(s string, escapeHTML bool) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(escapeHTML)
	_ = enc.Encode(s)
	return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

func TestAppendString(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uote`, `back\slash`, "nl\n cr\r tab\t bs\b ff\f nul\x00 us\x1f del\x7f",
		"<b>&amp;</b>", "é 日本 🎉", "\u2028\u2029", "bad \xff\xfe utf8 \xe6\x97", "\xed\xa0\x80 surrogate", "\ufffd"} {
		for _, html := range []bool{false, true} {
			if got, want := string(AppendString(nil, s, html)), encodingJSON(s, html); got != want {
				t.Errorf("AppendString(%q, %v) = %s, encoding/json %s", s, html, got, want)
			}
		}
	}
}

// FuzzAppendString: byte for byte what encoding/json writes, in both
// modes, after what dst already holds.
func FuzzAppendString(f *testing.F) {
	f.Add("a\"b\\c\n\u2028\xff<&>", false)
	f.Add("\x00\x1f\x7f\u2029", true)
	f.Fuzz(func(t *testing.T, s string, html bool) {
		if got, want := string(AppendString([]byte("x"), s, html)), "x"+encodingJSON(s, html); got != want {
			t.Fatalf("AppendString(%q, %v) = %s, encoding/json %s", s, html, got, want)
		}
	})
}

func BenchmarkAppendString(b *testing.B) {
	s := `Leads from the "spring" campaign <b>only</b> & nothing else, é日本`
	buf := make([]byte, 0, 256)
	for _, html := range []bool{false, true} {
		name := "plain"
		if html {
			name = "escapeHTML"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				buf = AppendString(buf[:0], s, html)
			}
		})
	}
}
