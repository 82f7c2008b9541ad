#!/usr/bin/env bash
# What `npm test` needs from the system besides Node: Chromium for the browser tests (Debian's
# package, never `playwright install`) and nginx for the deployment tests and the
# load-balancer browser test (both run it with a private config, never as a service).
# Installs what is missing from Debian's packages (as root, or with sudo), else says what to
# install and fails. CHROMIUM_PATH / NGINX_PATH point at other builds.
set -uo pipefail

missing=()
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing+=(chromium)
[ -x "${NGINX_PATH:-/usr/sbin/nginx}" ] || missing+=(nginx)
[ "${#missing[@]}" -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null; then
  echo "test-tools: the tests need ${missing[*]}: install them, or set CHROMIUM_PATH / NGINX_PATH" >&2
  exit 1
fi
echo "test-tools: installing ${missing[*]} from Debian's packages (about a minute, once)" >&2
if [ "$(id -u)" = 0 ]; then
  as_root=()
elif [ -t 0 ]; then
  as_root=(sudo)
else
  as_root=(sudo -n)
fi
if "${as_root[@]}" apt-get update -qq &&
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; then
  exit 0
fi
echo "test-tools: could not install ${missing[*]}; run: sudo apt-get install -y ${missing[*]}" >&2
exit 1
