"""Reusable widgets."""

from autodl_tui.ui.widgets.vtable import Cell, Column, Row, VirtualTable

__all__ = ["Cell", "Column", "Row", "VirtualTable"]
