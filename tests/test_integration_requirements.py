"""Without root or the real servers, integration tests skip and say how to get them."""
from __future__ import annotations

import pytest

from tests.integration.conftest import require


def test_a_missing_program_skips_naming_the_install_command() -> None:
    with pytest.raises(pytest.skip.Exception) as skipped:
        require("/nonexistent/apache2")
    message = str(skipped.value)
    assert "/nonexistent/apache2" in message
    assert "apt-get install apache2 libapache2-mod-wsgi-py3 lighttpd chromium python3-venv" in message
    assert "make test" in message
