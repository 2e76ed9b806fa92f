"""``mindpane …`` as run from the shell: ``ask`` and its input, ``config`` commands, and what a
command says when something it needs is missing or unreadable."""
