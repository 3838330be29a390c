"""From candidates to ranked, explained IKMs: features, rankers, searcher, explanations, registry."""
