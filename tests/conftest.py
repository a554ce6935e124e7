"""Shared settings: hypothesis without deadlines (the machines are shared and noisy)."""

from hypothesis import settings

settings.register_profile("autodiff", deadline=None, max_examples=150, derandomize=False)
settings.load_profile("autodiff")
