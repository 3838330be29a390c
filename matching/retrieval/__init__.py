"""Finding candidate products: lexicon, query understanding, BM25, encoders, embedding cache, index."""
