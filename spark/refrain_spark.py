#!/usr/bin/env python3
"""refrain's deduplication as an Apache Spark job.

The same decisions as `refrain dedup`, for archives larger than one
machine. refrain itself fingerprints the documents (`refrain sign`, piped
per partition, so normalization, tokenization, shingles and MinHash are
the binary's own); Spark does what grows with the corpus: grouping by LSH
band key, joining candidate pairs with their sets, connected components
(large-star/small-star), gathering the documents a passage's verdict looks
at. Every rule is the binary's own, asked through `refrain rules`, none is
written here: the candidate pairs of a bucket, whether a pair is similar,
how a component splits around representatives, whether a passage is story
text or boilerplate, where a document's closing run starts, which
paragraphs leave fingerprints, which member a cluster keeps.
`spark/test_refrain_spark.sh` checks that the output equals `refrain
dedup`'s, line for line.

    spark-submit --master yarn --files target/release/refrain \\
        spark/refrain_spark.py --refrain refrain --output hdfs:///dedup/decisions \\
        hdfs:///archive/2026-*.jsonl

Inputs are JSONL files (or Parquet with --format parquet) on any
Hadoop-compatible path, in the order given; `source` in the output is the
path as given and `line` the record's line (Parquet: row) number.
"""

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from operator import add

from pyspark import SparkFiles
from pyspark.sql import SparkSession

class P:
    """Partitions of every shuffle (set from --partitions): explicit, so
    unions and joins do not multiply them into thousands of tiny tasks."""

    n = 2
EXCLUDE_FIELD = "__refrain_exclude__"


STARTED = time.time()


def note(what):
    """A progress line on the driver's stderr, with the seconds so far."""
    print("refrain-spark: %6.1f s  %s" % (time.time() - STARTED, what), file=sys.stderr)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("inputs", nargs="+", help="JSONL (or Parquet) paths, in order")
    parser.add_argument("--output", required=True, help="directory for the decision lines")
    parser.add_argument("--refrain", default="refrain",
                        help="the refrain binary: a path, or a name shipped with --files")
    parser.add_argument("--format", choices=["jsonl", "parquet"], default="jsonl")
    parser.add_argument("--keep", default="first", help="first, longest or field:NAME")
    parser.add_argument("--threshold", type=float, default=0.8)
    parser.add_argument("--passage-threshold", type=float, default=0.8)
    parser.add_argument("--containment", default="0.8",
                        help="containment that joins a shortened or extended reprint, or off")
    parser.add_argument("--min-docs", type=int, default=3)
    parser.add_argument("--min-passage-tokens", type=int, default=2)
    parser.add_argument("--shingle-size", type=int, default=5)
    parser.add_argument("--num-perm", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0x5EED)
    parser.add_argument("--text-field", default="text")
    parser.add_argument("--id-field", default="id")
    parser.add_argument("--partitions", type=int, default=0,
                        help="partitions for the shuffles (default: Spark's parallelism)")
    return parser.parse_args(argv)


# ---------------------------------------------------------------- signing


def refrain_binary(name):
    return name if os.path.exists(name) else SparkFiles.get(os.path.basename(name))


def sign_flags(args):
    return [
        "--input-format", "jsonl", "-q", "--threads", "1",
        "--shingle-size", str(args.shingle_size), "--num-perm", str(args.num_perm),
        "--min-passage-tokens", str(args.min_passage_tokens),
        "--seed", str(args.seed), "--threshold", str(args.threshold),
        "--passage-threshold", str(args.passage_threshold),
        "--text-field", args.text_field, "--id-field", args.id_field,
    ]


def rule_flags(args):
    return ["-q", "--threads", "1", "--min-docs", str(args.min_docs),
            "--min-passage-tokens", str(args.min_passage_tokens), "--keep", args.keep,
            "--threshold", str(args.threshold), "--containment", args.containment]


def ask_rules(args, requests):
    """Answers of `refrain rules` to `requests` (dicts), in order."""
    command = [refrain_binary(args.refrain), "rules"] + rule_flags(args)
    answers = [answer for _, answer in
               pipe_through_refrain(command, requests, json.dumps, strict=True)]
    if len(answers) != len(requests):
        raise RuntimeError("refrain rules answered %d of %d requests"
                           % (len(answers), len(requests)))
    return answers


