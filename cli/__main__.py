"""``python -m cli ...``: the same as the ``reelwright`` script."""

import sys

from cli import main

sys.exit(main())
