#!/usr/bin/env bash
# build.sh: the host binaries, or the release archives and packages for every target.
#
#   ./build.sh                      host binaries into dist/gosof, dist/gosof-exporter
#   ./build.sh release              dist/gosof_<version>_<os>_<arch>.tar.gz, .deb and .rpm packages,
#                                   the source archive, dist/SHA256SUMS
#   ./build.sh release -j 4         at most 4 targets at once (default: number of cores)
#   TARGETS="linux/amd64 linux/arm64" ./build.sh release
#   VERSION=1.2.3 ./build.sh release
#   ./build.sh source               dist/gosof-<version>-source.tar.gz alone (gccgo deps vendored)
#
# The archives are reproducible: the same commit (and the same Go release) gives
# the same bytes on any machine, in any directory, at any time. Everything that
# could leak the build's circumstances is pinned: paths (-trimpath), build id,
# version and dates (from git, never the clock), tar owner/mode/mtime/order, and
# gzip's name and timestamp. See docs/build.md.
set -euo pipefail

cd "$(dirname "$0")"
export LC_ALL=C
# Others may be using this checkout: never take .git/index.lock just to
# refresh stat data (git describe --dirty would).
export GIT_OPTIONAL_LOCKS=0

usage() {
	sed -n '2,9s/^# \{0,1\}//p' "$0"
	exit "${1:-2}"
}

die() { echo "build.sh: $*" >&2; exit 1; }

mode=host
jobs=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
while [ $# -gt 0 ]; do
	case $1 in
	release) mode=release ;;
	source) mode=source ;;
	-j) [ $# -ge 2 ] || usage; jobs=$2; shift ;;
	-j*) jobs=${1#-j} ;;
	-h | --help) usage 0 ;;
	*) echo "build.sh: unknown argument: $1" >&2; usage ;;
	esac
	shift
done
[[ $jobs =~ ^[1-9][0-9]*$ ]] || die "-j wants a positive number, not '$jobs'"

command -v go >/dev/null || die "go not found in PATH (Go 1.26 or newer, https://go.dev/dl/)"

# Every target the release builds; linux/arm is two archives (GOARM=6 and 7).
# linux/sparc64 is not here: gc cannot target SPARC, gccgo builds it (sparc64 below).
ALL_TARGETS="linux/amd64 linux/386 linux/arm64 linux/armv6 linux/armv7 linux/ppc64le
linux/ppc64 linux/s390x linux/riscv64 linux/mips64le linux/loong64 solaris/amd64 illumos/amd64"

# --- version, commit and date: from git, never from the clock -------------------

if git rev-parse --git-dir >/dev/null 2>&1; then
	: "${VERSION:=$(git describe --tags --always --dirty)}"
	COMMIT=$(git rev-parse HEAD)
	: "${SOURCE_DATE_EPOCH:=$(git log -1 --format=%ct)}"
elif [ "$mode" = source ]; then
	die "not a git checkout: a source archive is made from one"
elif [ "$mode" = release ]; then
	die "not a git checkout: set VERSION and SOURCE_DATE_EPOCH (seconds) for a release"
else
	: "${VERSION:=dev}"
	COMMIT=unknown
	: "${SOURCE_DATE_EPOCH:=0}"
fi
# The version goes into file names and -ldflags: keep it to one safe word.
[[ $VERSION =~ ^[A-Za-z0-9][A-Za-z0-9._+-]*$ ]] || die "VERSION '$VERSION' must match [A-Za-z0-9][A-Za-z0-9._+-]*"
[[ $SOURCE_DATE_EPOCH =~ ^[0-9]+$ ]] || die "SOURCE_DATE_EPOCH '$SOURCE_DATE_EPOCH' is not a number of seconds"
DATE=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)

LDFLAGS="-s -w -buildid= -X main.version=$VERSION -X main.commit=$COMMIT -X main.date=$DATE"

