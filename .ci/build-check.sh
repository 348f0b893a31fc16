#!/usr/bin/env bash
# Release check: builds every archive twice and requires identical bytes, checks
# SHA256SUMS, that every Linux binary is static and for the right machine, and
# runs each Linux binary under qemu-user for --version.
#
# Run 2 changes what must not matter (umask, time zone, -j, TMPDIR); with
# BUILD_CHECK_COLD=1 it also starts from an empty Go build cache, so every
# package is compiled again rather than taken from run 1's cache.
# Installs binutils and qemu-user-static with apt-get when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin" LC_ALL=C
export DEBIAN_FRONTEND=noninteractive

step() { printf '\n=== %s\n' "$*"; }
fail() { echo "build-check: $*" >&2; exit 1; }

missing=()
command -v readelf >/dev/null || missing+=(binutils)
command -v qemu-aarch64-static >/dev/null && command -v qemu-s390x-static >/dev/null || missing+=(qemu-user-static)
if [ ${#missing[@]} -gt 0 ]; then
	step "installing ${missing[*]}"
	apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# What the build reads: every tracked or untracked, not ignored file. If this
# changes between the runs, a difference says nothing about reproducibility.
sources() { git ls-files -z -co --exclude-standard | sort -z | xargs -0 sha256sum 2>/dev/null | sha256sum; }

step "release build, run 1"
start=$SECONDS
before=$(sources)
./build.sh release
echo "run 1: $((SECONDS - start))s"
cp dist/SHA256SUMS "$tmp/SHA256SUMS.1"
mkdir "$tmp/run1" && cp dist/gosof_*.tar.gz "$tmp/run1/"

step "release build, run 2 (umask 077, TZ=Pacific/Kiritimati, -j 1${BUILD_CHECK_COLD:+, empty GOCACHE})"
start=$SECONDS
(
	umask 077
	mkdir -p "$tmp/tmp"
	export TZ=Pacific/Kiritimati TMPDIR=$tmp/tmp
	if [ -n "${BUILD_CHECK_COLD:-}" ]; then export GOCACHE=$tmp/gocache; fi
	./build.sh release -j 1
)
echo "run 2: $((SECONDS - start))s"

step "reproducible"
if ! diff -u "$tmp/SHA256SUMS.1" dist/SHA256SUMS; then
	[ "$(sources)" = "$before" ] || fail "the source files changed during the check (someone edited the tree): run it again on a quiet checkout"
	# Say which member differs, so the cause can be found.
	for a in "$tmp"/run1/*.tar.gz; do
		b=dist/$(basename "$a")
		cmp -s "$a" "$b" && continue
		[ -f "$b" ] || { echo "$b: missing in run 2"; continue; }
		mkdir -p "$tmp/d1" "$tmp/d2"
		tar -xzf "$a" -C "$tmp/d1" && tar -xzf "$b" -C "$tmp/d2"
		diff <(tar -tvzf "$a") <(tar -tvzf "$b") || true
		diff -r -q "$tmp/d1" "$tmp/d2" || true
	done
	fail "run 2 gave different archives (diff above: - run 1, + run 2)"
fi
echo "identical: $(wc -l <dist/SHA256SUMS) archives"

step "SHA256SUMS"
(cd dist && sha256sum -c --strict SHA256SUMS)

step "static, right machine, runs"
version=$(sed -n 's/.*gosof_\(.*\)_linux_amd64\.tar\.gz$/\1/p' dist/SHA256SUMS)
[ -n "$version" ] || fail "no linux_amd64 archive in dist/SHA256SUMS"
for archive in dist/gosof_*.tar.gz; do
	name=$(basename "$archive" .tar.gz)
	target=${name#gosof_"$version"_}
	os=${target%%_*} arch=${target#*_}
	d=$tmp/x/$name
	mkdir -p "$d"
	tar -xzf "$archive" -C "$tmp/x"
	for f in gosof gosof.1 gosof.bash _gosof gosof.fish README.md LICENSE; do [ -f "$d/$f" ] || fail "$archive: no $name/$f"; done
	# gccgo cannot build gosof-exporter (client_golang): every other archive has it.
	[ "$arch" = sparc64 ] || [ -f "$d/gosof-exporter" ] || fail "$archive: no $name/gosof-exporter"
	# The release binary admins copy over slow links stays at most 6 MB
	# (issue 25; bench/README.md reports it as 6,000,000 bytes).
	if [ "$target" = linux_amd64 ]; then
		size=$(stat -c %s "$d/gosof")
		echo "linux_amd64 gosof: $size bytes"
		[ "$size" -le 6000000 ] || fail "$archive: gosof is $size bytes, over 6,000,000"
	fi
	if [ "$os" != linux ]; then
		interp=$(readelf -lW "$d/gosof" | sed -n 's/.*interpreter: \(.*\)\]/\1/p')
		[ "$interp" = /lib/amd64/ld.so.1 ] || fail "$archive: interpreter '$interp', want /lib/amd64/ld.so.1"
		printf '%-26s dynamic (Solaris libc), needs %s\n' "$target" "$(readelf -dW "$d/gosof" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')"
		continue
	fi
	if readelf -lW "$d/gosof" | grep -Eq '^[[:space:]]*(INTERP|DYNAMIC)[[:space:]]'; then
		fail "$archive: not statically linked: $(readelf -lW "$d/gosof" | grep -E 'INTERP|DYNAMIC|interpreter')"
	fi
	# goarch, the ELF machine and byte order readelf reports, and the qemu-user to run it.
	case $arch in
	amd64) goarch=amd64 machine='X86-64' endian=little qemu=qemu-x86_64-static ;;
	386) goarch=386 machine='80386' endian=little qemu=qemu-i386-static ;;
	arm64) goarch=arm64 machine='AArch64' endian=little qemu=qemu-aarch64-static ;;
	armv6 | armv7) goarch=arm machine='ARM' endian=little qemu=qemu-arm-static ;;
	ppc64le) goarch=ppc64le machine='PowerPC64' endian=little qemu=qemu-ppc64le-static ;;
	ppc64) goarch=ppc64 machine='PowerPC64' endian=big qemu=qemu-ppc64-static ;;
	s390x) goarch=s390x machine='S/390' endian=big qemu=qemu-s390x-static ;;
	riscv64) goarch=riscv64 machine='RISC-V' endian=little qemu=qemu-riscv64-static ;;
	mips64le) goarch=mips64le machine='MIPS' endian=little qemu=qemu-mips64el-static ;;
	loong64) goarch=loong64 machine='LoongArch' endian=little qemu=qemu-loongarch64-static ;;
	sparc64) goarch=sparc64 machine='Sparc v9' endian=big qemu=qemu-sparc64-static ;;
	*) fail "$archive: unknown architecture '$arch'" ;;
	esac
	header=$(readelf -hW "$d/gosof")
	grep -q "Machine:.*$machine" <<<"$header" || fail "$archive: ELF machine is not $machine: $(grep Machine: <<<"$header")"
	grep -q "Data:.*$endian endian" <<<"$header" || fail "$archive: ELF is not $endian endian"
	# x86-64 hosts run amd64 and 386 natively (qemu-i386 7.2 crashes Go's
	# runtime: "mcall called on m->g0 stack").
	if [ "$(uname -m)" = x86_64 ] && [[ $goarch == amd64 || $goarch == 386 ]]; then qemu=; fi
	if [ -n "$qemu" ] && ! command -v "$qemu" >/dev/null; then
		printf '%-26s static, %s, %s endian (not run: no %s)\n' "$target" "$machine" "$endian" "$qemu"
		continue
	fi
	if [ "$goarch" = 386 ] && [ -z "$qemu" ]; then
		# A kernel built or booted without IA32 emulation (ia32_emulation=0)
		# runs no 32-bit x86 program: execve fails, the shell exits 126.
		rc=0
		"$d/gosof" --version >/dev/null 2>&1 || rc=$?
		if [ "$rc" = 126 ]; then
			printf '%-26s static, %s, %s endian (not run: this kernel runs no 32-bit x86 programs)\n' "$target" "$machine" "$endian"
			continue
		fi
	fi
	out=$($qemu "$d/gosof" --version) || fail "$archive: '${qemu:+$qemu }gosof --version' failed: $out"
	case $out in
	"gosof $version "*"linux/$goarch)") ;;
	*) fail "$archive: --version says '$out', want version $version and linux/$goarch" ;;
	esac
	printf '%-26s static, %s, %s endian: %s\n' "$target" "$machine" "$endian" "$out"
done
