"""``python -m redvector``: the same as the ``redvector`` command."""

import sys

from redvector.cli import main

sys.exit(main())
