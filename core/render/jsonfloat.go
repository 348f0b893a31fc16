package render

import (
	"math"
	"strconv"
)

// FloatKey writes the member k: v, as encoding/json writes a float64
// (shortest decimal, exponent form below 1e-6 and from 1e21); NaN and
// infinities, which JSON cannot hold, are null.
func (e *JSON) FloatKey(k string, v float64) {
	e.key(k)
	switch abs := math.Abs(v); {
	case math.IsNaN(v) || math.IsInf(v, 0):
		e.b = append(e.b, "null"...)
	case abs != 0 && (abs < 1e-6 || abs >= 1e21):
		e.b = strconv.AppendFloat(e.b, v, 'e', -1, 64)
		// encoding/json writes e-07, not e-7: two exponent digits at least
		if n := len(e.b); n >= 4 && e.b[n-4] == 'e' && e.b[n-3] == '-' && e.b[n-2] == '0' {
			e.b[n-2] = e.b[n-1]
			e.b = e.b[:n-1]
		}
	default:
		e.b = strconv.AppendFloat(e.b, v, 'f', -1, 64)
	}
}
