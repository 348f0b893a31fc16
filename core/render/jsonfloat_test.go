package render

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
)

// TestFloatKeySameAsMarshal: FloatKey writes what encoding/json writes.
func TestFloatKeySameAsMarshal(t *testing.T) {
	for _, v := range []float64{0, 1, -1, 0.5, 33.75, 1e-6, 9.99e-7, 1e-7, 1.5e-300, 1e20, 1e21, 123456789.125, -4.2e-8, math.MaxFloat64, math.SmallestNonzeroFloat64} {
		var b bytes.Buffer
		e := NewJSON(&b, false)
		e.Object()
		e.FloatKey("v", v)
		e.End()
		e.Flush()
		want, _ := json.Marshal(map[string]float64{"v": v})
		if b.String() != string(want) {
			t.Errorf("%g: %s, want %s", v, b.String(), want)
		}
	}
	var b bytes.Buffer
	e := NewJSON(&b, false)
	e.Object()
	e.FloatKey("v", math.NaN())
	e.End()
	e.Flush()
	if b.String() != `{"v":null}` {
		t.Errorf("NaN: %s", b.String())
	}
}
