#!/bin/sh
# Makes NotoSansJP-subset.otf from Debian's fonts-noto-cjk (OFL 1.1) with
# fontTools' pyftsubset (Debian python3-fonttools):
#   apt-get install fonts-noto-cjk python3-fonttools && ./subset.sh
# The subset: ASCII, Latin-1, general punctuation, CJK punctuation, kana,
# full- and half-width forms, and every character of JIS X 0208 (its 6,355
# kanji, symbols, Greek and Cyrillic), listed by Python's euc_jp codec.
# Only kerning is kept of the layout tables: the chart's text renderer
# applies no substitutions, and the alternate glyphs GSUB pulls in (vertical
# forms, JIS78 shapes) would double the file.
set -eu
cd "$(dirname "$0")"
python3 -c '
for cp in range(0x80, 0x10000):
    try:
        b = chr(cp).encode("euc_jp")
    except UnicodeEncodeError:
        continue
    if len(b) == 2 and b[0] >= 0xa1:
        print("U+%04X" % cp)
' > /tmp/jisx0208.txt
python3 -m fontTools.subset /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc \
  --font-number=0 \
  --unicodes=U+0020-007E,U+00A0-00FF,U+2000-206F,U+3000-30FF,U+31F0-31FF,U+FF00-FFEF \
  --unicodes-file=/tmp/jisx0208.txt \
  --layout-features=kern --no-hinting --drop-tables+=vhea,vmtx,VORG,BASE,GSUB \
  --output-file=NotoSansJP-subset.otf
