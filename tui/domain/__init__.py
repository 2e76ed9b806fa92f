"""Plain data shared by every layer: records, modes, errors. Imports nothing heavy."""
