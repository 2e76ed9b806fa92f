"""The data directory: checked writable before anything opens in it, and the install's user id."""

from __future__ import annotations

import uuid
from pathlib import Path

from tui.domain.errors import StoreError


def prepare_data_dir(data_dir: Path) -> None:
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        probe = data_dir / ".write-probe"
        probe.write_text("ok", encoding="utf-8")
        probe.unlink()
    except OSError as exc:
        raise StoreError(
            f"Cannot write to the data directory {data_dir}: {exc.strerror or exc}",
            "fix its permissions, or choose another with --data-dir or MINDPANE_DATA_DIR",
        ) from exc


def install_user_id(data_dir: Path) -> str:
    """One user id per install, kept in the data dir."""
    path = data_dir / "user-id"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    user_id = f"mindpane-{uuid.uuid4()}"
    path.write_text(user_id, encoding="utf-8")
    return user_id
