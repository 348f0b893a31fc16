#!/bin/sh
# gccgo-deps.sh: prepare .gccgo/, the one dependency go.gccgo.mod takes from
# a local directory, for a gccgo build (linux/sparc64, Solaris/SPARC).
#
#   ./gccgo-deps.sh && go build -compiler gccgo -modfile go.gccgo.mod ./cmd/gosof
#
# gccgo implements the Go 1.18 library and no type parameters. Every
# urfave/cli v2 release since v2.10 declares its generic SliceFlag (which
# gosof does not use) in one file, sliceflag.go, and v2.3.0, the last without
# it, is five years older than what the gc build runs. So the gccgo build uses
# the same urfave/cli as the gc build, v2.27.7 (checked against go.gccgo.sum
# by `go mod download`), without sliceflag.go and its tests, plus a file of ours
# for the one helper the rest of the package takes from it. build.sh runs
# this itself. See docs/build.md#sparc.
set -eu
cd "$(dirname "$0")"

mod=github.com/urfave/cli/v2
ver=v2.27.7 # the version go.gccgo.mod replaces: keep the two in step
dst=.gccgo/urfave-cli-v2

grep -q "^replace $mod $ver => ./$dst\$" go.gccgo.mod ||
	{ echo "gccgo-deps.sh: go.gccgo.mod does not replace $mod $ver with ./$dst" >&2; exit 1; }

# The module cache copy, verified against go.gccgo.sum (which holds its
# hashes, as go.sum does). Through go.gccgo.mod: gccgo's own go command
# (Go 1.18) refuses go.mod's newer go line.
src=$(GOFLAGS= go mod download -modfile go.gccgo.mod -json "$mod@$ver" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')
[ -n "$src" ] && [ -f "$src/go.mod" ] || { echo "gccgo-deps.sh: cannot download $mod@$ver" >&2; exit 1; }

rm -rf "$dst"
mkdir -p "$dst"
cp -R "$src/." "$dst/"
chmod -R u+w "$dst"
rm -f "$dst/sliceflag.go" "$dst"/*_test.go
rm -rf "$dst/altsrc" "$dst/autocomplete" "$dst/docs" "$dst/internal" "$dst/testdata" "$dst/.github"
cat >"$dst/sliceflag_gccgo.go" <<'GO'
// Added by gosof's gccgo-deps.sh in place of sliceflag.go (type parameters,
// which gccgo does not implement).

package cli

import "flag"

// unwrapFlagValue is sliceflag.go's helper that strips the *flagValueHook
// wrappers its generic SliceFlag installs. Without SliceFlag there are none.
func unwrapFlagValue(v flag.Value) flag.Value { return v }
GO
echo "$dst: $mod $ver for gccgo"