# The baseline of each architecture, pinned so that a GOAMD64=v3 (say) in the
# caller's environment cannot change what the archives run on. Ignored for
# other architectures.
export GOAMD64=v1 GO386=sse2 GOARM64=v8.0 GOPPC64=power8 GORISCV64=rva20u64 GOMIPS64=hardfloat
export CGO_ENABLED=0 GOFLAGS=

# COLD: -gcflags=PKG=-l for each package cmd/gosof/cold-packages lists
# (why there).
COLD=()
while read -r pkg; do
	case $pkg in '' | '#'*) continue ;; esac
	COLD+=("-gcflags=$pkg=-l")
done <cmd/gosof/cold-packages

# gobuild GOOS GOARCH GOARM OUT: one binary for one target. The tag leaves
# out urfave/cli's man-page and markdown renderer (gosof has its own man
# page), whose packages every run initialised: ~0.4 ms of a 3.5 ms start.
gobuild() {
	GOOS=$1 GOARCH=$2 GOARM=$3 go build -trimpath -tags urfave_cli_no_docs "${COLD[@]}" -ldflags "$LDFLAGS" -o "$4" ./cmd/gosof
}

# gobuild_exporter GOOS GOARCH GOARM OUT: gosof-exporter for one target. Its
# version is prometheus/common/version's (what --version and
# gosof_build_info print, as for every Prometheus exporter), stamped with
# the same values as gosof's. gccgo cannot build it (client_golang): there
# is none for linux/sparc64.
gobuild_exporter() {
	local v=github.com/prometheus/common/version
	GOOS=$1 GOARCH=$2 GOARM=$3 go build -trimpath \
		-ldflags "-s -w -buildid= -X $v.Version=$VERSION -X $v.Revision=$COMMIT -X $v.BuildDate=$DATE" \
		-o "$4" ./cmd/gosof-exporter
}

# checkstatic FILE: a Linux binary must have no ELF interpreter (PT_INTERP) and
# no dynamic section (PT_DYNAMIC): then it runs on any kernel with no libc at all.
checkstatic() {
	local f=$1 headers
	[ -f "$f" ] || { echo "$f: no such file" >&2; return 1; }
	if command -v readelf >/dev/null; then
		headers=$(readelf -lW "$f") || { echo "$f: readelf cannot read it" >&2; return 1; }
		if grep -Eq '^[[:space:]]*(INTERP|DYNAMIC)[[:space:]]' <<<"$headers"; then
			echo "$f: not statically linked:" >&2
			grep -E '^[[:space:]]*(INTERP|DYNAMIC)[[:space:]]|interpreter' <<<"$headers" >&2 || true
			return 1
		fi
	elif command -v file >/dev/null; then
		file -b "$f" | grep -q 'statically linked' || { echo "$f: not statically linked: $(file -b "$f")" >&2; return 1; }
	else
		echo "cannot check static linking: install binutils (readelf)" >&2
		return 1
	fi
}

# --- ./build.sh: the host binary -----------------------------------------------

if [ "$mode" = host ]; then
	mkdir -p dist
	gobuild "$(go env GOHOSTOS)" "$(go env GOHOSTARCH)" "${GOARM:-}" dist/gosof
	gobuild_exporter "$(go env GOHOSTOS)" "$(go env GOHOSTARCH)" "${GOARM:-}" dist/gosof-exporter
	if [ "$(go env GOHOSTOS)" = linux ]; then checkstatic dist/gosof && checkstatic dist/gosof-exporter; fi
	echo "dist/gosof, dist/gosof-exporter $VERSION ($(go env GOHOSTOS)/$(go env GOHOSTARCH))"
	exit 0
fi

# --- the source archive ---------------------------------------------------------

