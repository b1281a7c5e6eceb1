#!/usr/bin/env bash
# Installs what `make test` needs and a fresh Debian machine may lack: the
# PostgreSQL server binaries (initdb, pg_ctl) for the storage tests, Debian's
# Chromium for the browser tests, and Japanese fonts so that pages render as
# people see them, and the EDICT Japanese–English dictionary for
# cross-lingual matching. Go itself must be present.
#
# With --runtime it installs only what the server itself needs at run time
# (the EDICT dictionary): `make demo` uses it.
set -euo pipefail

runtime_only=false
case "${1:-}" in
--runtime) runtime_only=true ;;
"") ;;
*) echo "usage: $0 [--runtime]" >&2; exit 2 ;;
esac

have_pg() {
	ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || command -v pg_ctl >/dev/null 2>&1
}

command -v go >/dev/null || { echo "test-deps: Go is not installed (https://go.dev/dl/)" >&2; exit 1; }

missing=()
if ! $runtime_only; then
	have_pg || missing+=(postgresql)
	command -v chromium >/dev/null 2>&1 || missing+=(chromium)
	fc-list 2>/dev/null | grep -i "noto sans cjk" >/dev/null || missing+=(fonts-noto-cjk)
fi
[ -f /usr/share/edict/edict ] || missing+=(edict)

if [ ${#missing[@]} -gt 0 ]; then
	echo "test-deps: installing ${missing[*]} with apt-get" >&2
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO="sudo"
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq
	$SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
	[ -f /usr/share/edict/edict ] || { echo "test-deps: edict installation failed" >&2; exit 1; }
	if ! $runtime_only; then
		have_pg || { echo "test-deps: PostgreSQL installation failed" >&2; exit 1; }
		command -v chromium >/dev/null 2>&1 || { echo "test-deps: Chromium installation failed" >&2; exit 1; }
	fi
fi
$runtime_only && exit 0
if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
	# initdb refuses root; the test harness runs the server as this user.
	useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
fi
