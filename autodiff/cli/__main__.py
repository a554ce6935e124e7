"""``python -m autodiff.cli``: the ``autodiff`` command."""

import sys

from .app import main

sys.exit(main())
