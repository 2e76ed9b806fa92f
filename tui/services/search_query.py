"""The search query parser (``parse_query``) and its types, for services, adapters and the CLI.

They live in ``tui.domain.search`` (pure, so the history pane may read a query too); see its
docstring for the syntax.
"""

from __future__ import annotations

from tui.domain.search import (
    SYNTAX_HELP,
    SearchQuery,
    SearchQueryError,
    SearchResult,
    entry_tags,
    fold,
    fts_match,
    parse_query,
)

__all__ = ["SYNTAX_HELP", "SearchQuery", "SearchQueryError", "SearchResult", "entry_tags", "fold", "fts_match",
           "parse_query"]
