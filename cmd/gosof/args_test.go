package main

import (
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestInterspersed(t *testing.T) {
	app := newApp(strings.NewReader(""), io.Discard, io.Discard)
	for _, tc := range []struct{ in, want string }{
		{"gosof who 30116 --state close-wait", "gosof who --state close-wait 30116"},
		{"gosof who 80 443 -t --json", "gosof who -t --json 80 443"},
		{"gosof who 80 --side=any -4", "gosof who --side=any -4 80"},
		{"gosof 8080 --json", "gosof --json 8080"},
		{"gosof --json who 8080 -l", "gosof --json who -l 8080"},
		{"gosof ls --proto tcp,udp", "gosof ls --proto tcp,udp"},
		{"gosof who 80 -- --json", "gosof who 80 -- --json"},
		{"gosof who --pid 1 80", "gosof who --pid 1 80"},
		{"gosof", "gosof"},
	} {
		got := strings.Join(interspersed(app, strings.Fields(tc.in)), " ")
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.in, diff)
		}
	}
}
