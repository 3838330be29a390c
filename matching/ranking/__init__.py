"""From candidates to ranked, explained IKMs: features, rankers, the searcher, explanations, model
registry."""