def pipe_through_refrain(command, rows, line_of, strict=False):
    """Feeds the partition's lines to `command` and pairs each output line
    with the row it came from (refrain names its input line; rows whose
    line was no document, such as a malformed record, give nothing; with
    `strict`, every row must be answered and the exit status be 0)."""
    rows = list(rows)
    if not rows:
        return
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def feed():
        for row in rows:
            proc.stdin.write(line_of(row).encode("utf-8") + b"\n")
        proc.stdin.close()

    feeder = threading.Thread(target=feed)
    feeder.start()
    for out in proc.stdout:
        signed = json.loads(out)
        yield rows[signed["line"] - 1], signed
    feeder.join()
    allowed = (0,) if strict else (0, 2)  # 2: some records were bad and skipped
    if proc.wait() not in allowed:
        raise RuntimeError("%s exited with %d" % (" ".join(command[:2]), proc.returncode))


def document_id(signed, source, line):
    # refrain names a record without an id "<stdin>:N" when reading a pipe;
    # the archive calls it by its file and line, as `refrain dedup` does.
    if signed["id"] == "<stdin>:%d" % signed["line"]:
        return "%s:%d" % (source, line)
    return signed["id"]


def field_value(text, field):
    try:
        record = json.loads(text)
    except ValueError:
        return None
    return record.get(field) if isinstance(record, dict) else None


# ------------------------------------------------------------ clustering


def ask_each(args, rdd, request_of):
    """(row, answer) for each row of `rdd`: `refrain rules` answers
    `request_of(row)`, one process per partition."""
    def run(rows):
        command = [refrain_binary(args.refrain), "rules"] + rule_flags(args)
        return pipe_through_refrain(command, rows, lambda row: json.dumps(request_of(row)),
                                    strict=True)
    return rdd.mapPartitions(run)


def candidate_pairs(args, bands_of_form):
    """(form, [band key, ...]) -> distinct candidate pairs (a < b), each
    bucket's pairs made by `refrain rules` as the engine makes them."""
    buckets = (bands_of_form
               .flatMap(lambda fb: [(key, fb[0]) for key in fb[1]])
               .groupByKey(P.n)
               .map(lambda kv: sorted(set(kv[1])))
               .filter(lambda items: len(items) > 1))
    return (ask_each(args, buckets, lambda items: {"bucket": items})
            .flatMap(lambda r: [tuple(pair) for pair in r[1]["pairs"]])
            .distinct(P.n))


def verified_pairs(args, candidates, sets, threshold):
    """Candidate pairs that `refrain rules` finds similar on their sets."""
    with_sets = (candidates
                 .join(sets, P.n)
                 .map(lambda r: (r[1][0], (r[0], r[1][1])))
                 .join(sets, P.n))                           # b -> ((a, set a), set b)
    return (ask_each(args, with_sets, lambda r: {"similar": {
                "threshold": threshold, "a": r[1][0][1], "b": r[1][1]}})
            .filter(lambda r: r[1]["similar"])
            .map(lambda r: (r[0][1][0][0], r[0][0])))


def connected_components(edges):
    """Large-star / small-star (Kiveris et al. 2014): (node, smallest node
    of its component) for every node on an edge. Edges are kept as
    (larger, smaller); each round ends with stars around the smallest
    nodes, and the rounds stop when a round changes nothing."""
    edges = edges.map(lambda e: (max(e), min(e))).filter(lambda e: e[0] != e[1]).distinct(P.n).cache()

    def large_star(kv):
        u, neighbours = kv
        m = min(min(neighbours), u)
        return [(v, m) for v in neighbours if v > u]

    def small_star(kv):
        u, smaller = kv
        m = min(smaller)
        return [(max(v, m), min(v, m)) for v in list(smaller) + [u] if v != m]

    while True:
        small = (edges.flatMap(lambda e: [e, (e[1], e[0])])
                 .groupByKey(P.n).flatMap(large_star)
                 .map(lambda e: (max(e), min(e)))
                 .groupByKey(P.n).flatMap(small_star)
                 .distinct(P.n).cache())
        converged = small.subtract(edges, P.n).isEmpty() and edges.subtract(small, P.n).isEmpty()
        edges.unpersist()
        edges = small
        if converged:
            break
    roots = edges.map(lambda e: (e[1], e[1])).distinct(P.n)
    return edges.union(roots).coalesce(P.n)


