"""The WeChat edge: clients for the WeChat server API and its local emulator."""


def init_app(app) -> None:
    """Create the WeChat API clients for this app."""
