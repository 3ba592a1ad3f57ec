#!/usr/bin/env bash
# Installs code-server (VS Code in the browser) for the end-to-end extension test (test/vscode/), outside the
# project's package.json: it is large and only that test needs it. Idempotent and fast when already installed.
# Prints the path of the code-server binary on stdout (everything else goes to stderr).
#   --check  print the launcher and exit 0 when installed, else exit 1 (installs nothing)
#   --debs   print the Debian packages the install needs, one a line (installs nothing)
#
#   MMLENS_CODE_SERVER_PREFIX  npm prefix to install into (default ~/.cache/mmlens/code-server)
#   MMLENS_CODE_SERVER_VERSION version (default 4.100.3, the newest one that runs on node 20)
#
# The network is assumed to reach only the npm registry and Debian: code-server's postinstall downloads ripgrep from
# GitHub, so @vscode/ripgrep's download cache is seeded with Debian's rg under the file name it looks for.
set -euo pipefail

version="${MMLENS_CODE_SERVER_VERSION:-4.100.3}"
prefix="${MMLENS_CODE_SERVER_PREFIX:-$HOME/.cache/mmlens/code-server}"
bin="$prefix/node_modules/code-server/out/node/entry.js"
launcher="$prefix/node_modules/.bin/code-server"
stamp="$prefix/.mmlens-installed-$version"

log() { echo "install-code-server: $*" >&2; }

# ── Debian packages: headers for code-server's native modules (kerberos, native-keymap, keytar), build tools, rg ──
debs=(libkrb5-dev libxkbfile-dev libx11-dev libsecret-1-dev build-essential python3 pkg-config ripgrep)
if [ "${1:-}" = --debs ]; then
  printf '%s\n' "${debs[@]}"
  exit 0
fi

# Fast path: already installed (the stamp is written only after a complete, verified install).
if [ -f "$stamp" ] && [ -x "$launcher" ] && [ -f "$bin" ]; then
  echo "$launcher"
  exit 0
fi
[ "${1:-}" = --check ] && exit 1

missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=()
  [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  log "apt-get install ${missing[*]}"
  "${sudo[@]}" apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# ── ripgrep: seed @vscode/ripgrep's download cache (it would fetch from github.com) ──
tmp="${TMPDIR:-/tmp}"
rg_cache="$tmp/vscode-ripgrep-cache-1.15.11"
rg_tar="$rg_cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [ ! -s "$rg_tar" ]; then
  rg_path="$(command -v rg)"
  mkdir -p "$rg_cache"
  work="$(mktemp -d)"
  cp "$rg_path" "$work/rg"
  tar -C "$work" -czf "$rg_tar.tmp" rg
  mv "$rg_tar.tmp" "$rg_tar"
  rm -rf "$work"
  log "seeded $rg_tar from $rg_path"
fi

# ── code-server itself ──
mkdir -p "$prefix"
[ -f "$prefix/package.json" ] || echo '{ "name": "mmlens-code-server", "private": true }' >"$prefix/package.json"
log "npm install code-server@$version into $prefix (several minutes the first time)"
export npm_config_unsafe_perm=true npm_config_yes=true
npm install --prefix "$prefix" --no-audit --no-fund --no-save --loglevel=error "code-server@$version" >&2

if [ ! -x "$launcher" ] || [ ! -f "$bin" ]; then
  log "code-server is not at $launcher after npm install"
  exit 1
fi
installed="$(node -p "require('$prefix/node_modules/code-server/package.json').version")"
if [ "$installed" != "$version" ]; then
  log "installed code-server is $installed, wanted $version"
  exit 1
fi
touch "$stamp"
echo "$launcher"
