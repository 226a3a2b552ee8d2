#!/usr/bin/env bash
# Look at the built site in a headless browser. Builds nothing: run
#
#     python -m sphinx -W -b html docs docs/_build/html
#
# first. Takes screenshots (1200 pixels wide, 1600 or more high) of the landing
# page, of user-guide pages with formulas and a figure, and of a gallery page
# with its figure, into
# docs/_build/screenshots/, and checks from the rendered DOM that MathJax
# typeset the formulas (no network needed: MathJax is served from the site
# itself) and that the gallery figure is on the page.
#
# Needs Chromium (Debian: apt-get install chromium). Usage:
#
#     bash docs/check_pages.sh
set -euo pipefail
cd "$(dirname "$0")"

html="$PWD/_build/html"
out="$PWD/_build/screenshots"
browser="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
if [[ -z "$browser" ]]; then
    echo "No Chromium found: install it (Debian: apt-get install chromium)." >&2
    exit 2
fi
if [[ ! -f "$html/index.html" ]]; then
    echo "No built site in $html: build it first (see the top of this script)." >&2
    exit 2
fi
mkdir -p "$out"

# --no-sandbox: Chromium refuses to run as root otherwise (containers, CI).
# --virtual-time-budget: let the page's scripts (MathJax) finish before the
# screenshot or the DOM dump.
flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars
    --window-size=1200,1600 --virtual-time-budget=15000)

status=0
check() {  # check PAGE WHAT PATTERN: PATTERN must occur in PAGE's rendered DOM
    local page="$1" what="$2" pattern="$3" count
    count="$("$browser" "${flags[@]}" --dump-dom "file://$html/$page" 2>/dev/null \
        | grep -o "$pattern" | wc -l)"
    if [[ "$count" -gt 0 ]]; then
        echo "ok    $page: $what ($count)"
    else
        echo "FAIL  $page: no $what" >&2
        status=1
    fi
}

shoot() {  # shoot PAGE HEIGHT: screenshot of the top HEIGHT pixels of PAGE
    local page="$1" height="$2" name
    name="${page//\//_}"
    name="$out/${name%.html}.png"
    "$browser" "${flags[@]}" --window-size="1200,$height" --screenshot="$name" \
        "file://$html/$page" 2>/dev/null
    echo "wrote $name"
}

shoot index.html 1600
shoot objectives.html 1600   # formulas
# Pages whose figure is below the first screen: a taller window (headless
# Chromium does not scroll to a #fragment before its screenshot).
shoot why.html 4200
shoot auto_examples/plot_shared_support.html 3000

check objectives.html "formulas typeset by MathJax" "<mjx-container"
check auto_examples/plot_shared_support.html "gallery figure" \
    'src="../_images/sphx_glr_plot_shared_support_001.png"'
check why.html "figure of the why page" \
    'src="_images/sphx_glr_plot_why_multitask_001.png"'
exit "$status"
