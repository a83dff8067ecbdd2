"""The headless subcommands (`ls`, `events`, `scale`, `stop`, `rm`, ...): no Textual.

Each module has a light `add_arguments` (argparse only) and a `run` that imports the client
when it runs, so `autodl-tui --version` or `--help` never loads httpx.
"""
