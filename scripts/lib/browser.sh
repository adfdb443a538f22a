# Sourced by scripts/test. Makes Debian's headless chromium and chromedriver
# available (installing them when missing and we are root) and exports
# CHROME_BIN and CHROMEDRIVER for the browser tests.

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
  export CHROME_BIN="$chrome" CHROMEDRIVER="$driver"
}
