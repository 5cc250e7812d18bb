"""Endpoint functions, one per URL, each (wiki, request, **values) -> Response."""
