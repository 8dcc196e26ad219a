"""Websocket routes for live consoles (filled by the engine's live updates)."""

websocket_urlpatterns: list = []
