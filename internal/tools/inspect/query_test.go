package inspect

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func TestParseQuery(t *testing.T) {
	tests := []struct {
		raw  string
		want []Field
	}{
		{"", nil},
		{"a=1", []Field{{Name: "a", Value: "1"}}},
		{"b=2&a=1&b=3", []Field{{Name: "b", Value: "2"}, {Name: "a", Value: "1"}, {Name: "b", Value: "3"}}},
		{"email=ada%40example.com&name=Ada%20Lovelace&city=S%C3%A3o+Paulo", []Field{
			{Name: "email", Value: "ada@example.com"}, {Name: "name", Value: "Ada Lovelace"}, {Name: "city", Value: "São Paulo"},
		}},
		{"contact%5Bemail%5D=x", []Field{{Name: "contact[email]", Value: "x"}}},
		{"empty=&flag&&x=1", []Field{{Name: "empty"}, {Name: "flag"}, {Name: "x", Value: "1"}}},
		{"a=1;b=2", []Field{{Name: "a", Value: "1;b=2"}}},
		{"bad=%zz&ok=1", []Field{{Name: "bad", Value: "%zz", Raw: true}, {Name: "ok", Value: "1"}}},
		{"eq=a=b", []Field{{Name: "eq", Value: "a=b"}}},
	}
	for _, tt := range tests {
		if got := ParseQuery(tt.raw); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseQuery(%q) = %#v, want %#v", tt.raw, got, tt.want)
		}
	}
}

// FuzzParseQuery checks that every decoded pair agrees with net/url, that
// order is kept, and that nothing panics.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"", "a=1&b=2", "a=%41&a=%zz", "x&&y=", "=v", "k=a+b%20c", "%E2%82%AC=%FF"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		fields := ParseQuery(raw)
		var nonEmpty []string
		for p := range strings.SplitSeq(raw, "&") {
			if p != "" {
				nonEmpty = append(nonEmpty, p)
			}
		}
		if len(fields) != len(nonEmpty) {
			t.Fatalf("%d fields for %d pairs", len(fields), len(nonEmpty))
		}
		for i, f := range fields {
			if f.Raw {
				if f.Name+"="+f.Value != nonEmpty[i] && f.Name != nonEmpty[i] {
					t.Fatalf("raw field %d %+v is not pair %q", i, f, nonEmpty[i])
				}
				continue
			}
			// net/url refuses ';', which ParseQuery reads as text: escape it.
			want, err := url.ParseQuery(strings.ReplaceAll(nonEmpty[i], ";", "%3B"))
			if err != nil || len(want[f.Name]) != 1 || want[f.Name][0] != f.Value {
				t.Fatalf("pair %q decoded to %+v, net/url says %v, %v", nonEmpty[i], f, want, err)
			}
		}
	})
}
