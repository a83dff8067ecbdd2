"""Textual user interface: screens, widgets and the app shell."""