def join_by_containment(args, item_forms, sets, grouped, sharing, threshold):
    """`grouped` (form -> (representative, shared, union)) with shortened
    and extended reprints joined, as `containment.rs` joins them: the forms
    sharing a passage (`sharing`: lists of items) are the candidates,
    `refrain rules` pairs them and verifies each pair not already in one
    cluster, and every component a verified pair touches is split again
    around its fullest forms."""
    groups = (sharing.zipWithIndex()
              .flatMap(lambda r: [(item, r[1]) for item in r[0]])
              .join(item_forms, P.n)                                # item -> (passage, form)
              .map(lambda r: r[1])
              .groupByKey(P.n)
              .map(lambda kv: sorted(set(kv[1])))
              .filter(lambda forms: len(forms) > 1))
    pairs = (ask_each(args, groups, lambda forms: {"sharing": forms})
             .flatMap(lambda r: [tuple(pair) for pair in r[1]["pairs"]])
             .distinct(P.n))
    rep_of = grouped.map(lambda r: (r[0], r[1][0]))
    apart = (pairs.leftOuterJoin(rep_of, P.n)
             .map(lambda r: (r[1][0], (r[0], r[1][1])))             # b -> (a, rep of a)
             .leftOuterJoin(rep_of, P.n)
             .filter(lambda r: r[1][0][1] is None or r[1][0][1] != r[1][1])
             .map(lambda r: (r[1][0][0], r[0])))
    with_sets = (apart.join(sets, P.n)
                 .map(lambda r: (r[1][0], (r[0], r[1][1])))
                 .join(sets, P.n))                                  # b -> ((a, set a), set b)
    related = (ask_each(args, with_sets, lambda r: {"related": {"a": r[1][0][1], "b": r[1][1]}})
               .filter(lambda r: r[1]["related"])
               .map(lambda r: (r[0][1][0][0], r[0][0]))
               .cache())
    if related.isEmpty():
        return grouped
    edges = grouped.filter(lambda r: r[0] != r[1][0]).map(lambda r: (r[0], r[1][0])).union(related)
    component = connected_components(edges).cache()                 # form -> root
    touched_roots = (related.map(lambda e: (e[0], 1)).join(component, P.n)
                     .map(lambda r: (r[1][1], 1)).distinct(P.n))
    touched = (component.map(lambda r: (r[1], r[0])).join(touched_roots, P.n)
               .map(lambda r: (r[1][0], r[0])).cache())             # form -> root
    regroup = (touched.join(sets, P.n)
               .map(lambda r: (r[1][0], (r[0], r[1][1])))
               .groupByKey(P.n)
               .map(lambda kv: sorted(kv[1])))
    resplit = (ask_each(args, regroup, lambda forms: {"split": {
                   "threshold": threshold, "fullest": True, "forms": forms}})
               .flatMap(lambda r: [(form, (members[0][0], shared, union))
                                   for members in r[1]["clusters"]
                                   for form, shared, union in members]))
    return grouped.subtractByKey(touched, P.n).union(resplit).cache()


def representative_first(members, representative):
    """`members` ((item, form, shared, union), items ascending) as
    (item, shared, union) with the representative form's first item moved
    to the front."""
    at = next(i for i, m in enumerate(members) if m[1] == representative)
    ordered = [members[at]] + members[:at] + members[at + 1:]
    return [(item, shared, union) for item, _, shared, union in ordered]


