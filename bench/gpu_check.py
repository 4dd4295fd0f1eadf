"""One command that proves aam_nb on a GPU: both stages, both precisions, exact resume, classification, throughput, host syncs.

    python bench/gpu_check.py                       # on the GPU (cuda), the full check: about 5 minutes on one H100
    python bench/gpu_check.py --device cpu --quick  # the same parts, CI-sized, on the CPU (so the script cannot rot)

Prints one JSON line per part, `{"part": ..., "ok": true|false, ...figures}`, on stdout (progress on stderr), and exits 1
when a part failed:

- `env`: torch, CUDA, the GPU and its capability, bf16 support, which SDPA kernels are enabled, cuDNN, NCCL.
- `stage1_fp32`, `stage1_bf16`: `pretrain` on the real oral data (`find_real_data('oral_age')`; D64, 1+2 layers): the losses are
  finite and fall, samples/s, peak GPU memory; and resume: a run stopped after 1 epoch and resumed equals the
  uninterrupted run. On a GPU the resume runs in deterministic mode (`torch.use_deterministic_algorithms`,
  `CUBLAS_WORKSPACE_CONFIG=:4096:8`): bitwise equal histories and weights are reported as `bitwise`, and short of that
  the largest relative difference of the losses must stay under 1e-4 (float32) or 1e-2 (bf16, whose rounding an
  atomic-add order changes).
- `frozen_fp32`, `finetune_fp32`, `frozen_bf16`, `finetune_bf16`: `train_predictor` for age on that encoder, the same
  checks (the frozen ones train from the cached encoder outputs).
- `classification`: the study (`qiita_study_id`, 9 classes) with `balance_classes` (class weights made on the CPU must
  reach the GPU's loss).
- `throughput`: the stage-1 training step (`train_epoch`) at batch 8, 64 and 256 in float32, TF32 and bf16: samples/s,
  peak memory, and host syncs per step (on a GPU `torch.cuda.set_sync_debug_mode('warn')` counts them; on the CPU
  `aam_nb.runtime.HostSyncCounter` counts what would wait on a GPU in the step's device side).

What it needs beyond PyTorch with CUDA: aam_nb and its requirements (settings.ini: biom-format, scikit-bio, numpy,
pandas, scipy, h5py, tqdm, matplotlib, scikit-learn, fastcore) and the oral data (`../shared/data/oral_age`, or $AAM_NB_DATA/oral_age). A GPU machine without network takes
them as wheels: on a networked machine of the same platform and Python, `pip download -d wheels .` in the repository
(torch left out: the GPU machine keeps its own CUDA build), then on the GPU machine
`pip install --no-index --find-links wheels -e .`.
"""
from __future__ import annotations
import argparse, json, math, os, sys, tempfile, time, warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENCODER = dict(embedding_dim=64, heads=4, asv_layers=1, sample_layers=2)


def log(*a): print(*a, file=sys.stderr, flush=True)


def emit(part: str, ok: bool, **figures) -> bool:
    print(json.dumps({'part': part, 'ok': bool(ok), **figures}, default=lambda x: round(x, 5) if isinstance(x, float) else str(x)), flush=True)
    return bool(ok)


def env_part(torch, device: str) -> bool:
    cuda = device.startswith('cuda')
    f = {'torch': torch.__version__, 'device': device, 'cuda_available': torch.cuda.is_available(), 'cuda': torch.version.cuda}
    if cuda and torch.cuda.is_available():
        p = torch.cuda.get_device_properties(0)
        f |= {'gpu': p.name, 'capability': f'{p.major}.{p.minor}', 'memory_gb': round(p.total_memory / 2**30, 1),
              'bf16_supported': torch.cuda.is_bf16_supported(), 'cudnn': torch.backends.cudnn.version(),
              'nccl': torch.distributed.is_nccl_available(),
              'sdpa': {k: getattr(torch.backends.cuda, f'{k}_sdp_enabled')() for k in ('flash', 'mem_efficient', 'math', 'cudnn')
                       if hasattr(torch.backends.cuda, f'{k}_sdp_enabled')}}
    else: f |= {'threads': torch.get_num_threads()}
    return emit('env', (torch.cuda.is_available() if cuda else True), **f)


def data(quick: bool):
    from aam_nb.data import load_table, load_metadata, align_samples, find_real_data
    from aam_nb.folds import split_samples, load_groups
    real = find_real_data('oral_age', missing_ok=True)
    if real is None: sys.exit('the real oral data is not here: set AAM_NB_DATA to the folder that holds oral_age/')
    table = load_table(real['table'])
    table, y = align_samples(table, load_metadata(real['metadata'], 'age'))
    if quick: table = table.subset(list(table.sample_ids[:240]))
    groups = load_groups(real['metadata'], 'subject_strict', table.sample_ids)
    split = split_samples(table.sample_ids, 0.15, 0.0, 0, groups)
    return table, real['tree'], real['metadata'], split


