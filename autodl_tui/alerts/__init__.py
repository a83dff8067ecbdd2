"""Alerts: rules over poll snapshots, fired once per incident, sent to configurable sinks.

`model` (settings, snapshot, alert) is light and read with the config file; `engine`,
`rules` and `sinks` load when the app builds its engine.
"""
