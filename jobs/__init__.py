"""Scheduled jobs. The web side only asks for status; APScheduler is imported by the runner."""

_state = {"scheduler": "not started"}


def scheduler_state() -> str:
    """'running', 'standby', 'not started' or 'external' (a separate jobs process)."""
    return _state["scheduler"]


def set_scheduler_state(value: str) -> None:
    _state["scheduler"] = value


def init_app(app) -> None:
    """Register the `jobs` command group."""
    from .commands import jobs_cli

    app.cli.add_command(jobs_cli)
    if not app.config["SETTINGS"].scheduler.embedded:
        set_scheduler_state("external")
