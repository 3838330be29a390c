"""Persistence: the database, every table, repositories, API keys and migrations."""
