#!/usr/bin/env bash
# First step of `npm test`: makes sure every tool the tests use is on this machine, installing what is missing, so
# that the whole suite runs with no test left out. It runs before anything else and stops with one line naming the
# package and the manual step when something cannot be installed (no root, no network).
#
#   git       Debian git       the sample series goes through `git apply` and `git am` (test/series/sample.test.ts)
#   chromium  Debian chromium  SVG timelines in a real browser (test/simulator/render/svg-chromium.test.ts) and the
#                              VS Code workbench (test/vscode/)
#   nvim      Debian neovim    a second real LSP client for the language server (test/server/nvim.test.ts)
#   code-server (npm, outside package.json, by .ci/install-code-server.sh)   real VS Code for test/vscode/
#
# Debian packages are installed with apt-get when running as root (or with password-less sudo); when another apt-get
# or dpkg holds apt's lock, it waits for it. `npm run test:quick` runs the tests that need none of these tools.
#
#   MMLENS_CHROMIUM / MMLENS_NVIM / MMLENS_CODE_SERVER   use this binary instead (checked, never installed)
#   MMLENS_TEST_SETUP_SIMULATE_USER=1                    act as if not root and without sudo (tests this script's refusal)
set -euo pipefail
cd "$(dirname "$0")/.."

started=$SECONDS
say() { echo "test setup: $*" >&2; }
stop() {
  echo "test setup: $* (npm run test:quick runs the tests that need no browser or editor)" >&2
  exit 1
}

chromium="${MMLENS_CHROMIUM:-/usr/bin/chromium}"
nvim="${MMLENS_NVIM:-nvim}"

have_git() { command -v git >/dev/null 2>&1; }
have_chromium() { [ -x "$chromium" ]; }
have_nvim() { "$nvim" --version >/dev/null 2>&1; }
installed_deb() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

# ── what is missing ──
debs=()
have_git || debs+=(git)
if ! have_chromium; then
  [ -n "${MMLENS_CHROMIUM:-}" ] && stop "MMLENS_CHROMIUM=$MMLENS_CHROMIUM is not an executable: unset it (Debian's chromium is then installed) or point it at a Chromium binary"
  debs+=(chromium)
fi
if ! have_nvim; then
  [ -n "${MMLENS_NVIM:-}" ] && stop "MMLENS_NVIM=$MMLENS_NVIM does not run: unset it (Debian's neovim is then installed) or point it at nvim 0.7 or newer"
  debs+=(neovim)
fi
code_server=""
if [ -n "${MMLENS_CODE_SERVER:-}" ]; then
  [ -x "$MMLENS_CODE_SERVER" ] || stop "MMLENS_CODE_SERVER=$MMLENS_CODE_SERVER is not an executable: unset it (code-server is then installed by .ci/install-code-server.sh) or point it at a code-server launcher"
  code_server="$MMLENS_CODE_SERVER"
elif code_server="$(bash .ci/install-code-server.sh --check)"; then
  :
else
  code_server=""
  # Headers and tools code-server's npm install builds its native modules with.
  while read -r p; do installed_deb "$p" || debs+=("$p"); done < <(bash .ci/install-code-server.sh --debs)
fi

# ── Debian packages ──
sudo=()
if [ "$(id -u)" -ne 0 ] || [ -n "${MMLENS_TEST_SETUP_SIMULATE_USER:-}" ]; then
  if [ -z "${MMLENS_TEST_SETUP_SIMULATE_USER:-}" ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
  else
    sudo=(none)
  fi
fi

# apt-get "$@" quietly; while another apt-get or dpkg holds apt's lock, waits for it (up to 30 minutes).
apt_get() {
  local waited=0 out
  while :; do
    if out="$("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=60 -qq "$@" 2>&1 >/dev/null)"; then
      return 0
    fi
    if grep -qiE 'could not get lock|unable to acquire the dpkg frontend lock|unable to lock' <<<"$out" && [ "$waited" -lt 1800 ]; then
      [ "$waited" -eq 0 ] && say "apt is busy (another apt-get or dpkg holds its lock): waiting for it"
      sleep 10
      waited=$((waited + 10))
      continue
    fi
    printf '%s\n' "$out" >&2
    return 1
  done
}

if [ "${#debs[@]}" -gt 0 ]; then
  manual="apt-get update && apt-get install -y --no-install-recommends ${debs[*]}"
  if [ "${sudo[*]}" = none ]; then
    stop "missing Debian package(s) ${debs[*]}, and this is not root: run \`sudo sh -c '$manual'\`, then npm test again"
  fi
  say "installing Debian package(s) ${debs[*]} with apt-get (about 1 minute; chromium is the large one, ~100 MB)"
  t0=$SECONDS
  apt_get update || stop "\`apt-get update\` failed (no network or no Debian mirror?): install ${debs[*]} by hand ($manual), then npm test again"
  apt_get install -y --no-install-recommends "${debs[@]}" ||
    stop "\`apt-get install ${debs[*]}\` failed (see above): install them by hand ($manual), then npm test again"
  say "installed ${debs[*]} in $((SECONDS - t0)) s"
  have_git || stop "git is still missing after apt-get install git"
  have_chromium || stop "$chromium is still missing after apt-get install chromium"
  have_nvim || stop "$nvim does not run after apt-get install neovim"
fi

# ── code-server ──
if [ -z "$code_server" ]; then
  say "installing code-server with npm into ${MMLENS_CODE_SERVER_PREFIX:-~/.cache/mmlens/code-server} (.ci/install-code-server.sh; about 5 minutes the first time)"
  t0=$SECONDS
  code_server="$(bash .ci/install-code-server.sh)" ||
    stop "could not install code-server (npm package code-server, see above): run \`bash .ci/install-code-server.sh\` by hand, or set MMLENS_CODE_SERVER to a code-server launcher"
  say "installed code-server in $((SECONDS - t0)) s"
fi

say "ready in $((SECONDS - started)) s: $(git --version | cut -d' ' -f3) git, $("$chromium" --version 2>/dev/null | head -1 || echo "$chromium"), $("$nvim" --version | head -1), code-server $code_server"
