"""A faithful, stateful simulator of AutoDL's elastic-deployment service (no Textual here)."""