def cluster(args, items, form_key, form_sets, form_bands, threshold, sharing=None):
    """Near-duplicate clusters of `items` ((item, key) with orderable items).

    Items with the same key are one form; forms are numbered by their first
    item; candidates come from the forms' band keys and are verified on
    their sets; components are split around representatives; a form of
    several items that joined no other is a cluster of its own. With
    `sharing` (lists of items that share a passage), reprints are joined
    by containment too. Returns clusters ordered by representative, each a
    list of (item, shared, union) with the representative's overlap,
    representative first and the rest ascending.
    """
    firsts = items.map(lambda it: (form_key(it), it[0])).reduceByKey(min, P.n)
    numbered = (firsts.sortBy(lambda kv: kv[1], numPartitions=P.n).zipWithIndex()
                .map(lambda r: (r[0][0], r[1])).cache())            # key -> form
    sets = form_sets.join(numbered, P.n).map(lambda r: (r[1][1], r[1][0])).cache()
    bands = form_bands.join(numbered, P.n).map(lambda r: (r[1][1], r[1][0]))
    verified = verified_pairs(args, candidate_pairs(args, bands), sets, threshold).cache()
    component = connected_components(verified)                       # form -> root
    components = (component.map(lambda r: (r[0], r[1])).join(sets, P.n)
                  .map(lambda r: (r[1][0], (r[0], r[1][1])))
                  .groupByKey(P.n)
                  .map(lambda kv: sorted(kv[1])))
    # `refrain rules` splits each component around representatives.
    grouped = (ask_each(args, components, lambda forms: {"split": {
                   "threshold": threshold, "forms": forms}})
               .flatMap(lambda r: [(form, (members[0][0], shared, union))
                                   for members in r[1]["clusters"]
                                   for form, shared, union in members])
               .cache())
    item_forms = (items.map(lambda it: (form_key(it), it[0])).join(numbered, P.n)
                  .map(lambda r: (r[1][0], r[1][1])))                # item -> form
    if sharing is not None:
        grouped = join_by_containment(args, item_forms, sets, grouped, sharing, threshold)
    items_per_form = (items.map(lambda it: (form_key(it), 1)).reduceByKey(add, P.n)
                      .join(numbered, P.n).map(lambda r: (r[1][1], r[1][0])))
    lone = (items_per_form.filter(lambda r: r[1] > 1)
            .subtractByKey(grouped, P.n)
            .join(sets, P.n)
            .map(lambda r: (r[0], (r[0], len(r[1][1]), len(r[1][1])))))
    membership = grouped.union(lone)                                   # form -> (rep, s, u)
    members = (item_forms.map(lambda r: (r[1], r[0]))                # form -> item
               .join(membership, P.n)
               .map(lambda r: (r[1][1][0], (r[1][0], r[0], r[1][1][1], r[1][1][2])))
               .groupByKey(P.n)
               .map(lambda kv: representative_first(sorted(kv[1]), kv[0]))
               .filter(lambda ms: len(ms) > 1))
    # Clusters are few next to items: sorted on the driver.
    return sorted(members.collect(), key=lambda ms: ms[0][0])


# ------------------------------------------------------------------ main


