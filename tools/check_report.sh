#!/usr/bin/env bash
# Checks a krill HTML page (report.html, or a diff page) in headless Chromium:
#   - every <img src> and local <a href> is a relative path to an existing, non-empty file
#     (a PNG, GIF or SVG where it is an image);
#   - Chromium loads the page and every image decodes (naturalWidth > 0), and no
#     error events or console errors occur;
#   - optionally, a full-page screenshot is written to SCREENSHOT_PNG.
# Usage: tools/check_report.sh REPORT_HTML [SCREENSHOT_PNG]
# Exit status: 0 all good, 1 a check failed, 2 usage or no browser.
# Environment: CHROMIUM (browser binary), SCREENSHOT_WIDTH (default 1400 px),
#   KRILL_ALLOW_ABSOLUTE=1 (diff pages may reference absolute paths), KRILL_NO_INSTALL=1
#   (never apt-get install chromium when missing).
set -euo pipefail

usage() { echo "usage: $0 REPORT_HTML [SCREENSHOT_PNG]" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 2 ] || usage
report=$1
shot=${2:-}
[ -f "$report" ] || { echo "check_report: no such file: $report" >&2; exit 2; }

# --- the browser ----------------------------------------------------------------------
browser=${CHROMIUM:-}
if [ -z "$browser" ]; then
    for b in chromium chromium-browser google-chrome; do
        if command -v "$b" >/dev/null 2>&1; then browser=$b; break; fi
    done
