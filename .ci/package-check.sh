#!/usr/bin/env bash
# Package check: installs dist/'s linux/amd64 .deb with dpkg on this
# machine and checks that gosof, its man page and its bash completion work
# as installed; lists the .rpm with rpm -qlp. Run after
# 'TARGETS=linux/amd64 ./build.sh release' on a Debian machine, as root
# (.ci/run does both). Needs dpkg, man-db, bash-completion and rpm.
set -euo pipefail
cd "$(dirname "$0")/.."
export LC_ALL=C

fail() { echo "package-check: $*" >&2; exit 1; }

shopt -s nullglob
debs=(dist/gosof_*_amd64.deb)
rpms=(dist/gosof-*.x86_64.rpm)
[ ${#debs[@]} = 1 ] || fail "want one dist/gosof_*_amd64.deb, have ${#debs[@]}"
[ ${#rpms[@]} = 1 ] || fail "want one dist/gosof-*.x86_64.rpm, have ${#rpms[@]}"
deb=${debs[0]} rpm=${rpms[0]}

# What both packages must hold.
want="/usr/bin/gosof
/usr/bin/gosof-exporter
/usr/lib/systemd/system/gosof-exporter.service
/usr/share/bash-completion/completions/gosof
/usr/share/fish/vendor_completions.d/gosof.fish
/usr/share/man/man1/gosof.1.gz"

echo "--- rpm -qlp $rpm"
files=$(rpm -qlp "$rpm")
echo "$files"
for f in $want /usr/share/zsh/site-functions/_gosof; do
	grep -qx "$f" <<<"$files" || fail "$rpm lacks $f"
done

echo "--- dpkg -i $deb"
dpkg -i "$deb"
trap 'dpkg -P gosof >/dev/null || true' EXIT
for f in $want /usr/share/zsh/vendor-completions/_gosof; do
	dpkg -S "$f" >/dev/null || fail "$deb did not install $f"
done
out=$(gosof --version) || fail "gosof --version failed"
echo "$out"
[[ $out == "gosof "* ]] || fail "gosof --version: $out"
gosof-exporter --version | head -1
p=$(man -w gosof) || fail "man -w gosof: no manual page"
echo "man -w gosof: $p"
[ "$p" = /usr/share/man/man1/gosof.1.gz ] || fail "man -w gosof found $p"
# The unit is installed, not enabled: nothing was started.
! systemctl is-enabled gosof-exporter >/dev/null 2>&1 || fail "the package enabled gosof-exporter"

# A real bash, with bash-completion loading gosof's script from where the
# package put it, completes the first word after gosof.
completions() { # completions WORD: what bash offers for 'gosof WORD'
	bash --norc --noprofile -c '
		. /usr/share/bash-completion/bash_completion || exit 1
		if declare -F _comp_load >/dev/null; then _comp_load gosof; else _completion_loader gosof; fi
		f=$(complete -p gosof | sed -n "s/.* -F \([^ ]*\) .*/\1/p")
		[ -n "$f" ] || { echo "no completion function for gosof"; exit 1; }
		COMP_WORDS=(gosof "$1"); COMP_CWORD=1; COMP_LINE="gosof $1"; COMP_POINT=${#COMP_LINE}
		"$f" gosof "$1" gosof
		printf "%s\n" "${COMPREPLY[@]}"' bash "$1"
}
got=$(completions wh) || fail "bash completion: $got"
echo "bash: gosof wh<TAB> offers: $(echo $got)"
grep -qx who <<<"$got" || fail "bash does not complete 'gosof wh' to who: $got"
got=$(completions metr)
[ "$got" = metrics ] || fail "bash completes 'gosof metr' to '$got', want metrics"
echo "package-check: ok"
