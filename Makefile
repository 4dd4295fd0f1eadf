# The README's two commands are `make demo` and `make test`; each installs what it needs first.
PY ?= python3
RUN ?= runs/demo

.PHONY: install install-all demo test test-all gpu-check check-sync readme bench docs-check data

# torch goes first, from the CPU build, where none is installed: a bare `torch` requirement would
# otherwise pull a multi-GB CUDA build. A GPU user keeps the torch they already have.
install:
	$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e ".[dev]"

# The same plus the Greengenes reference (qiime-default-reference, 35 MB, data only) that closed-reference tables need.
install-all: install
	$(PY) -m pip install -q -e ".[dev,greengenes]"

# The main job: both stages, the untrained-encoder control, predictions and the best tabular model, on the real oral-age
# data where it is found (../shared/data/oral_age or $$AAM_NB_DATA/oral_age), else on the synthetic study in data/;
# one table and one picture (under 5 minutes on 2 cores).
demo: install
	bash scripts/demo.sh $(RUN)

# Two tiers of nbdev_test. One torch thread per notebook worker (nbdev runs one worker per core): more threads than
# cores make OpenMP spin and small models crawl. The tests run on the CPU on purpose (GPUs hidden): bitwise resume and
# bf16 tolerances are CPU rules; a GPU is checked by `make gpu-check` (bench/gpu_check.py).
TEST = CUDA_VISIBLE_DEVICES= OMP_NUM_THREADS=$${OMP_NUM_THREADS:-1} nbdev_test --timing --do_print

# Every notebook's fast cells (tiny synthetic data): under 5 minutes on 2 cores. Run it after every change.
test: install
	$(TEST)

# The same plus the `slow` cells that train on the real data (../shared/data): under 20 minutes on 2 cores. CI runs this.
test-all: install-all
	$(TEST) --flags slow

# Both stages, both precisions, exact resume, classification, throughput and host syncs on the GPU (about 5 minutes).
gpu-check: install
	$(PY) bench/gpu_check.py

# CI also fails when the package is out of step with the notebooks, or notebooks are not clean.
check-sync: install
	nbdev_export && nbdev_clean && $(PY) scripts/render_readme.py
	git status --porcelain -- aam_nb nbs README.md
	@test -z "$$(git status --porcelain -- aam_nb nbs README.md)" || (echo "nbdev_export / nbdev_clean / render_readme changed files: run them and commit"; git diff --stat; exit 1)

# README.md from nbs/index.ipynb (nbdev_readme needs Quarto, which these machines lack).
readme: install
	$(PY) scripts/render_readme.py

bench: install
	$(PY) bench/unifrac.py
	$(PY) bench/throughput.py
	$(PY) bench/scaling.py
	$(PY) bench/frozen.py

# Renders the docs without Quarto (nbconvert) and checks the pages in headless Chromium.
docs-check: install
	bash scripts/docs_check.sh

# Regenerate the bundled demo data (it is committed; this shows how it was made).
data: install
	$(PY) -c "from aam_nb.synthetic import simulate_dataset; simulate_dataset('data', seed=0, overwrite=True)"
