"""Business-matching events without ranking: the event model and rules, slots, selection, scheduling, checks,
repair, exports."""
