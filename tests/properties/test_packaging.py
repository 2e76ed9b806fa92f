"""A non-editable install carries the stylesheets and finds them from site-packages."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.paths import REPO


def test_the_wheel_ships_every_stylesheet_and_the_app_finds_them_once_installed(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "--no-build-isolation",
                    "--quiet", "--wheel-dir", str(tmp_path / "dist")], check=True, capture_output=True)
    (wheel,) = (tmp_path / "dist").glob("mindpane-*.whl")
    shipped = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"tui/styles/{sheet.name}" for sheet in (REPO / "styles").glob("*.tcss")}
    assert expected and expected <= shipped
    assert {"tui/app.py", "tui/screens/main_screen.py", "tui/widgets/history_pane.py", "tui/cli/__init__.py"} <= shipped

    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(target),
                    str(wheel)], check=True, capture_output=True)
    found = subprocess.run(
        [sys.executable, "-c", "from tui.runtime.resources import styles_dir; import tui.app; print(styles_dir())"],
        env={**os.environ, "PYTHONPATH": str(target)}, cwd=tmp_path, capture_output=True, text=True, check=True)
    assert Path(found.stdout.strip()) == target / "tui" / "styles"
