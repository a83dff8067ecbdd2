"""Make the helpers shared by every test directory (`waiting`) importable.

The suite runs with --import-mode=importlib, which leaves sys.path alone.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
