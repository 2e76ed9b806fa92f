"""The store: the record, the index contract, Chroma, forget and erase, doctor and repair, import and
export, pins, search."""
