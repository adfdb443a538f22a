# Sourced by scripts/test. Makes Debian's headless chromium and chromedriver
# available (installing them when missing and we are root) and exports
# CHROME_BIN and CHROMEDRIVER for the browser tests; fetches axe-core (the
# accessibility checker the browser tests inject) once from the npm registry
# into target/, checked against a pinned digest, and exports AXE_JS.

browser_ensure() {
  local chrome driver
  chrome=$(command -v chromium || command -v chromium-browser || true)
  driver=$(command -v chromedriver || true)
  if [ -z "$chrome" ] || [ -z "$driver" ]; then
    if [ "$(id -u)" != 0 ]; then
      echo "chromium and chromedriver are missing and I am not root: install Debian's 'chromium' and 'chromium-driver'." >&2
      return 1
    fi
    echo "[browser] installing Debian's chromium and chromium-driver" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq chromium chromium-driver >/dev/null
    chrome=$(command -v chromium)
    driver=$(command -v chromedriver)
  fi
  # Without a CJK font the screenshots show Korean as empty boxes.
  if command -v fc-list >/dev/null 2>&1 && [ -z "$(fc-list :lang=ko 2>/dev/null)" ] && [ "$(id -u)" = 0 ]; then
    echo "[browser] installing Debian's fonts-noto-cjk for Korean text in screenshots" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null || true
  fi
  export CHROME_BIN="$chrome" CHROMEDRIVER="$driver"
  axe_ensure
}

# axe-core is MPL-2.0; the tarball (with its licence) stays under target/.
AXE_VERSION=4.10.3
AXE_SHA256=0f2b4d7dcdf7d1219df8d1959ad68e565f51d14c3f0d88bb71cd59abeb956292

axe_ensure() {
  local root dir tgz
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  dir="$root/target/axe-core-$AXE_VERSION"
  if [ ! -s "$dir/package/axe.min.js" ]; then
    echo "[browser] fetching axe-core $AXE_VERSION from registry.npmjs.org" >&2
    mkdir -p "$dir"
    tgz="$dir/axe-core.tgz"
    curl -fsSL -o "$tgz" "https://registry.npmjs.org/axe-core/-/axe-core-$AXE_VERSION.tgz"
    if [ "$(sha256sum "$tgz" | cut -d' ' -f1)" != "$AXE_SHA256" ]; then
      echo "[browser] axe-core tarball does not match its pinned sha256; refusing it" >&2
      rm -f "$tgz"
      return 1
    fi
    tar -xzf "$tgz" -C "$dir" package/axe.min.js package/LICENSE
  fi
  export AXE_JS="$dir/package/axe.min.js"
}
