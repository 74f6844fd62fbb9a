"""Per-type field indexes: full text (inverted index, BM25), tags, numbers and geo points."""
