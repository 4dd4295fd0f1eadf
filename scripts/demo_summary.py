"""The demo's one small table: test MAE of each model on the grouped split's test people, and where the plots are."""
import json, sys
from pathlib import Path
import pandas as pd
from aam_nb.models import regression_metrics

run, seconds = Path(sys.argv[1]), float(sys.argv[2])
split = json.loads((run/'pretrain/split.json').read_text())
subject = pd.read_csv('data/oral_age/oral_2550_map.txt', sep='\t',
                      dtype=str).set_index('#SampleID')['subject_strict']
for a, b in (('train', 'val'), ('train', 'test'), ('val', 'test')):  # the split is grouped: no person on two sides
    shared = set(subject[split[a]]) & set(subject[split[b]])
    assert not shared, f"subject_strict {sorted(shared)[:3]} on both {a} and {b}"
rows = {}
for name, f in (('aam_nb stack (frozen AAM + forest + boosted trees)', run/'stack/test_predictions.tsv'),
                ('aam_nb, fine-tuned encoder', run/'finetune/test_predictions.tsv'), ('aam_nb, frozen encoder', run/'frozen/test_predictions.tsv'),
                ('random forest (500 trees)', run/'baseline/rf_predictions.tsv')):
    p = pd.read_csv(f, sep='\t')
    assert set(p['sample_id']) == set(split['test']), f"{f} does not cover the test samples"
    rows[name] = regression_metrics(p['truth'], p['prediction'])
base = json.loads((run/'baseline/rf_metrics.json').read_text())
stack = json.loads((run/'stack/stack.json').read_text())
sp_ = pd.read_csv(run/'stack/test_predictions.tsv', sep='\t')
rows['gradient-boosted trees (the stack member)'] = regression_metrics(sp_['truth'], sp_['boosted'])
rows['training mean'] = base['training_mean']
rows['training median (what MAE rewards)'] = base['training_median']
table = pd.DataFrame(rows).T[['mae', 'rmse', 'r2']].round(2)
print(f"Test samples: {len(split['test'])} from {subject[split['test']].nunique()} people (subject_strict groups; the time-series studies are one group each) that neither stage "
      "trained or validated on (checked: no subject_strict on two sides of the split).")
print(table.to_string())
print(f"\nStack weights (fit on inner grouped out-of-fold predictions of the training part): prediction = {stack['intercept']:.2f} + "
      + ' + '.join(f"{w:.2f} x {m}" for m, w in stack['weights'].items()))
print(f"\nLoss curves: {run}/pretrain/loss_curve.png, {run}/frozen/loss_curve.png, {run}/finetune/loss_curve.png")
print(f"Predictions: {run}/predictions.tsv (every sample); per run: test_predictions.tsv, val_predictions.tsv")
print(f"Demo wall time: {seconds / 60:.1f} min")
