"""A project that only has the installed package (no conftest, no repo on sys.path) uses the
plugin's fixtures: the pytest11 entry point is all it takes."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

TEST_FILE = textwrap.dedent(
    """
    import pytest
    from umapi_client import UserAction, UserQuery, UsersQuery

    def test_create_and_read_back(umapi_org, umapi_connection):
        action = UserAction("someone@example.com").create(
            first_name="Some", last_name="One", country="US", email="someone@example.com")
        assert umapi_connection.execute_single(action, immediate=True)[2] == 1
        assert umapi_org.find_user("someone@example.com") is not None
        assert UserQuery(umapi_connection, "someone@example.com").result()["firstname"] == "Some"

    @pytest.mark.umapi(users=7)
    def test_small_org(umapi_org, umapi_connection):
        assert len(UsersQuery(umapi_connection).all_results()) == 10
        assert umapi_org.find_user("someone@example.com") is None
    """
)


def test_fixtures_work_in_a_throwaway_project(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "test_uses_plugin.py").write_text(TEST_FILE)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTEST_ADDOPTS", "PYTEST_PLUGINS")}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_uses_plugin.py"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 passed" in proc.stdout
    assert not (project / "conftest.py").exists()
