"""Extra `--name value` pairs of a bench script's command line as options (numbers as numbers): what the scripts pass on."""

def extra_options(words: list) -> dict:
    "`['--wide_buckets', '0', '--loss', 'mse']` -> `{'wide_buckets': 0, 'loss': 'mse'}`."
    def value(v):
        for cast in (int, float):
            try: return cast(v)
            except ValueError: pass
        return v
    return {k.lstrip('-'): value(v) for k, v in zip(words[::2], words[1::2])}
