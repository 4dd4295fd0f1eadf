"""Fingerprint of a fixed small run (stage 1, frozen, fine-tuned, a resumed frozen run on the synthetic data, CPU): sha256 of
weights, histories and predictions. Run it before and after a refactor that must not change behaviour; equal output = same
numbers to the last bit.    OMP_NUM_THREADS=1 python scripts/behaviour_hash.py"""
import hashlib, json, tempfile, warnings
from pathlib import Path
warnings.simplefilter('ignore')
from aam_nb.synthetic import simulate_dataset
from aam_nb.train import pretrain, train_predictor
tmp = Path(tempfile.mkdtemp())
p = simulate_dataset(tmp/'sim', n_samples=60, n_asvs=30, seq_len=32, seed=0)
cfg = dict(max_bp=32, embedding_dim=32, heads=2, asv_layers=1, sample_layers=1, dropout=0.1)
q = dict(progress=False, plot=False, device='cpu')
def h(x): return hashlib.sha256(x).hexdigest()[:16]
def wh(m): return h(b''.join(v.detach().contiguous().numpy().tobytes() for v in m.state_dict().values()))
def hist(r): return h(r.history.drop(columns=[c for c in r.history if 'seconds' in c]).to_csv(index=False).encode())
out = {}
r1 = pretrain(p['table'], p['tree'], tmp/'s1', config=cfg, epochs=3, lr=1e-3, warmup_steps=5, batch_size=8, **q)
out['s1'] = (wh(r1.model), hist(r1))
r2 = train_predictor(p['table'], p['metadata'], 'age', tmp/'fz', encoder=tmp/'s1', freeze_base=True, epochs=4, lr=1e-3, warmup_steps=3, split=tmp/'s1/split.json', **q)
out['frozen'] = (wh(r2.model), hist(r2), h((tmp/'fz/val_predictions.tsv').read_bytes()))
r3 = train_predictor(p['table'], p['metadata'], 'age', tmp/'ft', encoder=tmp/'s1', epochs=2, lr=3e-4, warmup_steps=3, split=tmp/'s1/split.json', nucleotide_weight=0.5, **q)
out['finetune'] = (wh(r3.model), hist(r3), h((tmp/'ft/val_predictions.tsv').read_bytes()))
r4 = train_predictor(p['table'], p['metadata'], 'age', tmp/'fz2', encoder=tmp/'s1', freeze_base=True, epochs=3, lr=1e-3, warmup_steps=3, split=tmp/'s1/split.json', stop_after=1, **q)
r4 = train_predictor(p['table'], p['metadata'], 'age', tmp/'fz2', resume=True, **q)
out['resumed'] = (wh(r4.model), hist(r4))
print(json.dumps(out, indent=1))
