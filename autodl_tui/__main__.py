"""`python -m autodl_tui` runs the command line."""

from autodl_tui.cli import main

raise SystemExit(main())
