__version__ = "0.1.0"

# Hand-written, like __main__.py (nbdev only updates __version__): `tweetsent.predict`, `tweetsent.pipeline` and `tweetsent.load_model`,
# imported lazily so that `import tweetsent.params` does not pull in torch.
def __getattr__(name):
    if name in ("load_model", "predict", "pipeline"):
        from . import variants
        return getattr(variants, name)
    raise AttributeError(f"module 'tweetsent' has no attribute {name!r}")
