"""Scheduled jobs. The web side only asks for status; APScheduler is imported by the runner."""

_state = {"scheduler": "not started"}


def scheduler_state() -> str:
    """'running' (this process holds the lock and runs the jobs), 'standby' (another runner
    holds it; this one retries), 'stopped', 'not started', or 'external' (a separate jobs
    process runs them)."""
    return _state["scheduler"]


def set_scheduler_state(value: str) -> None:
    _state["scheduler"] = value


def init_app(app) -> None:
    """Register the `jobs` command group and say where the jobs run."""
    from .commands import jobs_cli

    app.cli.add_command(jobs_cli)
    embedded = app.config["SETTINGS"].scheduler.embedded
    set_scheduler_state("not started" if embedded else "external")