# source_archive: dist/gosof-<version>-source.tar.gz, one directory of that
# name with the source of this build (git's tracked files, as they are in the
# working tree: what the binaries were built from), every module the gccgo
# build compiles vendored for go.gccgo.mod (vendor/, the urfave/cli that
# gccgo-deps.sh prepares included), and the version stamped in
# cmd/gosof/zz_stamp_gccgo.go. A SPARC host builds it with its gccgo's go
# command alone, without network (docs/build.md#sparc). The vendor/ is for
# go.gccgo.mod: a gc build of this tree takes -mod=mod. Reproducible as the
# binary archives are. Needs $work; output to stdout.
source_archive() {
	local name=gosof-${VERSION}-source
	local d=$work/source/$name
	rm -rf "$work/source"
	mkdir -p "$d"
	git ls-files -z | tar --null -T - --ignore-failed-read -cf - 2>/dev/null | tar -xf - -C "$d" || return
	./gccgo-deps.sh || return
	# Every module go.gccgo.mod names, fetched (and checked against
	# go.gccgo.sum) before vendoring, so that a download that fails cannot
	# pass for a package -e skips below.
	GOFLAGS= GOTOOLCHAIN=local go mod download -modfile go.gccgo.mod || return
	# -e: go.gccgo.mod leaves out what only gc-built files (//go:build !gccgo)
	# and tests import; those packages are reported and skipped.
	GOFLAGS= GOTOOLCHAIN=local go mod vendor -e -modfile go.gccgo.mod -o "$d/vendor" 2>"$work/source/vendor.log" ||
		{ cat "$work/source/vendor.log"; return 1; }
	# Every package the gccgo build imports must be there: list them from
	# the archive's own tree, vendor only, as gccgo's go command will.
	local os
	for os in linux solaris; do
		(cd "$d" && GOFLAGS=-mod=vendor GOPROXY=off GOTOOLCHAIN=local GOOS=$os GOARCH=amd64 \
			go list -modfile go.gccgo.mod -tags gccgo,urfave_cli_no_docs -deps ./cmd/gosof >/dev/null) ||
			{ echo "the source archive's vendor/ lacks what the gccgo build imports for $os (above)"; return 1; }
	done
	printf '%s\n' '//go:build gccgo' '' '// Written by build.sh into the source archive: gccgo takes no -ldflags.' '' \
		'package main' '' 'func init() {' \
		"	version, commit, date, toolchain = \"$VERSION\", \"$COMMIT\", \"$DATE\", \"gccgo (Go 1.18 library)\"" '}' \
		>"$d/cmd/gosof/zz_stamp_gccgo.go" || return
	tar --sort=name --format=gnu --owner=0 --group=0 --numeric-owner --mode='u+rwX,go+rX,go-w' \
		--mtime="@$SOURCE_DATE_EPOCH" -C "$work/source" -cf - "$name" |
		gzip -9 -n >"dist/$name.tar.gz.tmp" || return
	mv "dist/$name.tar.gz.tmp" "dist/$name.tar.gz"
	echo "ok     dist/$name.tar.gz ($(du -k "dist/$name.tar.gz" | cut -f1) KB: source, gccgo dependencies vendored)"
}

if [ "$mode" = source ]; then
	tar --version 2>/dev/null | grep -q 'GNU tar' || die "GNU tar is needed (--sort, --owner, --mtime)"
	mkdir -p dist
	work=$(mktemp -d "${TMPDIR:-/tmp}/gosof-build.XXXXXX")
	trap 'rm -rf "$work"' EXIT
	rm -f dist/gosof-*-source.tar.gz
	source_archive || die "could not make the source archive"
	exit 0
fi

# --- ./build.sh release ----------------------------------------------------------

[ -f LICENSE ] && [ -f README.md ] || die "LICENSE and README.md must exist: they go into every archive"
tar --version 2>/dev/null | grep -q 'GNU tar' || die "GNU tar is needed (--sort, --owner, --mtime)"

# TARGETS: a subset; linux/arm means both armv6 and armv7.
want=()
sparc=auto
for t in ${TARGETS:-$ALL_TARGETS}; do
	case $t in
	linux/arm) want+=(linux/armv6 linux/armv7) ;;
	linux/sparc64) sparc=required ;;
	*)
		[[ " $(echo $ALL_TARGETS) " == *" $t "* ]] || die "unknown target '$t' (known: $(echo $ALL_TARGETS) linux/arm linux/sparc64)"
		want+=("$t")
		;;
	esac
