#!/usr/bin/env python3
"""Build HEP's print materials. Run `python make_pamphlets.py --help`."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pamphlet_builder.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
