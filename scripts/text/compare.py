#!/usr/bin/env python3
"""Score SnowNLP (Chinese) and VADER (English) on the dev splits dumped by
`credence-eval-text --dump-splits DIR` and print one table with our figures.

usage: compare.py SPLITS_DIR OURS_JSON
"""
import json
import sys
import time


def read_split(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f.read().split("\n"):  # not splitlines(): texts may hold U+0085
            if not line:
                continue
            label, text = line.split("\t", 1)
            rows.append((label == "1", text))
    return rows


def scores(probs, labels):
    tp = sum(p >= 0.5 and y for p, y in zip(probs, labels))
    tn = sum(p < 0.5 and not y for p, y in zip(probs, labels))
    fp = sum(p >= 0.5 and not y for p, y in zip(probs, labels))
    fn = sum(p < 0.5 and y for p, y in zip(probs, labels))
    f1 = lambda t, a, b: 0.0 if t == 0 else 2 * t / (2 * t + a + b)
    return (tp + tn) / len(labels), (f1(tp, fp, fn) + f1(tn, fn, fp)) / 2


def run(name, rows, predict):
    texts = [t for _, t in rows]
    labels = [y for y, _ in rows]
    start = time.thread_time()  # CPU time, like our eval: "texts/s on one core"
    probs = [predict(t) for t in texts]
    elapsed = time.thread_time() - start
    acc, f1 = scores(probs, labels)
    return name, len(rows), acc, f1, len(rows) / elapsed


def main():
    splits, ours_path = sys.argv[1], sys.argv[2]
    with open(ours_path, encoding="utf-8") as f:
        ours = json.load(f)
    from snownlp import SnowNLP
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    vader = SentimentIntensityAnalyzer()
    # VADER's documented rule: compound >= 0.05 is positive. Mapped to a "probability"
    # so that >= 0.5 means positive.
    vader_p = lambda t: 1.0 if vader.polarity_scores(t)["compound"] >= 0.05 else 0.0
    snow_p = lambda t: SnowNLP(t).sentiments

    sets = [
        ("ChnSentiCorp dev", "csc_dev.tsv", "SnowNLP 0.12.3", snow_p, 0),
        ("waimai held-out", "waimai_heldout.tsv", "SnowNLP 0.12.3", snow_p, 1),
        ("IMDb sentences", "imdb.tsv", "VADER 3.3.2", vader_p, 2),
    ]
    print(f"| {'set':<17} | {'system':<34} | {'n':>5} | {'accuracy':>8} | {'macro-F1':>8} | {'texts/s':>9} | {'analyze/s':>9} |")
    print(f"|{'-' * 19}|{'-' * 36}|{'-' * 7}|{'-' * 10}|{'-' * 10}|{'-' * 11}|{'-' * 11}|")
    for label, file, system, predict, k in sets:
        rows = read_split(f"{splits}/{file}")
        o = ours["sets"][k]
        name = "credence-text" + (" (10-fold CV)" if k == 2 else "")
        print(f"| {label:<17} | {name:<34} | {o['n']:>5} | {o['accuracy']:>8.4f} | {o['macro_f1']:>8.4f} | {o['sentiment_texts_per_s']:>9.0f} | {o['analyze_texts_per_s']:>9.0f} |")
        if k == 2:
            t = ours["imdb_amazon_only"]
            print(f"| {label:<17} | {'credence-text, Amazon-only model':<34} | {o['n']:>5} | {t['accuracy']:>8.4f} | {t['macro_f1']:>8.4f} | {'':>9} | {'':>9} |")
        _, n, acc, f1, tps = run(system, rows, predict)
        print(f"| {label:<17} | {system:<34} | {n:>5} | {acc:>8.4f} | {f1:>8.4f} | {tps:>9.0f} | {'':>9} |")
    rows = read_split(f"{splits}/amazon.tsv")
    t = ours["amazon_imdb_only"]
    label = "Amazon sentences"
    print(f"| {label:<17} | {'credence-text, IMDb-only model':<34} | {len(rows):>5} | {t['accuracy']:>8.4f} | {t['macro_f1']:>8.4f} | {'':>9} | {'':>9} |")
    _, n, acc, f1, tps = run("VADER 3.3.2", rows, vader_p)
    print(f"| {label:<17} | {'VADER 3.3.2':<34} | {n:>5} | {acc:>8.4f} | {f1:>8.4f} | {tps:>9.0f} | {'':>9} |")
    print()
    print("texts/s: per second of one thread's CPU time, sentiment only; analyze/s: credence-text's full analyze (language, sentiment, jieba, aspects)")


if __name__ == "__main__":
    main()
