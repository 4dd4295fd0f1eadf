"""The demo's table and picture: test MAE of each model on the split's test people, predicted vs true, the loss curves."""
import sys
from pathlib import Path
import numpy as np, pandas as pd
import matplotlib; matplotlib.use('Agg')  # a script: write the picture, show nothing
import matplotlib.pyplot as plt
from aam_nb.data import load_metadata
from aam_nb.folds import load_split
from aam_nb.metrics import regression_metrics
from aam_nb.predict import read_predictions

run, meta, seconds = Path(sys.argv[1]), sys.argv[2], float(sys.argv[3])
split = load_split(run/'pretrain/split.json'); test = split['test']
y = load_metadata(meta, 'age')
rows, preds = {}, {}
for name, f, col in (('aam_nb, pre-trained encoder (frozen + wide path)', run/'frozen/test_predictions.tsv', 'prediction'),
                     ('aam_nb, untrained encoder (the control)', run/'untrained/test_predictions.tsv', 'prediction'),
                     ('tabular: mean of forest and boosted trees', run/'tabular/test_predictions.tsv', 'prediction'),
                     ('random forest (500 trees)', run/'tabular/test_predictions.tsv', 'forest'),
                     ('gradient-boosted trees', run/'tabular/test_predictions.tsv', 'boosted')):
    p = read_predictions(f).set_index('sample_id').loc[test]
    rows[name] = regression_metrics(p['truth'], p[col]); preds[name] = p[col]
fit = y.loc[split['train'] + split['val']]
for name, v in (('training mean', fit.mean()), ('training median', fit.median())):
    rows[name] = regression_metrics(y.loc[test], np.full(len(test), v))
table = pd.DataFrame(rows).T[['mae', 'rmse', 'r2']].round(2).sort_values('mae')
grouped = split.get('group_column')
print(f"Test: {len(test)} samples" + (f" of people (by {grouped}) that no model trained or validated on" if grouped else " (a random split)") + "; years of age.")
print(table.to_string())
gain = rows['aam_nb, untrained encoder (the control)']['mae'] - rows['aam_nb, pre-trained encoder (frozen + wide path)']['mae']
print(f"What pre-training adds here: {gain:+.2f} years of MAE (the same predictor on an untrained encoder minus on the pre-trained one)")
emb = run/'frozen/embedding_report.tsv'  # written by aam_nb_train: the embedding read by knn and a linear probe, both encoders
if emb.exists():
    e = pd.read_csv(emb, sep='\t').set_index('encoder')
    print("The embedding alone (no predictor trained), test MAE: " + '; '.join(
        f"{n} encoder: nearest neighbours {e.loc[n, 'knn']:.2f}, linear probe {e.loc[n, 'probe']:.2f}" for n in ('pre-trained', 'untrained')))
table.to_csv(run/'demo_results.tsv', sep='\t')

fig, ax = plt.subplots(1, 3, figsize=(15, 4.5))
truth = y.loc[test]
for name, short, c in (('aam_nb, pre-trained encoder (frozen + wide path)', 'aam_nb, frozen + wide path', 'C0'),
                       ('tabular: mean of forest and boosted trees', 'tabular (forest + boosted trees)', 'C1')):
    ax[0].scatter(truth, preds[name], s=8, alpha=0.6, c=c, label=f"{short}: MAE {rows[name]['mae']:.2f}")
lo, hi = float(truth.min()), float(truth.max())
ax[0].plot([lo, hi], [lo, hi], 'k--', lw=1); ax[0].set(xlabel='true age', ylabel='predicted age', title='test people: predicted vs true'); ax[0].legend(fontsize=8)
for a, sub, title in ((ax[1], 'pretrain', 'stage 1: pre-training losses'), (ax[2], 'frozen', 'stage 2: age (frozen encoder)')):
    h = pd.read_csv(run/sub/'history.csv')
    for c in [c for c in h.columns if c.startswith(('train_', 'val_')) and 'seconds' not in c]:
        a.plot(h['epoch'], h[c], ('-' if c.startswith('train_') else '--'), label=c)
    a.set(xlabel='epoch', title=title, yscale='log'); a.legend(fontsize=7)
fig.tight_layout(); fig.savefig(run/'demo.png', dpi=110); plt.close(fig)
print(f"\nPicture: {run}/demo.png (predicted vs true for the test people; the loss curves of both stages)")
print(f"Runs: {run}/pretrain, {run}/frozen, {run}/untrained, {run}/tabular; predictions for every sample: {run}/predictions.tsv")
print(f"Use the models on new samples: aam_nb_predict --checkpoint {run}/frozen --table NEW.biom --out predictions.tsv "
      f"(or --checkpoint {run}/tabular)")
print(f"Demo wall time: {seconds / 60:.1f} min")
