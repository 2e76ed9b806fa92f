"""The full-screen app as a person uses it: Textual Pilot tests and snapshots (in
__snapshots__/<test module>/). Not named tests/tui: the audited scripts run with tests/ first on
sys.path, where a tests/tui package would hide the real tui."""
