__version__ = "0.1.0"

# Hand-written, like __main__.py (nbdev only updates __version__): the public API, imported lazily so that
# `import tweetsent.params` does not pull in torch. `dir(tweetsent)` and tab completion list it.
__all__ = ["load_model", "predict", "pipeline", "__version__"]
_LAZY = {"load_model": "variants", "predict": "api", "pipeline": "api"}


def __getattr__(name):
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'tweetsent' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
