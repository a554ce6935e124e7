"""nn: neurons, layers, MLPs, losses and optimizers built only on ``autodiff`` (coming with its issue)."""
