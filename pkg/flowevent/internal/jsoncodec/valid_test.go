package jsoncodec

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// examples returns the contract's example events (schemas/testdata), as
// realistic JSON for seeds.
func examples(t testing.TB) [][]byte {
	t.Helper()
	files, err := filepath.Glob("../../../../schemas/testdata/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	out := make([][]byte, len(files))
	for i, f := range files {
		out[i] = example(t, filepath.Base(f))
	}
	return out
}

// example returns one example event of schemas/testdata.
func example(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("../../../../schemas/testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

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
		if got, want := Valid([]byte(in)), json.Valid([]byte(in)); got != want {
			t.Errorf("Valid(%.40q) = %v, json.Valid = %v", in, got, want)
		}
	}
}

// FuzzValid holds Valid to json.Valid's answers.
func FuzzValid(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5e3,"x\n",true,null]}`, `[`, `"\u12`, `-0.0e-0`, "\"\x01\""} {
		f.Add([]byte(s))
	}
	for _, b := range examples(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := Valid(b), json.Valid(b); got != want {
			t.Fatalf("Valid(%q) = %v, json.Valid = %v", b, got, want)
		}
	})
}

func BenchmarkValid(b *testing.B) {
	data := example(b, "request-conditional-params.good.json")
	b.SetBytes(int64(len(data)))
	b.Run("Valid", func(b *testing.B) {
		for b.Loop() {
			Valid(data)
		}
	})
	b.Run("json.Valid", func(b *testing.B) {
		for b.Loop() {
			json.Valid(data)
		}
	})
}
