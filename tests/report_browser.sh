#!/usr/bin/env bash
# The report in a real browser: writes the default report, has headless Chromium take a
# screenshot of index.html, and checks that the PNG has the window's size and is not blank
# (many distinct colours, much of it not white). The screenshot stays in the output directory.
# Usage: report_browser.sh XOPTIM_VIZ_EXE OUTPUT_DIR
# Exit status 77 (skipped) when chromium or python3 is missing.
set -euo pipefail

exe=$1
out=$2
width=1280
height=2000

browser=$(command -v chromium || command -v chromium-browser || true)
if [[ -z "${browser}" ]]; then
  echo "SKIPPED: chromium is not installed (scripts/test installs it: apt-get install chromium)"
  exit 77
fi
if ! command -v python3 > /dev/null; then
  echo "SKIPPED: python3 is not installed (needed to read the screenshot)"
  exit 77
fi

rm -rf "${out}"
mkdir -p "${out}"
"${exe}" report --out "${out}/report" > "${out}/report.log"

profile=$(mktemp -d)
trap 'rm -rf "${profile}"' EXIT
shot="${out}/index.png"
timeout 120 "${browser}" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="${profile}" --screenshot="${shot}" --window-size="${width},${height}" \
  "file://$(cd "${out}/report" && pwd)/index.html" > "${out}/chromium.log" 2>&1 || {
  echo "chromium failed; its output:"
  cat "${out}/chromium.log"
  exit 1
}
if [[ ! -s "${shot}" ]]; then
  echo "no screenshot at ${shot}"
  exit 1
fi

# A small PNG reader (standard library only): size, distinct colours, share of non-white.
python3 - "${shot}" "${width}" "${height}" <<'EOF'
import struct, sys, zlib

path, want_w, want_h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
data = open(path, "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
pos, idat, w = 8, b"", None
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + length]
    if kind == b"IHDR":
        w, h, depth, colour_type = struct.unpack(">IIBB", body[:10])
    elif kind == b"IDAT":
        idat += body
    pos += 12 + length
assert (w, h) == (want_w, want_h), f"screenshot is {w} x {h}, expected {want_w} x {want_h}"
assert depth == 8 and colour_type in (2, 6), f"unexpected PNG format: depth {depth}, colour type {colour_type}"
bpp = 3 if colour_type == 2 else 4
raw = zlib.decompress(idat)
stride = w * bpp
rows, prev, i = [], bytearray(stride), 0
for _ in range(h):
    f = raw[i]; line = bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b = prev[x]
        c = prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(bytes(line)); prev = line
colours, non_white = set(), 0
for line in rows[::4]:
    for x in range(0, stride, bpp * 4):
        px = line[x:x + 3]
        colours.add(px)
        non_white += px != b"\xff\xff\xff"
samples = len(rows[::4]) * len(range(0, stride, bpp * 4))
share = non_white / samples
print(f"{path}: {w} x {h}, {len(colours)} distinct colours sampled, {100 * share:.1f}% not white")
assert len(colours) >= 50, "the page looks blank: fewer than 50 colours"
assert share >= 0.05, "the page looks blank: less than 5% of it is not white"
EOF
echo "screenshot kept at ${shot}"
