package linux

import (
	"reflect"
	"testing"
)

func TestParseNSpid(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []int
		ok   bool
	}{
		{"Name:\tx\nNSpid:\t4242\n", []int{4242}, true},
		{"Tgid:\t9\nNSpid:\t4242\t7\t1\nNSpgid:\t1\n", []int{4242, 7, 1}, true},
		{"NSpid:\t12", []int{12}, true},                   // no newline at the end
		{"Name:\tx\nPid:\t3\n", nil, false},               // before Linux 4.1
		{"NSpid:\n", nil, false},                          // empty
		{"NSpid:\t12\tx\n", nil, false},                   // not a number
		{"NSpid:\t0\n", nil, false},                       // no pid 0
		{"Name:\tNSpid:\t5\nNSpid:\t6\n", []int{6}, true}, // the name is not the line
		{"NSpidx:\t5\n", nil, false},                      // NSpidx is not NSpid
	} {
		got, ok := parseNSpid([]byte(tc.in))
		if ok != tc.ok || !reflect.DeepEqual(got, tc.want) && tc.ok {
			t.Errorf("parseNSpid(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
