"""The ``matching`` command line: one module per command group, over the facade.

``_app`` holds what the groups share (the typer app, consoles, ``--home``, the error -> exit-code
translation, progress bars, printing); each group module imports that and library code, never another
group:

- ``catalogue``: ``ingest``, ``template``, ``stats``, ``demo``
- ``ranking``: ``index``, ``search``, ``rank``, ``evaluate``
- ``models``: ``train`` and the ``models`` group (``list``, ``use``, ``compare``)
- ``service``: ``serve`` and the ``keys`` group (``create``, ``list``, ``revoke``)
- ``finetune``: ``finetune``
- ``home``: ``init``, ``backup``, ``restore``
- ``events``: the ``event`` group (``plan``, ``reschedule``, ``check``, ``outcomes``)
- ``outbox``: the ``outbox`` group (``send``, ``list``): participants' e-mails

Importing this package assembles the command line: importing a group module registers its commands on the
app, and the sub-command groups are mounted here; both orders are the order of ``matching --help``.
:func:`main` (in ``main``, the console script) runs it.
"""

# the order of these imports is the order of the commands in `matching --help`
from matching.cli import catalogue, ranking, models, service, finetune, events, home  # isort: skip
from matching.cli import outbox
from matching.cli._app import app
from matching.cli.main import main

__all__ = ["app", "main"]

_COMMANDS = (catalogue, ranking, models, service, finetune, home)  # imported to register their commands

app.add_typer(events.event_app, name="event")
app.add_typer(service.keys_app, name="keys")
app.add_typer(models.models_app, name="models")
app.add_typer(outbox.outbox_app, name="outbox")
