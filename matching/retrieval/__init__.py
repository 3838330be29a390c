"""Finding candidate products: the craft lexicon, query understanding, BM25, encoders, embedding cache, dense
index."""
