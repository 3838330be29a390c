"""Learning from labels: metrics, baselines, outcome labels, ranker training, encoder fine-tuning."""
