"""Recall: which earlier entries a turn is given, by meaning, by words and by time.

The store keeps the tables (vectors, words); the modules here rank with them: ``words`` turns text
into search terms, ``lexical`` is the BM25 side, ``hybrid`` fuses it with meaning and with the
window a question names. None of them imports the store or a backend library.
"""
