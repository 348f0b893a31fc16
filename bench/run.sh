#!/bin/sh
# Builds gosof, the workload, the floor and the runner into a temporary
# directory, then times every command in each world (by default the host
# sizes 10k, 100k and 400k descriptors) and prints markdown tables. Run as
# root on an otherwise idle host:
#
#   bench/run.sh                 # the three host sizes, about 10 minutes
#   bench/run.sh -worlds all     # every world, about 15 minutes
#   bench/run.sh -worlds timewait,close   # some worlds
#   bench/run.sh -runs 11        # more runs (any runner flag)
set -eu
cd "$(dirname "$0")/.."
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT INT TERM
# as build.sh builds it: static, the packages cmd/gosof/cold-packages lists without inlining
cold=$(sed -e '/^#/d' -e '/^$/d' -e 's/^/-gcflags=/' -e 's/$/=-l/' cmd/gosof/cold-packages)
# shellcheck disable=SC2086 # one flag per word
CGO_ENABLED=0 go build -trimpath -tags urfave_cli_no_docs $cold -o "$bin/gosof" ./cmd/gosof
go build -o "$bin/workload" ./bench/workload
go build -o "$bin/runner" ./bench/runner
gcc -O2 -Wall -o "$bin/floor" bench/floor/floor.c
gcc -O2 -Wall -o "$bin/launch" bench/floor/launch.c
"$bin/runner" -gosof "$bin/gosof" -floor "$bin/floor" -launch "$bin/launch" -workload "$bin/workload" "$@"
