#!/usr/bin/env bash
# Writes the seed inputs of the fuzz targets into fuzz/corpus/TARGET/:
# the samples and the shapes that once went wrong (lone CR line ends, a
# byte-order mark, Latin-1, UTF-16, NUL bytes, lone surrogate escapes,
# truncated streams). benches/fuzz.sh runs it when a corpus is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=fuzz/corpus
mkdir -p "$corpus"/{text_reader,jsonl_reader,gzip_reader,zstd_reader,paragraphs}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# Text shapes.
printf 'P one two three\r\rQ four five six\r\rP one two three\r' > "$scratch/lone-cr.txt"
printf '\xef\xbb\xbfWith a mark.\n\nSecond paragraph here.\n' > "$scratch/bom.txt"
printf 'Caf\xe9 au lait.\r\n\r\nNa\xefve text.\r\n' > "$scratch/latin1.txt"
printf '\xff\xfeH\x00i\x00\n\x00' > "$scratch/utf16.txt"
printf 'bin\x00ary' > "$scratch/nul.txt"
printf '  indented wire line\n  second line\n    new paragraph\n\n\n' > "$scratch/indent.txt"
printf '' > "$scratch/empty.txt"
cp samples/en/04-port-strike.txt samples/zh/01-power-supply-simplified.txt "$scratch/"
for f in "$scratch"/*.txt; do
    cp "$f" "$corpus/text_reader/"
    cp "$f" "$corpus/paragraphs/"
done
head -c 6000 samples/zh/newspaper-page.txt > "$corpus/paragraphs/newspaper-head.txt"

# JSONL shapes.
{
    printf '{"id":"a","text":"One story.\\n\\nIts footer."}\n'
    printf '\n'
    printf '{"id":"b","text":"a \\ud800 b"}\n'
    printf '{"text":"no id, Caf\xe9"}\n'
    printf '{"id":"c"}\n'
    printf 'not json\n'
    printf '{"id":"d","text":"unterminated\n'
} > "$scratch/mixed.jsonl"
printf '\xef\xbb\xbf{"id":"x","text":"after a mark"}\r\n{"id":"y","text":"crlf"}\r\n' > "$scratch/bom.jsonl"
cp "$scratch"/*.jsonl "$corpus/jsonl_reader/"

# Compressed streams, without the magic bytes the targets put in front.
for f in "$scratch/mixed.jsonl" "$scratch/lone-cr.txt"; do
    base=$(basename "$f")
    gzip -c "$f" | tail -c +5 > "$corpus/gzip_reader/$base"
    gzip -c "$f" | head -c 40 | tail -c +5 > "$corpus/gzip_reader/$base.truncated"
    zstd -q -c "$f" | tail -c +5 > "$corpus/zstd_reader/$base"
    zstd -q -c "$f" | head -c 30 | tail -c +5 > "$corpus/zstd_reader/$base.truncated"
done
echo "seeds in $corpus"
