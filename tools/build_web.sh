#!/usr/bin/env bash
# Builds the web pages (web/, TypeScript + Preact + Vite) into web/dist/, which `nightjar run`
# serves under /ui/ (the app's index.html also at / and its client-side routes). `npm run build`
# type-checks, builds, and fails when the app's gzipped JavaScript exceeds its budget
# (web/scripts/check-bundle.mjs). Installs Debian's nodejs and npm first if there is no `node`.
# Idempotent and quick: npm installs again only when package.json or package-lock.json changed,
# and Vite builds again only when a source changed (content hashes, kept in node_modules/ and
# dist/).
#
#   tools/build_web.sh
set -euo pipefail
cd "$(dirname "$0")/../web"

if ! command -v node >/dev/null; then
  echo "build_web: installing nodejs and npm"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends nodejs npm
fi

# sha256 of node's version, the named files that exist and every file under the named folders.
hash_of() {
  local files=() f x
  for f in "$@"; do
    if [[ -d "$f" ]]; then
      while IFS= read -r -d '' x; do files+=("$x"); done < <(find "$f" -type f -print0 | sort -z)
    elif [[ -e "$f" ]]; then
      files+=("$f")
    fi
  done
  {
    node --version
    if ((${#files[@]})); then sha256sum "${files[@]}"; fi
  } | sha256sum | cut -d' ' -f1
}

deps=$(hash_of package.json package-lock.json)
if [[ "$(cat node_modules/.nightjar-deps 2>/dev/null)" != "$deps" ]]; then
  if [[ -f package-lock.json ]]; then
    # Exactly the locked versions, and the lock left as it is. Not `npm ci`: the registry mirror
    # these machines use lacks other platforms' optional binaries (rollup's), so the lock made here
    # omits them and `npm ci` rejects it as out of sync, while `npm install` accepts it.
    echo "build_web: npm install (package-lock.json)"
    npm install --no-save --no-audit --no-fund
  else
    echo "build_web: npm install (no package-lock.json: writing one)"
    npm install --no-audit --no-fund
    deps=$(hash_of package.json package-lock.json)
  fi
  echo "$deps" > node_modules/.nightjar-deps
fi

sources=$(hash_of package-lock.json tsconfig.json vite.config.ts ./*.html src scripts)
if [[ "$(cat dist/.nightjar-sources 2>/dev/null)" != "$sources" ]]; then
  echo "build_web: npm run build"
  npm run build
  echo "$sources" > dist/.nightjar-sources
fi