done
[ -n "${TARGETS:-}" ] && [ "$sparc" = auto ] && sparc=no

mkdir -p dist
rm -f dist/gosof_*.tar.gz dist/gosof-*-source.tar.gz dist/gosof_*.deb dist/gosof-*.rpm dist/SHA256SUMS
work=$(mktemp -d "${TMPDIR:-/tmp}/gosof-build.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The man page and the completion scripts beside every binary: generated by
# a host build of the same commit (the same for every target, and from the
# same command definitions as --help), so they stay reproducible too.
EXTRAS="gosof.1 gosof.bash _gosof gosof.fish"
extras() {
	local host=$work/host/gosof d=$work/extras
	mkdir -p "$d" "${host%/*}"
	gobuild "$(go env GOHOSTOS)" "$(go env GOHOSTARCH)" "" "$host" || return
	"$host" man >"$d/gosof.1" &&
		"$host" completion bash >"$d/gosof.bash" &&
		"$host" completion zsh >"$d/_gosof" &&
		"$host" completion fish >"$d/gosof.fish" || return
	packaging_tools
}

# package NAME BINARY [EXPORTER]: dist/NAME.tar.gz with NAME/{gosof,
# gosof-exporter,gosof.1,gosof.bash,_gosof,gosof.fish,README.md,LICENSE}.
# Fixed owner, group, modes and mtime, sorted names, and gzip -n (no name, no
# timestamp), so the bytes depend on the contents alone.
package() {
	local name=$1 bin=$2 exporter=${3:-} d=$work/stage/$1 f
	mkdir -p "$d"
	cp "$bin" "$d/gosof"
	if [ -n "$exporter" ]; then
		cp "$exporter" "$d/gosof-exporter"
		chmod 0755 "$d/gosof-exporter"
	fi
	cp README.md LICENSE "$d/"
	for f in $EXTRAS; do cp "$work/extras/$f" "$d/$f" || return; done
	chmod 0755 "$d" "$d/gosof"
	chmod 0644 "$d/README.md" "$d/LICENSE"
	for f in $EXTRAS; do chmod 0644 "$d/$f"; done
	tar --sort=name --format=gnu --owner=0 --group=0 --numeric-owner \
		--mtime="@$SOURCE_DATE_EPOCH" -C "$work/stage" -cf - "$name" |
		gzip -9 -n >"dist/$name.tar.gz.tmp" || return
	mv "dist/$name.tar.gz.tmp" "dist/$name.tar.gz"
}

# --- .deb and .rpm packages ----------------------------------------------------

# nfpm builds the packages. It is a build tool, not a dependency of gosof:
# it is installed at this pinned version through the module proxy (checked
# against the checksum database) into the build's temporary directory, and
# go.mod does not name it.
NFPM=github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.48.0

# packaging_tools: nfpm into $work/tools, and the man page gzipped (-n: no
# name, no timestamp) as man reads it from /usr/share/man.
packaging_tools() {
	GOBIN=$work/tools go install "$NFPM" &&
		gzip -9 -n -c "$work/extras/gosof.1" >"$work/extras/gosof.1.gz"
}

# pkgversion: $VERSION as both dpkg and rpm order versions: no leading v,
# no '-' (dpkg takes the last one for the Debian revision, rpm refuses it),
# and a release number first (dpkg requires a digit): v1.2.0 -> 1.2.0,
# v1.2.0-3-gabc1234-dirty -> 1.2.0.3.gabc1234.dirty; a commit with no tag
# before it (git describe --always: abc1234) -> 0.0.0+abc1234, which
# sorts before every release.
pkgversion() {
	local v=${VERSION#v}
	[[ $v =~ ^[0-9]+\.[0-9] ]] || v=0.0.0+$VERSION
	echo "${v//-/.}"
}

# linux_packages OS/ARCH GOSOF EXPORTER: dist/gosof_<pkgversion>-1_<arch>.deb
# and dist/gosof-<pkgversion>-1.<arch>.rpm for one Linux target, holding
# gosof and gosof-exporter in /usr/bin, gosof(1), the completion scripts
# where bash-completion, zsh and fish look for them, and gosof-exporter's
# systemd unit (installed, not enabled: nothing runs at install). EXPORTER
# may be empty (linux/sparc64): no exporter, no unit. Reproducible: every
# time in them is $SOURCE_DATE_EPOCH, the build host is a fixed name.
# A Debian armhf host is ARMv6 (Raspberry Pi OS) or ARMv7: the armv6
# binary runs on both, so it is the armhf .deb and armv7 has an .rpm only.
linux_packages() {
	local deb rpm
	case ${1#linux/} in
	amd64) deb=amd64 rpm=x86_64 ;;
	386) deb=i386 rpm=i686 ;;
	arm64) deb=arm64 rpm=aarch64 ;;
	armv6) deb=armhf rpm=armv6hl ;;
	armv7) deb= rpm=armv7hl ;;
	ppc64le) deb=ppc64el rpm=ppc64le ;;
	ppc64) deb=ppc64 rpm=ppc64 ;;
	s390x) deb=s390x rpm=s390x ;;
	riscv64) deb=riscv64 rpm=riscv64 ;;
	mips64le) deb=mips64el rpm=mips64el ;;
	loong64) deb=loong64 rpm=loongarch64 ;;
	sparc64) deb=sparc64 rpm=sparc64 ;;
	*) echo "no package architecture for $1"; return 1 ;;
	esac
	local v cfg=$work/nfpm/${1/\//_}.yaml
	v=$(pkgversion)
	mkdir -p "${cfg%/*}"
	nfpm_config "$2" "$3" "$deb" "$rpm" "$v" >"$cfg" || return
	if [ -n "$deb" ]; then
		"$work/tools/nfpm" package --config "$cfg" --packager deb --target "dist/gosof_${v}-1_$deb.deb" || return
	fi
	"$work/tools/nfpm" package --config "$cfg" --packager rpm --target "dist/gosof-${v}-1.$rpm.rpm"
}

