#!/usr/bin/env bash
# The HTML reports in a real headless browser (Debian's chromium, installed
# here when missing): `scan --format html` of samples/ and `check --format
# html` of a draft, read back from the rendered DOM.
#
#   bash tests/browser/html_report.sh [SCREENSHOT_DIR]   default: target/html-report
#
# Asserts, from the DOM after the page's script ran: every cluster of the
# JSON report is there with each of its file:line locations; the script
# ran (data-ready) and raised no error; the page asked for nothing from the
# network (its policy forbids it, and a blocked request would be recorded);
# a document holding `<script>` and `"><img onerror=…>` shows them as text
# (no element made, no script run). Saves screenshots.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
shots=${1:-$root/target/html-report}
mkdir -p "$shots"
if ! command -v chromium >/dev/null; then
  apt-get update -qq && apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
fi
cargo build --release --locked --quiet --manifest-path "$root/Cargo.toml" --bin refrain
refrain="$root/target/release/refrain"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
browse() { # browse PAGE OUT: the DOM after the page's script, as HTML
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
    --host-resolver-rules="MAP * ~NOTFOUND" --virtual-time-budget=3000 \
    --dump-dom "file://$1" >"$2" 2>"$work/chromium.log"
}
shoot() { # shoot PAGE PNG
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run --hide-scrollbars \
    --host-resolver-rules="MAP * ~NOTFOUND" --window-size="${WINDOW:-1280,1500}" \
    --screenshot="$2" "file://$1" >/dev/null 2>>"$work/chromium.log"
}

cd "$root"
"$refrain" scan -q --json samples/ >"$work/samples.json"
"$refrain" scan -q --format html -o "$work/samples.html" samples/ >/dev/null
browse "$work/samples.html" "$work/samples.dom.html"
shoot "$work/samples.html" "$shots/samples.png"
WINDOW=1280,5200 shoot "$work/samples.html#open-all" "$shots/samples-open.png"

# A corpus whose text is markup: three stories closing with it.
mkdir -p "$work/hostile"
for i in 1 2 3; do
  printf 'Story %s about the harbour, told its own way with details of its own number %s.\n\n<script>document.title="pwned"</script> "><img src=x onerror="document.body.setAttribute(%s,1)"> Read more at our site.\n' \
    "$i" "$i" "'data-pwned'" >"$work/hostile/$i.txt"
done
"$refrain" scan -q --json "$work/hostile" >"$work/hostile.json"
"$refrain" scan -q --format html -o "$work/hostile.html" "$work/hostile" >/dev/null
browse "$work/hostile.html" "$work/hostile.dom.html"

# check: a draft of the port strike story against the samples.
"$refrain" index add -q --index "$work/samples.db" samples/ >/dev/null
sed 's/early Thursday/on Thursday morning/' samples/en/04-port-strike.txt >"$work/draft.txt"
"$refrain" check -q --json --index "$work/samples.db" "$work/draft.txt" >"$work/check.json" || true
"$refrain" check -q --format html -o "$work/check.html" --index "$work/samples.db" "$work/draft.txt" || true
browse "$work/check.html" "$work/check.dom.html"
shoot "$work/check.html" "$shots/check.png"

python3 - "$work" <<'PY'
import html.parser, json, re, sys
work = sys.argv[1]

class Dom(html.parser.HTMLParser):
    """Elements by id (their text), the body's attributes, every tag."""
    def __init__(self):
        super().__init__()
        self.stack, self.text_of, self.body, self.tags, self.sources = [], {}, {}, [], []
    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if tag == "body":
            self.body = attrs
        for name in ("src", "href", "action", "data"):
            if attrs.get(name) and not attrs[name].startswith("#"):
                self.sources.append((tag, attrs[name]))
        if tag not in ("meta", "input", "br", "img", "link", "rect", "line"):
            self.stack.append(attrs.get("id"))
            if attrs.get("id"):
                self.text_of[attrs["id"]] = []
    def handle_endtag(self, tag):
        if tag not in ("meta", "input", "br", "img", "link", "rect", "line") and self.stack:
            self.stack.pop()
    def handle_data(self, data):
        for element in self.stack:
            if element:
                self.text_of[element].append(data)

def dom(name):
    parser = Dom()
    parser.feed(open(f"{work}/{name}", encoding="utf-8").read())
    parser.text = {k: "".join(v) for k, v in parser.text_of.items()}
    return parser

def healthy(page, name):
    assert page.body.get("data-ready") == "true", f"{name}: the script did not run to its end"
    assert "data-script-errors" not in page.body, f"{name}: {page.body['data-script-errors']}"
    assert not page.sources, f"{name} loads {page.sources}"

samples = dom("samples.dom.html")
healthy(samples, "samples")
report = json.load(open(f"{work}/samples.json"))
for cluster in report["passage_clusters"]:
    text = samples.text.get(cluster["id"])
    assert text is not None, f"passage cluster {cluster['id']} missing"
    for o in cluster["occurrences"]:
        assert f"{o['doc']}:{o['line']}" in text, f"{cluster['id']}: {o['doc']}:{o['line']} missing"
for cluster in report["document_clusters"]:
    text = samples.text.get(cluster["id"])
    assert text is not None, f"document cluster {cluster['id']} missing"
    for member in cluster["members"]:
        assert member["doc"] in text, f"{cluster['id']}: {member['doc']} missing"
print(f"samples: {len(report['passage_clusters'])} passage and "
      f"{len(report['document_clusters'])} document clusters, every location in the DOM")

hostile = dom("hostile.dom.html")
healthy(hostile, "hostile")
assert "data-pwned" not in hostile.body, "an onerror handler from the corpus ran"
assert "img" not in hostile.tags, "the corpus made an <img>"
raw = open(f"{work}/hostile.dom.html", encoding="utf-8").read()
assert "<title>refrain report</title>" in raw, "the corpus's script changed the title"
assert "&lt;script&gt;document.title" in raw, "the corpus's <script> is not shown as text"
assert '"&gt;&lt;img src=x onerror=' in raw, "the corpus's <img> is not shown as text"
hostile_report = json.load(open(f"{work}/hostile.json"))
assert hostile_report["passage_clusters"], "the hostile paragraph should be a cluster"
print("hostile text: shown as text, no element made, no script run")

check = dom("check.dom.html")
healthy(check, "check")
check_report = json.load(open(f"{work}/check.json"))
raw = open(f"{work}/check.dom.html", encoding="utf-8").read()
for document in check_report["documents"]:
    for finding in document["findings"]:
        assert finding["message"].split(";")[0] in raw.replace("&amp;", "&"), finding["message"]
        if finding["aligned"]:
            assert "<mark>" in raw, "no copied block marked"
print(f"check: {sum(len(d['findings']) for d in check_report['documents'])} findings in the DOM, copied blocks marked")
PY
echo "screenshots: $shots/samples.png $shots/samples-open.png $shots/check.png"
