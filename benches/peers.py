"""Side-by-side: datasketch and rensa on the corpus refrain deduplicated.

Run by benches/peers.sh. Each peer reads the same JSONL, tokenizes the same
way refrain's reference does (Han characters one by one, other letters and
digits in runs, lowercase), builds word/character 5-gram shingles, 128
permutations, LSH at threshold 0.8, and keeps the candidate pairs whose
estimated Jaccard is at least 0.8. Pairs are scored against the planted
truth: positives are planted reprint pairs whose reference Jaccard (planted
boilerplate excluded) is at least 0.8.
"""
import itertools
import json
import sys
import time

CORPUS, TRUTH, DECISIONS = sys.argv[1], sys.argv[2], sys.argv[3]


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


def score(pairs):
    pairs = {tuple(sorted(p)) for p in pairs}
    tp = len(pairs & planted)
    precision = tp / len(pairs) if pairs else 1.0
    recall = len(pairs & positives) / len(positives)
    return precision, recall


def run_peer(make_minhash, make_lsh, add):
    """Reads, shingles, signs and indexes every document, keeping each LSH
    candidate pair whose estimated Jaccard is at least 0.8."""
    start = time.perf_counter()
    rows = load()
    lsh = make_lsh()
    sigs, pairs = [], []
    for i, row in enumerate(rows):
        m = make_minhash()
        add(m, shingles(row["text"]))
        for j in lsh.query(m):
            if sigs[j].jaccard(m) >= 0.8:
                pairs.append((j, i))
        lsh.insert(i, m)
        sigs.append(m)
    return time.perf_counter() - start, pairs


def run_datasketch():
    from datasketch import MinHash, MinHashLSH
    return run_peer(
        lambda: MinHash(num_perm=128, seed=1),
        lambda: MinHashLSH(threshold=0.8, num_perm=128),
        lambda m, s: m.update_batch([x.encode() for x in s]),
    )


def run_rensa():
    from rensa import RMinHash, RMinHashLSH
    return run_peer(
        lambda: RMinHash(num_perm=128, seed=1),
        lambda: RMinHashLSH(threshold=0.8, num_perm=128, num_bands=16),
        lambda m, s: m.update(list(s)),
    )


def refrain_pairs():
    index = {row["id"]: i for i, row in enumerate(docs)}
    clusters = {}
    for line in open(DECISIONS):
        d = json.loads(line)
        if d["cluster"]:
            clusters.setdefault(d["cluster"], []).append(index[d["id"]])
    return [p for members in clusters.values() for p in itertools.combinations(sorted(members), 2)]


refrain_seconds = float(sys.argv[4])
rp, rr = score(refrain_pairs())
print(f"| tool | wall time (s) | time / refrain | pair precision | pair recall |")
print(f"|---|---|---|---|---|")
print(f"| refrain dedup | {refrain_seconds:.2f} | 1.0 | {rp:.4f} | {rr:.4f} |")
for name, run in [("datasketch", run_datasketch), ("rensa", run_rensa)]:
    seconds, pairs = run()
    p, r = score(pairs)
    print(f"| {name} | {seconds:.2f} | {seconds / refrain_seconds:.1f} | {p:.4f} | {r:.4f} |")
print(f"({len(docs)} documents; {len(positives)} planted pairs with reference Jaccard >= 0.8)")