# nfpm_config GOSOF EXPORTER DEBARCH RPMARCH VERSION: the nfpm configuration
# of one target's packages, on stdout.
nfpm_config() {
	local x=$work/extras
	cat <<-EOF
		name: gosof
		arch: $4
		deb: {arch: "${3:-$4}"}
		rpm: {arch: "$4", buildhost: gosof-build, summary: "Who holds this port, in what state, and how to release it"}
		platform: linux
		version: "$5"
		version_schema: none
		release: "1"
		section: net
		priority: optional
		maintainer: The gosof authors
		vendor: gosof
		license: MIT
		homepage: https://github.com/gosof/gosof
		mtime: "$DATE"
		description: |-
		  Who holds this port, in what state, and how to release it.
		  gosof lists sockets (TCP, UDP, raw, unix, SCTP; every state) with every
		  process that holds them, explains why a port is busy, and releases ports
		  safely. gosof-exporter serves its metrics (sockets per listening port and
		  process, accept queues, CLOSE_WAIT leaks) to Prometheus.
		contents:
		  - {src: "$1", dst: /usr/bin/gosof, file_info: {mode: 0755}}
		  - {src: "$x/gosof.1.gz", dst: /usr/share/man/man1/gosof.1.gz, file_info: {mode: 0644}}
		  - {src: "$x/gosof.bash", dst: /usr/share/bash-completion/completions/gosof, file_info: {mode: 0644}}
		  - {src: "$x/_gosof", dst: /usr/share/zsh/vendor-completions/_gosof, file_info: {mode: 0644}, packager: deb}
		  - {src: "$x/_gosof", dst: /usr/share/zsh/site-functions/_gosof, file_info: {mode: 0644}, packager: rpm}
		  - {src: "$x/gosof.fish", dst: /usr/share/fish/vendor_completions.d/gosof.fish, file_info: {mode: 0644}}
		  - {src: README.md, dst: /usr/share/doc/gosof/README.md, file_info: {mode: 0644}}
		  - {src: LICENSE, dst: /usr/share/doc/gosof/copyright, file_info: {mode: 0644}}
		  - {src: docs/gosof-alerts.yml, dst: /usr/share/doc/gosof/examples/gosof-alerts.yml, file_info: {mode: 0644}}
	EOF
	if [ -n "$2" ]; then
		cat <<-EOF
			  - {src: "$2", dst: /usr/bin/gosof-exporter, file_info: {mode: 0755}}
			  - {src: packaging/gosof-exporter.service, dst: /usr/lib/systemd/system/gosof-exporter.service, file_info: {mode: 0644}}
		EOF
	fi
}

