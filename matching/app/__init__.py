"""The facade that assembles the rooms (:class:`~matching.app.engine.Engine`), and use cases across rooms."""