def compare(a, b, bf16: bool) -> dict:
    "How two runs (FitResults) differ: bitwise, or the largest relative difference of their losses."
    import numpy as np, torch
    cols = [c for c in a.history if 'seconds' not in c]
    same_w = all(torch.equal(x, y) for x, y in zip(a.model.state_dict().values(), b.model.state_dict().values()))
    ha, hb = a.history[cols].to_numpy(float), b.history[cols].to_numpy(float)
    rel = float(np.nanmax(np.abs(ha - hb) / np.maximum(np.abs(ha), 1e-8))) if ha.shape == hb.shape else math.inf
    return {'bitwise': bool(same_w and rel == 0.0), 'max_rel_diff': rel, 'resume_ok': bool(rel <= (1e-2 if bf16 else 1e-4))}


def train_part(name, fn, out: Path, device: str, bf16: bool, epochs: int, n_train: int, **kw) -> bool:
    "Run a stage straight, and stopped after 1 epoch then resumed (deterministic mode on a GPU); emit its checks."
    import torch, numpy as np
    cuda = device.startswith('cuda')
    common = dict(device=device, bf16=bf16, epochs=epochs, progress=False, plot=False, **kw)
    if cuda: torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        try:
            straight = fn(out_dir=out/f'{name}_straight', **common)
            peak = torch.cuda.max_memory_allocated() / 2**20 if cuda else None
            if cuda: torch.use_deterministic_algorithms(True, warn_only=True)
            ref = fn(out_dir=out/f'{name}_ref', **common) if cuda else straight  # the CPU is deterministic already
            fn(out_dir=out/f'{name}_resumed', stop_after=1, **common)
            resumed = fn(out_dir=out/f'{name}_resumed', resume=True, **{k: v for k, v in common.items() if k in ('device', 'progress', 'plot')})
        except Exception as e:
            return emit(name, False, error=f'{type(e).__name__}: {str(e)[:300]}')
        finally:
            if cuda: torch.use_deterministic_algorithms(False)
    h = straight.history
    finite = bool(np.isfinite(h[[c for c in h if c.startswith(('train_', 'val_')) and 'seconds' not in c]].to_numpy(float)).all())
    falls = bool(h['train_total'].iloc[-1] < h['train_total'].iloc[0] or h['val_total'].min() < h['val_total'].iloc[0])
    cmp = compare(ref, resumed, bf16)
    sps = n_train * len(h) / float(h['train_seconds'].sum())
    metric = {k: float(h[k].iloc[int(h['val_total'].idxmin())]) for k in ('mae', 'accuracy', 'unifrac_r') if k in h}
    return emit(name, finite and falls and cmp['resume_ok'], finite=finite, loss_falls=falls, epochs=len(h),
                train_total=[round(float(x), 4) for x in h['train_total']], val_total=[round(float(x), 4) for x in h['val_total']],
                samples_per_s=sps, peak_gpu_mb=peak, seconds=time.perf_counter() - t0, **cmp, **metric)


def throughput_part(table, tree, device: str, quick: bool) -> bool:
    "Samples/s of the stage-1 training step at several batch sizes and precisions, and its host syncs per step."
    import torch
    from aam_nb.dataset import MicrobiomeDataset
    from aam_nb.unifrac import BatchUniFrac, TreeMatrices
    from aam_nb.models import EncoderConfig, SequenceEncoder
    from aam_nb.loop import FitOptions, Objective, make_optimizer, train_epoch
    from aam_nb.runtime import make_loader
    from aam_nb.runtime import seeded, tf32_matmuls
    cuda = device.startswith('cuda')
    ds = MicrobiomeDataset(table, 150, unifrac=BatchUniFrac(TreeMatrices(tree, table.feature_ids)))
    obj = Objective({'unifrac': 1.0, 'nucleotide': 1.0}, mask_train=True)
    rows, ok = [], True
    for bs in ((8, 64) if quick else (8, 64, 256)):
        steps = 4 if quick else (30 if bs < 256 else 12)
        sub, warm = _subset(ds, bs * steps), _subset(ds, bs * 2)
        for prec in (('fp32', 'bf16') if not cuda else ('fp32', 'tf32', 'bf16')):
            with seeded(0): model = SequenceEncoder(EncoderConfig(**ENCODER)).to(device)
            o = FitOptions(device=device, bf16=prec == 'bf16', tf32=prec == 'tf32', progress=False, seed=0)
            opt = make_optimizer(model, o)
            dl = make_loader(sub, bs, True, 0)
            if cuda: torch.cuda.reset_peak_memory_stats()
            try:
                with tf32_matmuls(o.tf32):
                    train_epoch(model, make_loader(warm, bs, True, 0), opt, obj, o)  # warm-up: kernels chosen, memory pools grown
                    if cuda: torch.cuda.synchronize()
                    with warnings.catch_warnings(record=True) as w:
                        warnings.simplefilter('always')
                        if cuda: torch.cuda.set_sync_debug_mode('warn')
                        t0 = time.perf_counter(); _, n_steps = train_epoch(model, dl, opt, obj, o)
                        if cuda: torch.cuda.synchronize()
                        secs = time.perf_counter() - t0
                        if cuda: torch.cuda.set_sync_debug_mode(0)
                syncs = sum('synchroniz' in str(x.message).lower() for x in w) / max(n_steps, 1) if cuda else _cpu_syncs(model, ds, obj, bs, device)
                rows.append({'batch': bs, 'precision': prec, 'samples_per_s': round(len(sub) / secs, 1), 'steps': n_steps,
                             'host_syncs_per_step': syncs, 'peak_gpu_mb': round(torch.cuda.max_memory_allocated() / 2**20) if cuda else None})
                ok &= syncs <= (1 if cuda else 0)  # on a GPU: one per epoch (the loss sums are read when the epoch ends)
            except Exception as e:
                rows.append({'batch': bs, 'precision': prec, 'error': f'{type(e).__name__}: {str(e)[:200]}'}); ok = False
            log(rows[-1])
    return emit('throughput', ok, runs=rows)


