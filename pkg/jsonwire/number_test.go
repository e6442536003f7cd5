package jsonwire

import (
	"encoding/json"
	"math"
	"testing"
)

func TestAppendFloat(t *testing.T) {
	for _, f := range []float64{0, math.Copysign(0, -1), 1, -1.5, 12.5, 1e-6, 9.99e-7, 1e-7, 1e20, 1e21, 1.5e300, -2.5e-300,
		math.MaxFloat64, math.SmallestNonzeroFloat64, 123456789.125, 0.1} {
		checkFloat(t, f)
	}
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if got := string(AppendFloat(nil, f, 64)); got != "NaN" && got != "+Inf" && got != "-Inf" {
			t.Errorf("AppendFloat(%v) = %s", f, got)
		}
	}
}

// checkFloat holds AppendFloat to json.Marshal for f as a float64 and,
// when it fits, as a float32.
func checkFloat(t *testing.T, f float64) {
	t.Helper()
	if want, err := json.Marshal(f); err == nil {
		if got := AppendFloat([]byte("x"), f, 64); string(got) != "x"+string(want) {
			t.Errorf("AppendFloat(%v, 64) = %s, encoding/json %s", f, got[1:], want)
		}
	}
	f32 := float32(f)
	if want, err := json.Marshal(f32); err == nil {
		if got := AppendFloat(nil, float64(f32), 32); string(got) != string(want) {
			t.Errorf("AppendFloat(%v, 32) = %s, encoding/json %s", f32, got, want)
		}
	}
}

// FuzzAppendFloat: byte for byte what encoding/json writes.
func FuzzAppendFloat(f *testing.F) {
	f.Add(1e-7)
	f.Add(12.5)
	f.Fuzz(func(t *testing.T, v float64) {
		checkFloat(t, v)
	})
}
