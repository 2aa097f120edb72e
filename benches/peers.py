"""Side-by-side: datasketch, rensa and gaoya on the corpus refrain
deduplicated, like for like.

Run by benches/peers.sh, which times refrain itself. Every tool gets:
- the same LSH layout (BANDS x ROWS over 128 permutations, given on the
  command line; rensa needs the bands to divide 128), so each has the same
  chance of making a pair at 0.8 a candidate (printed);
- candidates kept when their estimated Jaccard is at least 0.8 (refrain
  verifies by exact Jaccard: that is its design, and stated);
- pairs counted the same way: the kept pairs joined into clusters (connected
  components), and every pair inside a cluster counted, as refrain's
  clusters are;
- the same tokens (refrain's reference tokenizer: Han characters one by
  one, other letters and digits in runs, lowercase) and each tool's own
  fastest path from them to shingles: datasketch and rensa take Python
  sets of 5-grams, gaoya makes the 5-grams in Rust from the tokens joined
  by spaces (its own word analyzer splits on spaces only: given the raw
  text, every Chinese document is one empty set to it). "total" times
  reading, tokenizing, shingling, signing and LSH; "without shingling"
  starts the clock once the Python-made sets (or token strings) exist.
Times are medians of RUNS runs, inside Python after imports, reading the
JSONL included. Threads are stated per row.
"""
import itertools
import json
import statistics
import sys
import time

CORPUS, TRUTH = sys.argv[1], sys.argv[2]
BANDS, ROWS, RUNS = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
REFRAIN_ROWS = sys.argv[6:]  # label, threads, seconds, decisions; repeated


def tokens(text):
    out, word = [], []
    for c in text.lower():
        if "\u4e00" <= c <= "\u9fff":
            if word:
                out.append("".join(word))
                word = []
            out.append(c)
        elif c.isalnum():
            word.append(c)
        elif word:
            out.append("".join(word))
            word = []
    if word:
        out.append("".join(word))
    return out


def shingles(text):
    t = tokens(text)
    if len(t) < 5:
        return {" ".join(t)} if t else set()
    return {" ".join(t[i:i + 5]) for i in range(len(t) - 4)}


def load():
    with open(CORPUS) as f:
        return [json.loads(line) for line in f]


docs = load()
truth = json.load(open(TRUTH))
planted_boilerplate = {tuple(x) for x in truth["footers"]}
for d, ps in truth["pasted"]:
    planted_boilerplate.update((d, p) for p in ps)


def reference_set(i):
    paragraphs = docs[i]["text"].strip().split("\n\n")
    s = set()
    for p, text in enumerate(paragraphs):
        if (i, p) not in planted_boilerplate:
            s |= shingles(text)
    return s


planted = {pair for fam in truth["families"] for pair in itertools.combinations(sorted(fam), 2)}
cache = {}


def ref_jaccard(a, b):
    for x in (a, b):
        if x not in cache:
            cache[x] = reference_set(x)
    sa, sb = cache[a], cache[b]
    return len(sa & sb) / max(1, len(sa | sb))


positives = {p for p in planted if ref_jaccard(*p) >= 0.8}


def cluster_pairs(pairs):
    """Every pair inside the connected components of `pairs`."""
    parent = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    members = {}
    for x in list(parent):
        members.setdefault(find(x), []).append(x)
    return {p for m in members.values() for p in itertools.combinations(sorted(m), 2)}


def score(pairs):
    pairs = cluster_pairs(pairs)
    tp = len(pairs & planted)
    precision = tp / len(pairs) if pairs else 1.0
    recall = len(pairs & positives) / len(positives)
    return precision, recall


def python_peer(make_minhash, make_lsh, add, premade):
    """Reads, shingles, signs and indexes every document, keeping each LSH
    candidate whose estimated Jaccard is at least 0.8. With `premade`
    shingle sets, reading and shingling are outside the clock."""
    start = time.perf_counter()
    sets = premade if premade is not None else [shingles(r["text"]) for r in load()]
    lsh = make_lsh()
    sigs, pairs = [], []
    for i, s in enumerate(sets):
        m = make_minhash()
        add(m, s)
        for j in lsh.query(m):
            if sigs[j].jaccard(m) >= 0.8:
                pairs.append((j, i))
        lsh.insert(i, m)
        sigs.append(m)
    return time.perf_counter() - start, pairs