def main(argv):
    args = parse_args(argv)
    spark = SparkSession.builder.appName("refrain-dedup").getOrCreate()
    sc = spark.sparkContext
    sc.setLogLevel("WARN")
    partitions = args.partitions or sc.defaultParallelism
    P.n = partitions
    refrain = args.refrain
    flags = sign_flags(args)
    keep_field = args.keep[len("field:"):] if args.keep.startswith("field:") else None
    # The binary checks the rule flags (--keep ...) before any work is done.
    checked = subprocess.run([refrain_binary(refrain), "rules"] + rule_flags(args),
                             input=b"", stderr=subprocess.PIPE)
    if checked.returncode != 0:
        sys.exit(checked.stderr.decode("utf-8", "replace").strip())

    # Every record with its place: (order, source, line, text).
    rdds = []
    for f, path in enumerate(args.inputs):
        if args.format == "parquet":
            lines = spark.read.parquet(path).toJSON()
        else:
            lines = sc.textFile(path)
        rdds.append(lines.zipWithIndex().map(
            lambda r, f=f, path=path: ((f, r[1]), path, r[1] + 1, r[0])))
    records = sc.union(rdds).coalesce(partitions)

    # 1. refrain signs each partition's paragraphs.
    def sign_paragraphs(rows):
        command = [refrain_binary(refrain), "sign"] + flags
        for (order, source, line, text), signed in pipe_through_refrain(
                command, rows, lambda row: row[3]):
            yield order, {
                "source": source, "line": line, "text": text,
                "id": document_id(signed, source, line), "bytes": signed["bytes"],
                "field": field_value(text, keep_field) if keep_field else None,
                "paragraphs": signed["paragraphs"],
            }

    docs = (records.mapPartitions(sign_paragraphs)
            .sortByKey(numPartitions=P.n).zipWithIndex()
            .map(lambda r: (r[1], r[0][1])).cache())               # d -> document

    # 2. Passages: paragraphs long enough, clustered by form.
    paragraphs = docs.flatMap(lambda r: [
        ((r[0], p), para) for p, para in enumerate(r[1]["paragraphs"])]).cache()
    eligible = paragraphs.filter(lambda r: r[1]["passage"]).map(
        lambda r: (r[0], r[1]["key"])).cache()
    form_of = paragraphs.filter(lambda r: r[1]["key"] is not None)
    passage_clusters = cluster(
        args, eligible, lambda it: it[1],
        form_of.map(lambda r: (r[1]["key"], r[1]["shingles"])).reduceByKey(lambda a, b: a, P.n),
        form_of.map(lambda r: (r[1]["key"], r[1]["bands"])).reduceByKey(lambda a, b: a, P.n),
        args.passage_threshold)
    occurrences = [[item for item, _, _ in members] for members in passage_clusters]
    note("%d passage clusters" % len(occurrences))

    # 3. Verdicts, each asked of `refrain rules`: story text or not for
    #    each frequent cluster (from the documents its verdict looks at),
    #    kinds, closing runs, excluded paragraphs.
    cluster_of = sc.parallelize(
        [(item, c) for c, occ in enumerate(occurrences) for item in occ], partitions)
    stats = {}
    for c, occ in enumerate(occurrences):
        stats[c] = (len({d for d, _ in occ}), len(occ))
    stats_b = sc.broadcast(stats)
    # d -> per paragraph (cluster or None, tokens, shingles, marker or None)
    layouts = (paragraphs.leftOuterJoin(cluster_of, P.n)
               .map(lambda r: (r[0][0], (r[0][1], r[1][1], r[1][0]["tokens"],
                                         r[1][0]["shingles"], r[1][0].get("marker"))))
               .groupByKey(P.n)
               .mapValues(lambda ps: [(c, t, s, m)
                                      for _, c, t, s, m in sorted(ps, key=lambda x: x[0])])
               .cache())
    # Only frequent clusters need a verdict: the others' answer is empty.
    needed = ask_rules(args, [{"needed": {"documents": stats[c][0]}}
                              for c in range(len(occurrences))])
    frequent = [c for c, answer in enumerate(needed) if answer["needed"]]
    docs_of = {c: sorted({d for d, _ in occurrences[c]}) for c in frequent}
    docs_of_b = sc.broadcast(docs_of)
    wanted = sc.parallelize(
        [(docs_of[c][i], c) for c in frequent for i in needed[c]["needed"]], partitions)
    groups = (wanted.join(layouts, P.n)
              .map(lambda r: (r[1][0], (r[0], r[1][1])))
              .groupByKey(P.n))                                     # c -> [(d, layout)]

    def story_request(row):
        c, laid = row
        seen = {c}
        out = []
        for d, layout in sorted(laid):
            out.append([d, [{"cluster": k, "tokens": t, "shingles": s}
                            for k, t, s, _ in layout]])
            seen.update(k for k, _, _, _ in layout if k is not None)
        return {"story_text": {
            "cluster": c, "documents": docs_of_b.value[c], "layouts": out,
            "counts": [[k, {"documents": stats_b.value[k][0], "occurrences": stats_b.value[k][1]}]
                       for k in sorted(seen)]}}

    story = (ask_each(args, groups, story_request)
             .map(lambda r: (r[0][0], r[1]["story_text"])).collectAsMap())
    note("%d frequent passages judged" % len(story))
    if len(story) != len(frequent):
        raise RuntimeError("%d of %d frequent passages judged" % (len(story), len(frequent)))
    answers = ask_rules(args, [
        {"kind": {"documents": n_docs, "occurrences": n_occ, "story_text": story.get(c, False)}}
        for c, (n_docs, n_occ) in sorted(stats.items())])
    kinds = [answer["kind"] for answer in answers]
    reported = [answer["reported"] for answer in answers]
    kinds_b = sc.broadcast(kinds)

    def closing_request(row):
        return {"closing_start": [
            [kinds_b.value[c] if c is not None else None, t] for c, t, _, _ in row[1]]}

    runs = (ask_each(args, layouts, closing_request)
            .map(lambda r: (r[0][0], r[0][1], r[1]["closing_start"])).cache())
    closing = (runs.flatMap(lambda r: [(c, 1 if p >= r[2] else 0)
                                       for p, (c, _, _, _) in enumerate(r[1]) if c is not None])
               .reduceByKey(add, P.n).collectAsMap())
    note("closing runs found")
    candidates = [c for c in range(len(occurrences)) if reported[c]]
    excluded_clusters = [c for c, answer in zip(candidates, ask_rules(args, [
        {"excluded": {"kind": kinds[c], "closing": closing.get(c, 0),
                      "occurrences": stats[c][1]}} for c in candidates]))
        if answer["excluded"]]
    # Short paragraphs printed verbatim (by their marker key): an end
    # marker's prints are boilerplate, as `refrain rules` judges them.
    marker_prints = (runs.flatMap(lambda r: [(m, (r[0], p, p >= r[2]))
                                             for p, (_, _, _, m) in enumerate(r[1])
                                             if m is not None])
                     .groupByKey(P.n).mapValues(list)
                     .filter(lambda r: len(r[1]) > 1))
    end_marker_prints = (ask_each(args, marker_prints, lambda r: {"end_marker": {
                             "documents": len({d for d, _, _ in r[1]}),
                             "closing": sum(1 for _, _, c in r[1] if c),
                             "occurrences": len(r[1])}})
                         .filter(lambda r: r[1]["end_marker"])
                         .flatMap(lambda r: [(d, p) for d, p, _ in r[0][1]])
                         .collect())
    note("%d end-marker prints" % len(end_marker_prints))

    # Documents sharing a passage that stays in fingerprints, reported or
    # not, are the candidates of shortened and extended reprints.
    excluded_set = set(excluded_clusters)
    sharing_clusters = [c for c in range(len(occurrences)) if c not in excluded_set]
    excluded = {}
    for c in excluded_clusters:
        for d, p in occurrences[c]:
            excluded.setdefault(d, set()).add(p)
    for d, p in end_marker_prints:
        excluded.setdefault(d, set()).add(p)
    excluded = {d: sorted(ps) for d, ps in excluded.items()}
    excluded_b = sc.broadcast(excluded)

    # 4. refrain signs each document without its excluded paragraphs.
    def sign_documents(rows):
        command = [refrain_binary(refrain), "sign", "--documents",
                   "--exclude-field", EXCLUDE_FIELD] + flags

        def line_of(row):
            d, doc = row
            record = json.loads(doc["text"])
            record[EXCLUDE_FIELD] = excluded_b.value.get(d, [])
            return json.dumps(record)

        for (d, _), signed in pipe_through_refrain(command, rows, line_of):
            yield d, signed

    signed_docs = docs.mapPartitions(sign_documents).cache()
    with_key = signed_docs.filter(lambda r: r[1]["key"] is not None)
    document_clusters = cluster(
        args, with_key.map(lambda r: (r[0], r[1]["key"])), lambda it: it[1],
        with_key.map(lambda r: (r[1]["key"], r[1]["shingles"])).reduceByKey(lambda a, b: a, P.n),
        with_key.map(lambda r: (r[1]["key"], r[1]["bands"])).reduceByKey(lambda a, b: a, P.n),
        args.threshold,
        sharing=None if args.containment == "off" else sc.parallelize(
            [sorted({d for d, _ in occurrences[c]}) for c in sharing_clusters], partitions))
    note("%d document clusters" % len(document_clusters))
    # Members' sets and facts, for `refrain rules` to keep one of each
    # cluster and give the others' similarity with it.
    members_b = sc.broadcast({d for ms in document_clusters for d, _, _ in ms})
    doc_sets = (with_key.filter(lambda r: r[0] in members_b.value)
                .map(lambda r: (r[0], r[1]["shingles"])).collectAsMap())

    # 5. Decisions.
    meta = (docs.filter(lambda r: r[0] in members_b.value)
            .map(lambda r: (r[0], (r[1]["id"], r[1]["bytes"], r[1]["field"])))
            .collectAsMap())
    kept_answers = ask_rules(args, [
        {"keep": [{"bytes": meta[d][1], "field": meta[d][2], "shingles": doc_sets[d]}
                  for d, _, _ in members]}
        for members in document_clusters])
    verdicts = {}
    for c, (members, answer) in enumerate(zip(document_clusters, kept_answers)):
        kept = members[answer["kept"]][0]
        for (d, _, _), similarity, relation in zip(members, answer["similarities"],
                                                   answer["relations"]):
            verdicts[d] = ("d%d" % (c + 1), kept, meta[kept][0], similarity, relation)
    verdicts_b = sc.broadcast(verdicts)

    def decision(d, doc):
        cluster_id, kept, kept_id, similarity, relation = verdicts_b.value.get(
            d, (None, d, None, None, None))
        return json.dumps({
            "id": doc["id"], "source": doc["source"], "line": doc["line"],
            "cluster": cluster_id, "keep": kept == d,
            "representative": kept == d and cluster_id is not None,
            "duplicate_of": None if kept == d else kept_id,
            "similarity": similarity,
            "relation": relation,
            "boilerplate_paragraphs": excluded_b.value.get(d, []),
        }, ensure_ascii=False, separators=(",", ":"))

    (docs.sortByKey(numPartitions=P.n)
     .map(lambda r: decision(r[0], r[1]))
     .saveAsTextFile(args.output))
    total = docs.count()
    dropped = sum(1 for d, verdict in verdicts.items() if verdict[1] != d)
    print("refrain-spark: %d document(s): %d kept, %d dropped as near-duplicates"
          % (total, total - dropped, dropped), file=sys.stderr)
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
