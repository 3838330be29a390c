"""`matching outbox send | list`: send what is due through the configured server, list the outbox."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from matching import Engine, Settings
from matching.cli import app
from tests.mail_server import local_smtp

WIDE = {"COLUMNS": "200"}


def queued_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    engine = Engine(Settings(home=home))
    engine.outbox.enqueue(
        kind="invitation", to_address="sari@anyaman.test", subject="Undangan", body_text="b"
    )
    engine.close()
    return home


def test_send_without_a_mail_server_keeps_the_messages(tmp_path: Path) -> None:
    home = queued_home(tmp_path)
    result = CliRunner().invoke(
        app, ["outbox", "send", "--home", str(home)], env={"MATCHING_SMTP_HOST": "", **WIDE}
    )
    assert result.exit_code == 2 and "no mail server configured" in result.output
    listed = CliRunner().invoke(app, ["outbox", "list", "--home", str(home), "--status", "queued"], env=WIDE)
    assert listed.exit_code == 0 and "sari@anyaman.test" in listed.output


def test_send_delivers_and_list_shows_it_sent(tmp_path: Path) -> None:
    home = queued_home(tmp_path)
    with local_smtp() as smtp:
        env = {"MATCHING_SMTP_HOST": "127.0.0.1", "MATCHING_SMTP_PORT": str(smtp.port), **WIDE}
        result = CliRunner().invoke(app, ["outbox", "send", "--home", str(home)], env=env)
        assert result.exit_code == 0, result.output
        assert "sent 1" in result.output
        assert [m["To"] for m in smtp.messages] == ["sari@anyaman.test"]
    listed = CliRunner().invoke(app, ["outbox", "list", "--home", str(home), "--status", "sent"], env=WIDE)
    assert listed.exit_code == 0 and "sari@anyaman.test" in listed.output and "Undangan" in listed.output
