"""Matching events without ranking: event model and rules, slots, selection, scheduling, checks, exports."""