def _subset(ds, n: int):
    "The first `n` samples of `ds`, as a dataset `make_loader` takes."
    import torch
    sub = torch.utils.data.Subset(ds, list(range(min(len(ds), n)))); sub.collate = ds.collate
    return sub


def _cpu_syncs(model, ds, obj, bs, device) -> int:
    "On the CPU: what in the step's device side (forward, losses, backward, clipping) would wait for a GPU."
    import torch
    from aam_nb.runtime import HostSyncCounter
    from aam_nb.runtime import to_device
    batch = model.mask_batch(ds.collate([ds[i] for i in range(bs)]), torch.Generator().manual_seed(0))
    batch = to_device(batch, device)
    with HostSyncCounter() as c:
        out = model.train()(batch, mask_nucleotides=True); obj.losses(out, batch)['total'].backward()
        torch.nn.utils.clip_grad_norm_(list(model.parameters()), 1.0)
    return c.total


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--device', default='cuda', help='cuda (default), cuda:1, or cpu')
    ap.add_argument('--quick', action='store_true', help='CI-sized: 240 samples, 1-2 epochs, small batches')
    ap.add_argument('--out', default=None, help='folder for the runs (default: a temporary one)')
    a = ap.parse_args()
    os.environ.setdefault('CUBLAS_WORKSPACE_CONFIG', ':4096:8')  # deterministic cuBLAS, read when CUDA starts
    import torch
    from aam_nb.train import pretrain, train_predictor
    t0 = time.perf_counter()
    ok = env_part(torch, a.device)
    if not ok: sys.exit(1)
    out = Path(a.out or tempfile.mkdtemp(prefix='gpu_check_'))
    table, tree, meta, split = data(a.quick)
    n_train = len(split['train']); e1, e2, warm = (2, 3, 4) if a.quick else (3, 4, 20)
    log(f'{table.shape[0]} samples, {n_train} training; runs in {out}')
    for prec, bf16 in (('fp32', False), ('bf16', True)):
        if bf16 and a.device.startswith('cuda') and not torch.cuda.is_bf16_supported(): continue
        s1 = out/f'stage1_{prec}_straight'
        ok &= train_part(f'stage1_{prec}', lambda **k: pretrain(table, tree, config=ENCODER, split=split, **k), out, a.device, bf16, e1,
                         n_train, batch_size=16, lr=1e-3, warmup_steps=warm)
        for mode, frozen, lr in (('frozen', True, 1e-3), ('finetune', False, 3e-4)):
            ok &= train_part(f'{mode}_{prec}', lambda **k: train_predictor(table, meta, 'age', encoder=s1, split=split, **k), out, a.device,
                             bf16, e2, n_train, freeze_base=frozen, batch_size=16, lr=lr, warmup_steps=warm, loss='l1')
    ok &= train_part('classification', lambda **k: train_predictor(table, meta, 'qiita_study_id', encoder=out/'stage1_fp32_straight', split=split, **k),
                     out, a.device, False, e2, n_train, classification=True, balance_classes=True, freeze_base=True, batch_size=16,
                     lr=1e-3, warmup_steps=warm)
    ok &= throughput_part(table, tree, a.device, a.quick)
    log(f'all parts in {(time.perf_counter() - t0) / 60:.1f} min; {"all ok" if ok else "SOME PART FAILED"}')
    sys.exit(0 if ok else 1)


if __name__ == '__main__': main()
