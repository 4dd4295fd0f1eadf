"""Full unweighted UniFrac matrix on the real oral data: aam_nb vs scikit-bio vs Striped UniFrac (`ssu`).

What it measures
----------------
* ours:  `aam_nb.unifrac.unifrac_matrix(table, tree, 'unweighted')` on all samples (table and tree already loaded;
         best of --repeats wall-clock runs, all listed in `seconds_runs`). Reported as `seconds`; `load_seconds` is
         the one-off load of both files.
* skbio: `skbio.diversity.beta_diversity('unweighted_unifrac', ...)` (scikit-bio's defaults, validation included),
         timed once, on --skbio-samples samples (default: all). A full run takes ~400 s on 2 cores, so a quick run
         can use a random subset (drawn with --seed); ours is then also timed on that subset (`seconds_subset`)
         so that `vs_skbio` = skbio_seconds / ours on the same samples. `max_abs_diff` compares the two there.
* ssu:   `ssu -i TABLE -t TREE -m METHOD -o out.tsv` (Striped UniFrac from the `unifrac-tools` package) as a
         subprocess on the original BIOM file, best of --repeats. Its wall time therefore includes reading the
         BIOM table and tree and writing a ~120 MB ASCII matrix. `vs_ssu` = ssu_seconds / seconds.
         Note: ssu's plain `unweighted` method computes in float32 (ours and scikit-bio use float64);
         pass `--ssu-method unweighted_fp64` for a float64 ssu run. If ssu is not on PATH, `ssu_seconds` is null
         and `ssu_note` says why.

Run from the repository root:

    python bench/unifrac.py --skbio-samples 300   # quick (~1 min)
    python bench/unifrac.py                       # full (~7+ min, dominated by scikit-bio)

Prints exactly one JSON line on stdout; progress goes to stderr.
"""
from __future__ import annotations
import argparse, json, os, shutil, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np


def log(*a): print(*a, file=sys.stderr, flush=True)


def default_paths():
    from aam_nb.data import find_real_data
    p = find_real_data('oral_age')
    return Path(p['table']), Path(p['tree'])


def timed(fn, repeats):
    "(wall-clock seconds of each of `repeats` calls, last result)."
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter(); out = fn(); times.append(round(time.perf_counter() - t0, 3))
    return times, out


def max_abs_diff(a, b) -> float:
    "Largest |a - b| over two DistanceMatrix objects with the same IDs (b reordered to a's order)."
    if set(a.ids) != set(b.ids): raise ValueError(f"sample IDs differ ({len(a.ids)} vs {len(b.ids)} samples)")
    return float(np.abs(a.data - b.filter(a.ids).data).max())


def run_ssu(table, tree, method, repeats):
    "Time ssu on the BIOM file; returns (seconds, DistanceMatrix, threads, note)."
    from skbio import DistanceMatrix
    exe = shutil.which('ssu')
    if exe is None: return None, None, None, 'ssu not found on PATH (apt-get install unifrac-tools)'
    threads = int(os.environ.get('OMP_NUM_THREADS') or len(os.sched_getaffinity(0)))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)/'ssu.tsv'
        cmd = [exe, '-i', str(table), '-t', str(tree), '-m', method, '-o', str(out)]
        def once():
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode: raise RuntimeError(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr.strip()[-500:]}")
        try: secs = min(timed(once, repeats)[0])
        except Exception as e: return None, None, threads, f'ssu failed: {e}'
        dm = DistanceMatrix.read(str(out))
    note = f"ssu -m {method}, {threads} OpenMP threads; time includes reading BIOM/tree and writing the ASCII matrix"
    return secs, dm, threads, note


def main():
    table_default, tree_default = default_paths()
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--table', type=Path, default=table_default)
    ap.add_argument('--tree', type=Path, default=tree_default)
    ap.add_argument('--skbio-samples', type=int, default=None, help='samples for scikit-bio (default: all)')
    ap.add_argument('--repeats', type=int, default=3, help='timed runs of ours and of ssu (best is reported)')
    ap.add_argument('--ssu-method', default='unweighted', help="ssu -m (default 'unweighted', float32)")
    ap.add_argument('--seed', type=int, default=0, help='seed of the scikit-bio sample subset')
    args = ap.parse_args()
    for p in (args.table, args.tree):
        if not p.exists(): sys.exit(f"{p}: not found (pass --table/--tree)")

    load_avg_start = os.getloadavg()[0]
    import torch
    from skbio.diversity import beta_diversity
    from aam_nb.data import load_table, load_tree
    from aam_nb.unifrac import unifrac_matrix

    t0 = time.perf_counter()
    table = load_table(args.table); tree = load_tree(args.tree, table.feature_ids)
    load_s = time.perf_counter() - t0
    n, f = table.shape
    log(f"{table}; loaded with the tree in {load_s:.1f} s; torch threads {torch.get_num_threads()}")

    runs, ours = timed(lambda: unifrac_matrix(table, tree, 'unweighted'), args.repeats)
    seconds = min(runs)
    log(f"ours, {n} samples: {seconds:.2f} s (best of {runs})")

    k = n if args.skbio_samples is None else min(args.skbio_samples, n)
    if k < n:
        ids = table.sample_ids[np.sort(np.random.default_rng(args.seed).choice(n, k, replace=False))]
        sub = table.subset(ids)
        runs_sub, ours_sub = timed(lambda: unifrac_matrix(sub, tree, 'unweighted'), args.repeats)
        seconds_sub = min(runs_sub)
        log(f"ours, {k} samples: {seconds_sub:.2f} s")
    else:
        sub, seconds_sub, ours_sub = table, seconds, ours

    log(f"scikit-bio on {k} samples ...")
    counts = np.rint(sub.counts.toarray()).astype(np.int64)
    t0 = time.perf_counter()
    sk = beta_diversity('unweighted_unifrac', counts, ids=list(map(str, sub.sample_ids)),
                        taxa=list(sub.feature_ids), tree=tree)
    skbio_s = time.perf_counter() - t0
    diff = max_abs_diff(ours_sub, sk)
    log(f"scikit-bio: {skbio_s:.1f} s, max |ours - skbio| = {diff:.3g}")

    ssu_s, ssu_dm, ssu_threads, ssu_note = run_ssu(args.table, args.tree, args.ssu_method, args.repeats)
    diff_ssu = None if ssu_dm is None else max_abs_diff(ours, ssu_dm)
    log(f"ssu: {ssu_s} s, max |ours - ssu| = {diff_ssu}; {ssu_note}")

    print(json.dumps(dict(
        seconds=seconds, seconds_samples=n, seconds_runs=runs, load_seconds=round(load_s, 3),
        seconds_subset=seconds_sub, skbio_seconds=round(skbio_s, 3), skbio_samples=k,
        vs_skbio=round(skbio_s / seconds_sub, 2), max_abs_diff=diff,
        ssu_seconds=None if ssu_s is None else round(ssu_s, 3), ssu_samples=None if ssu_s is None else n,
        vs_ssu=None if ssu_s is None else round(ssu_s / seconds, 3), max_abs_diff_ssu=diff_ssu,
        ssu_method=args.ssu_method, ssu_threads=ssu_threads, ssu_note=ssu_note,
        n_samples=n, n_features=f, threads=torch.get_num_threads(), repeats=args.repeats, seed=args.seed,
        load_avg_1min=[round(load_avg_start, 2), round(os.getloadavg()[0], 2)],  # start, end: other CPU users skew times
        table=str(args.table), tree=str(args.tree))))


if __name__ == '__main__':
    main()
