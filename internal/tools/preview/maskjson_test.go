package preview

import (
	"encoding/json"
	"testing"
)

func TestMaskJSON(t *testing.T) {
	paths := map[string]bool{"email": true, "customer.name": true, "tags": true}
	tests := []struct{ in, want string }{
		{`{"email":"a@b.c","campaign":"spring"}`, `{"email":"****","campaign":"spring"}`},
		{`{"z":1,"customer":{"name":{"first":"Ada"},"id":12.50},"email":null}`, `{"z":1,"customer":{"name":"****","id":12.50},"email":"****"}`},
		{`{"tags":["a",{"b":1}],"n":[1,2],"html":"<b>&"}`, `{"tags":"****","n":[1,2],"html":"<b>&"}`},
		{`{"email":`, `"****"`},
		{`{}`, `{}`},
	}
	for _, tt := range tests {
		if got := string(maskJSON([]byte(tt.in), paths)); got != tt.want {
			t.Errorf("maskJSON(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// FuzzMaskJSON checks that masking valid JSON yields valid JSON and never
// panics.
func FuzzMaskJSON(f *testing.F) {
	f.Add([]byte(`{"email":"a","customer":{"name":[1,{"x":null}]}}`))
	f.Add([]byte(`[{"email":1}]`))
	f.Add([]byte(`"s"`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		out := maskJSON(doc, map[string]bool{"email": true, "customer.name": true})
		if json.Valid(doc) && !json.Valid(out) {
			t.Fatalf("masked %s into invalid %s", doc, out)
		}
	})
}
