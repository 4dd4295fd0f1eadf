"""Data-parallel scaling on this machine: stage-1 training samples/s of 1 process vs N processes under torchrun.

What it measures
----------------
The library's own training epoch (`make_loader` with its `ShardedSampler`, `wrap_model` = DistributedDataParallel
under torchrun, `train_epoch` with per-batch seeds, gloo on CPU) for the bench model of `bench/throughput.py`
(oral data, D128/H4/L2+2, max_bp 100, batch 8 per process) over the same `--batches` batches of the same seeded
order: one process takes all of them (with `grad_accum` N, so both runs take the same optimizer steps on the same
micro-batches), N processes under `torchrun --nproc_per_node N` take every N-th each. One warm-up epoch of N
batches first, untimed. Samples/s = samples of the timed epoch / its wall time (the slowest rank's, all ranks
start together after a barrier). Each process uses `--threads` torch threads (default 1). As a check, both runs
report the epoch's training loss: they take the same steps on the same micro-batches, so it agrees to ~1e-5.

    python bench/scaling.py                   # 1 vs 2 processes, 16 batches of 8, float32
    python bench/scaling.py --nproc 2 --bf16

Prints one JSON line on stdout (samples_per_s per process count, speedup, loadavg, ...); progress to stderr.
"""
from __future__ import annotations
import argparse, json, os, socket, subprocess, sys, time
from pathlib import Path


def worker(args):
    import numpy as np, torch
    import aam_nb
    from aam_nb.data import load_table, load_tree
    from aam_nb.dataset import MicrobiomeDataset
    from aam_nb.unifrac import TreeMatrices, BatchUniFrac
    from aam_nb.models import EncoderConfig, SequenceEncoder
    from aam_nb.loop import Objective, train_epoch
    from aam_nb.runtime import make_loader
    from aam_nb.runtime import init_distributed, wrap_model, world_size, rank, barrier, bound_onednn_cache
    sys.path.insert(0, str(Path(__file__).parent)); from throughput import real_data_paths
    torch.set_num_threads(args.threads)
    if args.bf16: bound_onednn_cache()
    init_distributed(); N = world_size()
    p = real_data_paths(); oral = load_table(p['table'])
    tm = TreeMatrices(load_tree(p['tree'], oral.feature_ids), oral.feature_ids)
    n = args.batches * args.batch_size
    keep = np.random.default_rng(0).permutation(oral.shape[0])[:n]
    ds = MicrobiomeDataset(oral.subset([oral.sample_ids[i] for i in keep]), max_bp=100, token_limit=256, unifrac=BatchUniFrac(tm))
    cfg = EncoderConfig(max_bp=100, token_limit=256, embedding_dim=128, heads=4, asv_layers=2, sample_layers=2)
    torch.manual_seed(0); model = SequenceEncoder(cfg)
    net = wrap_model(model, 'cpu')
    opt = torch.optim.AdamW([q for q in model.parameters() if q.requires_grad], lr=1e-4)
    obj = Objective({'unifrac': 1.0, 'nucleotide': 1.0}, mask_train=True)
    accum = args.nproc if N == 1 else 1
    dl = make_loader(ds, args.batch_size, True, seed=0)
    # warm-up: one optimizer step on the same nproc batches in both runs (so the timed epochs start from the same weights)
    train_epoch(net, make_loader(_Head(ds, args.nproc * args.batch_size), args.batch_size, True, seed=1), opt, obj, grad_accum=accum,
                seed=1, bf16=args.bf16)
    barrier(); t = time.perf_counter()
    losses, steps = train_epoch(net, dl, opt, obj, grad_accum=accum, seed=0, bf16=args.bf16)
    barrier(); dt = time.perf_counter() - t
    if rank() == 0:
        print(json.dumps({'processes': N, 'samples': n, 'seconds': dt, 'samples_per_s': n / dt, 'optimizer_steps': steps,
                          'train_total': losses['total'], 'aam_nb': aam_nb.__file__}), flush=True)


class _Head:
    "The first `n` samples of a dataset (keeps its collate)."
    def __init__(self, ds, n): self.ds, self.n = ds, n
    def __len__(self): return self.n
    def __getitem__(self, i): return self.ds[i]
    def collate(self, items): return self.ds.collate(items)


def _free_port():
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--nproc', type=int, default=2, help='processes of the parallel run')
    ap.add_argument('--batches', type=int, default=16, help='batches in the timed epoch (all processes together)')
    ap.add_argument('--batch-size', type=int, default=8, help='samples per batch, per process')
    ap.add_argument('--threads', type=int, default=1, help='torch threads per process')
    ap.add_argument('--bf16', action='store_true', help='bf16 autocast')
    ap.add_argument('--worker', action='store_true', help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker: return worker(args)
    load0 = os.getloadavg(); t0 = time.perf_counter()
    me = [str(Path(__file__).resolve()), '--worker'] + [a for a in sys.argv[1:]]
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), CUDA_VISIBLE_DEVICES='')
    runs = {}
    for n in (1, args.nproc):
        cmd = [sys.executable] + me if n == 1 else [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node', str(n),
                                                   '--master_addr', '127.0.0.1', '--master_port', str(_free_port())] + me
        print(f"running {n} process(es): {' '.join(cmd)}", file=sys.stderr, flush=True)
        r = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if r.returncode: sys.exit(r.stderr[-3000:])
        runs[n] = json.loads([l for l in r.stdout.splitlines() if l.startswith('{')][-1])
    one, par = runs[1], runs[args.nproc]
    print(json.dumps({'samples_per_s_1proc': round(one['samples_per_s'], 3), f'samples_per_s_{args.nproc}proc': round(par['samples_per_s'], 3),
                      'speedup': round(par['samples_per_s'] / one['samples_per_s'], 3),
                      'train_total_1proc': one['train_total'], f'train_total_{args.nproc}proc': par['train_total'],
                      'optimizer_steps': [one['optimizer_steps'], par['optimizer_steps']], 'samples': one['samples'],
                      'threads_per_process': args.threads, 'bf16': args.bf16, 'backend': 'gloo', 'cpu_count': os.cpu_count(),
                      'loadavg_start': [round(x, 2) for x in load0], 'loadavg_end': [round(x, 2) for x in os.getloadavg()],
                      'aam_nb': one['aam_nb'], 'wall_s': round(time.perf_counter() - t0, 1)}), flush=True)


if __name__ == '__main__':
    main()