def datasketch(premade):
    from datasketch import MinHash, MinHashLSH
    return python_peer(
        lambda: MinHash(num_perm=128, seed=1),
        lambda: MinHashLSH(threshold=0.8, num_perm=128, params=(BANDS, ROWS)),
        lambda m, s: m.update_batch([x.encode() for x in s]),
        premade,
    )


def rensa(premade):
    from rensa import RMinHash, RMinHashLSH
    assert BANDS * ROWS == 128, "rensa needs bands x rows = 128"
    return python_peer(
        lambda: RMinHash(num_perm=128, seed=1),
        lambda: RMinHashLSH(threshold=0.8, num_perm=128, num_bands=BANDS),
        lambda m, s: m.update(list(s)),
        premade,
    )


def gaoya(pretokenized):
    """gaoya shingles in Rust, but its word analyzer splits on spaces only,
    so a Chinese paragraph is one word to it and every Chinese document
    gets the same empty set. It is given the same tokens as the others,
    joined by spaces (made in Python: inside the clock for "total", before
    it for "without shingling"); it makes the 5-grams itself."""
    from gaoya.minhash import MinHashStringIndex
    start = time.perf_counter()
    texts = pretokenized or [" ".join(tokens(r["text"])) for r in load()]
    index = MinHashStringIndex(32, 0.8, BANDS, ROWS, None, "word", False, (5, 5), "smallvec")
    index.par_bulk_insert_docs(list(range(len(texts))), texts)
    found = index.par_bulk_query(texts)
    pairs = [(j, i) for i, similar in enumerate(found) for j in similar if j < i]
    return time.perf_counter() - start, pairs


def median_run(run, premade):
    results = [run(premade) for _ in range(RUNS)]
    return statistics.median(r[0] for r in results), results[0][1]


def refrain_pairs(decisions):
    index = {row["id"]: i for i, row in enumerate(docs)}
    clusters = {}
    for line in open(decisions):
        d = json.loads(line)
        if d.get("cluster"):
            clusters.setdefault(d["cluster"], []).append(index[d["id"]])
    return [p for members in clusters.values() for p in itertools.combinations(sorted(members), 2)]


def chance(bands, rows, s=0.8):
    return 1 - (1 - s ** rows) ** bands


premade = [shingles(r["text"]) for r in docs]
pretokenized = [" ".join(tokens(r["text"])) for r in docs]
rows = []
base = None
for label, threads, seconds, decisions in zip(*[iter(REFRAIN_ROWS)] * 4):
    seconds = float(seconds)
    base = base or seconds
    p, r = score(refrain_pairs(decisions))
    rows.append((label, threads, f"{seconds:.2f}", "", p, r))
for name, run, threads, ready in [
    ("datasketch", datasketch, "1", premade),
    ("rensa", rensa, "1", premade),
    ("gaoya (par_bulk)", gaoya, "2", pretokenized),
]:
    total, pairs = median_run(run, None)
    index_only = f"{median_run(run, ready)[0]:.2f}"
    p, r = score(pairs)
    rows.append((name, threads, f"{total:.2f}", index_only, p, r))

print(f"LSH {BANDS} bands x {ROWS} rows for every tool: a pair at Jaccard 0.8 is a "
      f"candidate with probability {chance(BANDS, ROWS):.3f}")
print("| tool | threads | total (s) | without shingling (s) | total / refrain | pair precision | pair recall |")
print("|---|---|---|---|---|---|---|")
for name, threads, total, index_only, p, r in rows:
    ratio = float(total) / base
    print(f"| {name} | {threads} | {total} | {index_only or '-'} | {ratio:.1f} | {p:.4f} | {r:.4f} |")
print(f"({len(docs)} documents; {len(positives)} planted pairs with reference Jaccard >= 0.8; "
      f"medians of {RUNS} runs)")
