"""Request bodies are refused by their declared length before they are received."""
from __future__ import annotations

import io
import socket
import subprocess
import sys
import time

from tests.conftest import WikiClient
from tests.servers import free_port, wait_for_http
from wiki.config import Config

HUNDRED_MB = 100 * 1024 * 1024


def test_the_app_refuses_a_declared_body_too_large_without_reading_it(client: WikiClient) -> None:
    class Unreadable(io.BytesIO):
        def read(self, *args: object) -> bytes:
            raise AssertionError("the body was read")

        readline = readinto = read  # type: ignore[assignment]

    response = client.post("/+edit/SandBox", input_stream=Unreadable(),  # type: ignore[arg-type]
                           environ_overrides={"CONTENT_LENGTH": str(HUNDRED_MB)},
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413 and '<main id="content"' in response.get_data(as_text=True)


def test_a_chunked_body_is_cut_at_the_limit(client: WikiClient, seeded_config: Config) -> None:
    token = client.form("/+edit/SandBox")
    body = ("csrf_token=" + token["csrf_token"] + "&action=save&base_revision=1&text=" + "a" * (3 * 1024 * 1024)).encode()
    response = client.post("/+edit/SandBox", input_stream=io.BytesIO(body),
                           environ_overrides={"wsgi.input_terminated": True, "CONTENT_LENGTH": ""},
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413


def test_wiki_serve_answers_413_after_the_headers_not_the_body(seeded_config: Config) -> None:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "wiki.cli", "serve", "--port", str(port), "--data-dir",
                               str(seeded_config.data_dir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/", server)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
            connection.sendall(f"POST /+attachments/SandBox HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                               f"Content-Type: multipart/form-data; boundary=x\r\n"
                               f"Content-Length: {HUNDRED_MB}\r\n\r\n".encode())
            started = time.monotonic()
            try:
                for _ in range(16):  # 1 MB of the declared 100 MB
                    connection.sendall(b"\0" * 65536)
            except OSError:
                pass  # the server may already have answered and closed
            answer = connection.recv(4096)
            assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
            assert time.monotonic() - started < 10
    finally:
        server.terminate()
        server.wait(timeout=30)
