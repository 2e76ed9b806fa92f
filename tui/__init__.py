"""mindpane: a thought journal and Python code advisor that remembers."""

__version__ = "0.1.0"
