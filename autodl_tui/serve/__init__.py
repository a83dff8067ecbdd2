"""`autodl-tui serve`: the app in a browser (textual-serve) behind an access secret."""