fi
if [ -z "$browser" ] && [ "${KRILL_NO_INSTALL:-0}" != 1 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "check_report: installing chromium (Debian package)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null
    browser=chromium
fi
[ -n "$browser" ] || { echo "check_report: no chromium found (apt-get install chromium)" >&2; exit 2; }

dir=$(cd "$(dirname "$report")" && pwd)
name=$(basename "$report")
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

urldecode() { local s=${1//+/%2B}; printf '%b' "${s//%/\\x}"; }

# --- static checks: every referenced file exists ------------------------------------
images=0
while IFS= read -r ref; do
    [ -n "$ref" ] || continue
    kind=${ref%%=*}
    path=${ref#*=}
    path=${path#\"}; path=${path%\"}
    path=${path//&amp;/&}; path=${path//&quot;/\"}; path=${path//&#39;/\'}; path=${path//&lt;/<}; path=${path//&gt;/>}
    case "$path" in '#'*) continue ;; esac                 # in-page anchor
    [ "$kind" = src ] && images=$((images + 1))
    case "$path" in
        http:*|https:*|file:*|data:*|//*) fail "$kind $path is not a local relative path"; continue ;;
        /*) if [ "${KRILL_ALLOW_ABSOLUTE:-0}" != 1 ]; then fail "$kind $path is absolute (must be relative)"; continue; fi ;;
    esac
    local_path=$(urldecode "$path")
    case "$local_path" in /*) file=$local_path ;; *) file="$dir/$local_path" ;; esac
    if [ ! -s "$file" ]; then fail "$kind $path: missing or empty file $file"; continue; fi
    if [ "$kind" = src ]; then
        magic=$(head -c 8 "$file" | od -An -tx1 | tr -d ' \n')
        case "$magic" in
            89504e470d0a1a0a) ;;                 # PNG
            474946383961*|474946383761*) ;;      # GIF89a / GIF87a
            *) head -c 200 "$file" | grep -q '<svg\|<?xml' || fail "src $path: not a PNG, GIF or SVG" ;;
        esac
    fi
done < <(grep -o -E '(src|href)="[^"]*"' "$report" || true)
echo "check_report: $images images referenced"

# --- the page in Chromium ---------------------------------------------------------------
work=$(mktemp -d)
probe="$dir/.check-$$-$name"
trap 'rm -rf "$work"; rm -f "$probe"' EXIT

# A copy of the page beside it (so relative paths resolve) with a checker appended: it
# records images that fail to decode, error events and console errors into the DOM.
cat "$report" > "$probe"
cat >> "$probe" <<'JS'
<script>
(function () {
  var errors = [];
  var original = console.error;
  console.error = function () { errors.push('console.error: ' + Array.prototype.join.call(arguments, ' ')); original.apply(console, arguments); };
  window.addEventListener('error', function (e) {
    var t = e.target;
    errors.push(t && t.tagName ? 'load error: ' + t.tagName + ' ' + (t.src || t.href) : 'script error: ' + e.message);
  }, true);
  window.addEventListener('load', function () {
    var broken = [];
    Array.prototype.forEach.call(document.images, function (img) {
      if (!img.complete || img.naturalWidth === 0) broken.push(img.getAttribute('src'));
    });
    var out = document.createElement('pre');
    out.id = 'krill-check';
    out.textContent = 'IMAGES ' + document.images.length + '\nBROKEN ' + JSON.stringify(broken) +
      '\nERRORS ' + JSON.stringify(errors) + '\nHEIGHT ' + document.documentElement.scrollHeight + '\nEND';
    document.body.appendChild(out);
  });
})();
</script>
JS

flags=(--headless --disable-gpu --no-sandbox --no-first-run --no-default-browser-check --disable-extensions
       --disable-background-networking --disable-sync --hide-scrollbars --mute-audio
       --user-data-dir="$work/profile" --enable-logging=stderr --v=0)
probe_url="file://$(printf '%s' "$probe" | sed 's/ /%20/g')"
width=${SCREENSHOT_WIDTH:-1400}
if ! timeout 120 "$browser" "${flags[@]}" --virtual-time-budget=15000 --window-size="$width,1000" --dump-dom "$probe_url" \
        >"$work/dom.html" 2>"$work/stderr.log"; then
    fail "chromium could not load the page (see below)"
    tail -20 "$work/stderr.log" >&2
fi
result=$(sed -n '/<pre id="krill-check">/,/END/p' "$work/dom.html")
if [ -z "$result" ]; then
    fail "the page did not finish loading in chromium"
else
    loaded=$(printf '%s\n' "$result" | sed -n 's/.*IMAGES \([0-9]*\).*/\1/p')
    broken=$(printf '%s\n' "$result" | sed -n 's/^BROKEN //p')
    errors=$(printf '%s\n' "$result" | sed -n 's/^ERRORS //p')
    height=$(printf '%s\n' "$result" | sed -n 's/^HEIGHT //p')
    echo "check_report: chromium loaded $loaded images; page height ${height}px"
    [ "$loaded" = "$images" ] || fail "chromium saw $loaded images, the HTML references $images"
    [ "$broken" = "[]" ] || fail "images that did not load or decode: $broken"
    [ "$errors" = "[]" ] || fail "errors in the page: $errors"
fi
# Console messages Chromium logged (the page itself has no script: any is a problem).
if grep -E 'CONSOLE|Uncaught|Failed to load resource|net::ERR_' "$work/stderr.log" | grep -v 'krill-check' >"$work/console.log"; then
    fail "console messages:"
    cat "$work/console.log" >&2
fi

# --- screenshot -----------------------------------------------------------------------
if [ -n "$shot" ]; then
    h=${height:-3000}
    [ "$h" -gt 16000 ] 2>/dev/null && h=16000
    mkdir -p "$(dirname "$shot")"
    shot_abs="$(cd "$(dirname "$shot")" && pwd)/$(basename "$shot")"
    page_url="file://$(printf '%s' "$dir/$name" | sed 's/ /%20/g')"
    if timeout 120 "$browser" "${flags[@]}" --virtual-time-budget=15000 --window-size="$width,$h" \
            --screenshot="$shot_abs" "$page_url" >/dev/null 2>"$work/shot.log" && [ -s "$shot_abs" ]; then
        echo "check_report: screenshot $shot_abs (${width}x${h})"
    else
        fail "screenshot failed"
        tail -5 "$work/shot.log" >&2
    fi
fi

if [ "$failures" -gt 0 ]; then
    echo "check_report: $failures problem(s) in $report" >&2
    exit 1
fi
echo "check_report: OK $report"
