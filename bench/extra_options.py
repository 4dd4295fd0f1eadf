"""Extra `--name value` pairs of a bench script's command line as options (numbers as numbers): what the scripts pass on."""

def extra_options(words: list) -> dict:
    "`['--wide_buckets', '0', '--loss', 'mse']` -> `{'wide_buckets': 0, 'loss': 'mse'}`; fields of `EncoderConfig` (the stage-1 model) go under 'config', as `evaluate` takes them."
    from dataclasses import fields
    from aam_nb.models import EncoderConfig
    def value(v):
        if v in ('True', 'False'): return v == 'True'  # a flag given a value: the string 'False' would read as true
        for cast in (int, float):
            try: return cast(v)
            except ValueError: pass
        return v
    opts = {k.lstrip('-'): value(v) for k, v in zip(words[::2], words[1::2])}
    model = {f.name for f in fields(EncoderConfig)}
    config = {k: opts.pop(k) for k in list(opts) if k in model}
    return opts | ({'config': config} if config else {})