# target OS/ARCH: build, check and package one target; output to its log.
# It runs on the left of || where set -e is off: every step says || return.
target() {
	local os=${1%/*} arch=${1#*/} goarm=
	case $arch in armv6) goarm=6 arch=arm ;; armv7) goarm=7 arch=arm ;; esac
	local name=gosof_${VERSION}_${os}_${1#*/} bin=$work/bin/${os}_${1#*/}/gosof
	local exporter=$work/bin/${os}_${1#*/}/gosof-exporter
	gobuild "$os" "$arch" "$goarm" "$bin" || return
	gobuild_exporter "$os" "$arch" "$goarm" "$exporter" || return
	if [ "$os" = linux ]; then
		checkstatic "$bin" || return
		checkstatic "$exporter" || return
	elif command -v readelf >/dev/null; then
		# Solaris has no stable system-call ABI: every program links libc.
		echo "$1 links (as every Solaris program must): $(readelf -dW "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')"
	fi
	package "$name" "$bin" "$exporter" || return
	if [ "$os" = linux ]; then linux_packages "$1" "$bin" "$exporter" || return; fi
}

# sparc64: gc has no SPARC port; gccgo (GCC's Go front end) does. gccgo
# implements the Go 1.18 library and no type parameters: go.gccgo.mod pins
# dependency versions it compiles, gccgo-deps.sh prepares the one it needs
# changed, and the source keeps to Go 1.18 (this build is the check). gccgo
# takes no -ldflags: the version is set by an init function added with
# -overlay. See docs/build.md#sparc.
sparc64() {
	local gccgo= cc= v
	for v in "" -14 -13 -12; do
		if command -v "sparc64-linux-gnu-gccgo$v" >/dev/null && command -v "sparc64-linux-gnu-gcc$v" >/dev/null; then
			gccgo=$(command -v "sparc64-linux-gnu-gccgo$v") cc=$(command -v "sparc64-linux-gnu-gcc$v")
			break
		fi
	done
	if [ -z "$gccgo" ]; then
		echo "no linux/sparc64: it needs a gccgo cross compiler and its gcc (Debian: apt-get install gccgo-12-sparc64-linux-gnu); gc cannot target SPARC"
		return 3
	fi
	v=$("$gccgo" -dumpfullversion 2>/dev/null || "$gccgo" -dumpversion)
	local bin=$work/bin/linux_sparc64/gosof log=$work/log/sparc64 stamp=$work/gccgo/stamp.go
	mkdir -p "${bin%/*}" "${stamp%/*}"
	./gccgo-deps.sh >"$log.deps" 2>&1 || { cat "$log.deps"; return 1; }
	: >"$log"
	cat >"$stamp" <<-EOF
		//go:build gccgo

		package main

		func init() {
		version, commit, date, toolchain = "$VERSION", "$COMMIT", "$DATE", "gccgo $v (Go 1.18 library)"
		}
	EOF
	printf '{"Replace":{"%s":"%s"}}\n' "$PWD/cmd/gosof/zz_stamp_gccgo.go" "$stamp" >"$work/gccgo/overlay.json"
	# -a: gccgo's objects are cached under keys that do not cover CC, which
	# x/sys's one C file needs. -static links libgo and glibc in; -s strips;
	# --build-id=none drops the id the go command derives from $WORK paths.
	if ! GOOS=linux GOARCH=sparc64 CGO_ENABLED=1 CC=$cc GCCGO=$gccgo GOTOOLCHAIN=local \
		go build -a -compiler gccgo -modfile go.gccgo.mod -trimpath -tags urfave_cli_no_docs -overlay "$work/gccgo/overlay.json" \
		-gccgoflags "-static -s -Wl,--build-id=none" -o "$bin" ./cmd/gosof >>"$log" 2>&1; then
		echo "linux/sparc64: $gccgo (GCC $v: Go 1.18 library, no type parameters) cannot build gosof."
		echo "Code outside Go 1.18 (generics, slices/maps/cmp, min/max, range over an int...) or a dependency newer than go.gccgo.mod allows? See docs/build.md#sparc. Errors:"
		grep -v -e '^#' -e 'statically linked applications requires' -e ': in function ' -e '^ *[0-9]* |' -e '^ *|' "$log" | head -n 30 | sed 's/^/    /'
		return 1
	fi
	# .go_export is gccgo's export data, for the compiler only: it holds
	# absolute source paths (which -trimpath does not reach) and 1.8 MB.
	"${gccgo%-gccgo*}-objcopy" --remove-section=.go_export "$bin" >>"$log" 2>&1 ||
		{ echo "${gccgo%-gccgo*}-objcopy cannot strip .go_export from $bin:"; tail -n 3 "$log"; return 1; }
	checkstatic "$bin" || return
	if command -v readelf >/dev/null; then
		readelf -hW "$bin" | grep -q 'Data:.*big endian' && readelf -hW "$bin" | grep -q 'Machine:.*Sparc v9' ||
			{ echo "$bin: not a big-endian SPARC ELF: $(readelf -hW "$bin" | grep -E 'Data:|Machine:' | tr -s ' ' | tr '\n' ' ')"; return 1; }
	fi
	package "gosof_${VERSION}_linux_sparc64" "$bin" || return
	linux_packages linux/sparc64 "$bin" "" || return
	echo "ok     linux/sparc64 (gccgo $v, static, big-endian SPARC; no gosof-exporter: gccgo cannot build client_golang)"
}

mkdir -p "$work/log" "$work/bin"
for t in "${want[@]}"; do mkdir -p "$work/bin/${t%/*}_${t#*/}"; done

start=$SECONDS
echo "gosof $VERSION (commit $COMMIT, date $DATE): targets ${#want[@]}, at a time $jobs"
extras >"$work/log/extras" 2>&1 || { sed 's/^/    /' "$work/log/extras" >&2; die "could not generate the man page and completion scripts"; }
# A pool of at most $jobs background builds; each records its own status, so a
# failure is reported with its log after the others finish.
for t in "${want[@]}"; do
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
	log=$work/log/${t/\//_}
	( target "$t" >"$log" 2>&1 && echo ok >"$log.status" || echo failed >"$log.status" ) &
done
wait

failed=0
for t in "${want[@]}"; do
	log=$work/log/${t/\//_}
	if [ "$(cat "$log.status" 2>/dev/null)" = ok ]; then
		[ -s "$log" ] && cat "$log"
		echo "ok     $t"
	else
		echo "FAILED $t:" >&2
		sed 's/^/    /' "$log" >&2
		failed=1
	fi
done
[ "$failed" = 0 ] || die "some targets failed"

# linux/sparc64 with every target when a gccgo cross compiler is installed
# (without one, only when TARGETS asks for it). Once the compiler is there, a
# failed build fails the release: it means non-Go-1.18 code crept in.
case $sparc in
auto) sparc64 || { [ $? = 3 ] || die "linux/sparc64 failed (see above)"; } ;;
required) sparc64 || die "linux/sparc64 was asked for in TARGETS and could not be built" ;;
esac

source_archive || die "could not make the source archive"

(cd dist && sha256sum gosof_*.tar.gz gosof-*-source.tar.gz $(ls gosof_*.deb gosof-*.rpm 2>/dev/null) >SHA256SUMS)
echo "dist/SHA256SUMS: $(wc -l <dist/SHA256SUMS) archives and packages in $((SECONDS - start))s"
