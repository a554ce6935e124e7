"""The package's version (one place, read by ``autodiff.__version__`` and ``autodiff --version``)."""

__version__ = "0.1.0"
