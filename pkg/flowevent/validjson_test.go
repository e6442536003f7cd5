package flowevent

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestValidJSONAgreesWithEncodingJSON(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	deepObj := func(n int) string { return strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n) }
	inputs := []string{
		``, ` `, `{}`, `[]`, `""`, `0`, `-0`, `-`, `01`, `1.`, `1.5`, `1e`, `1e+`, `1E-7`, `-1.25e+10`, `.5`, `+1`,
		`true`, `tru`, `truex`, `null`, `nul`, `false`, `fals`, `{"a":1,}`, `[1,]`, `[1 2]`, `{"a" 1}`, `{a:1}`,
		`{"a":1}x`, ` {"a" : [ 1 , 2 ] } `, `"\u00e9"`, `"\u00g9"`, `"\x"`, `"a` + "\t" + `b"`, `"a` + "\x7f" + `"`,
		"\"\xff\xfe\"", `"\/\b\f\n\r\t\\\""`, `"unterminated`, `{"a":"b"`, `[`, `{`, `{"a"`, `{"a":`, "\n[\r1\t]\n",
		`{"a":{"b":[true,false,null,{"c":"d"}]}}`, `[1e309]`, `"\ud800"`, deep(10000), deep(10001), deepObj(10000),
		deepObj(10001), `{"a":1}{"b":2}`, `[]]`, `1 2`,
	}
	for _, in := range inputs {
		if got, want := validJSON([]byte(in)), json.Valid([]byte(in)); got != want {
			t.Errorf("validJSON(%.40q) = %v, json.Valid = %v", in, got, want)
		}
	}
}

// FuzzValidJSON holds validJSON to json.Valid's answers.
func FuzzValidJSON(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5e3,"x\n",true,null]}`, `[`, `"\u12`, `-0.0e-0`, "\"\x01\""} {
		f.Add([]byte(s))
	}
	f.Add(sampleRequestMsg(f).Data)
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := validJSON(b), json.Valid(b); got != want {
			t.Fatalf("validJSON(%q) = %v, json.Valid = %v", b, got, want)
		}
	})
}

func BenchmarkValidJSON(b *testing.B) {
	data := sampleRequestMsg(b).Data
	b.SetBytes(int64(len(data)))
	b.Run("validJSON", func(b *testing.B) {
		for b.Loop() {
			validJSON(data)
		}
	})
	b.Run("json.Valid", func(b *testing.B) {
		for b.Loop() {
			json.Valid(data)
		}
	})
}

func TestValidURIRefPlainPaths(t *testing.T) {
	for _, s := range []string{"flowhook", "flows/f-1/nodes/n_2", "a.b~c", "/", "//host", "..", "x/y/"} {
		if _, err := url.Parse(s); (err == nil) != validURIRef(s) {
			t.Errorf("validURIRef(%q) = %v, url.Parse error %v", s, validURIRef(s), err)
		}
	}
}

func TestValidAccountMatchesPattern(t *testing.T) {
	re := regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	for _, s := range []string{"", "a", "acme-1_B", "a.b", "a b", "é", strings.Repeat("x", 64), strings.Repeat("x", 65), "a\n", "_", "-"} {
		if got, want := ValidAccount(s), re.MatchString(s); got != want {
			t.Errorf("ValidAccount(%q) = %v, pattern says %v", s, got, want)
		}
	}
}
