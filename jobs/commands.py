"""`jobs` commands: run the scheduler as its own process, list jobs, run one now."""

import json
import signal
from datetime import datetime

import click
from flask import current_app
from flask.cli import AppGroup

from services import clock

from .schedule import JOBS, JOBS_BY_ID

jobs_cli = AppGroup("jobs", help="Scheduled jobs (定时任务).")
STATE_LINES = {
    "running": "调度器运行中：本进程持有调度锁，执行 {n} 个任务",
    "standby": "待命：另一个进程正在执行任务（持有调度锁），每 {retry:g} 秒重试",
    "stopped": "调度器已停止",
}


class JobError(click.ClickException):
    """A one-line error for the operator (exit code 2, no traceback)."""

    exit_code = 2


@jobs_cli.command("list")
def list_jobs():
    """List the jobs with their schedule, next run and last run (Shanghai time)."""
    from .catchup import last_runs

    now = clock.to_local(clock.now_utc())
    done = last_runs()
    for job in JOBS:
        upcoming = job.make_trigger().get_next_fire_time(None, now)
        last = done.get(job.id)
        click.echo(
            f"{job.id:20} {job.describe():10} 下次 {_local(upcoming)}  "
            f"上次 {_local(last and clock.to_local(last))}  {job.title}"
        )


def _local(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "—"


@jobs_cli.command("run-once")
@click.argument("job_id")
@click.option(
    "--now",
    "now_text",
    default=None,
    help="Run as if it were this time: ISO 8601, e.g. 2026-12-31T09:00+08:00 "
    "(without an offset: Shanghai time). Default: the clock. The job runs for real: it "
    "writes to the database and queues messages as of that time.",
)
def run_once(job_id, now_text):
    """Run one job now (or as of --now) and print what it did."""
    from .runner import run_job

    _check_job(job_id)
    now = parse_now(now_text) if now_text else clock.now_utc()
    result = run_job(current_app._get_current_object(), job_id, now)
    when = clock.to_local(now).strftime("%Y-%m-%d %H:%M")
    click.echo(f"任务 {job_id} 已执行（时间 {when} 北京时间）")
    click.echo(describe(result))
    if isinstance(result, dict) and result.get("unreachable"):
        click.echo(f"消息仍留在队列中，{unreachable_text()}")


def unreachable_text() -> str:
    """Where the sender looked for WeChat and which setting picks it (registered by wechat/,
    which the jobs do not import)."""
    return current_app.extensions["wechat_unreachable_text"]()


#: What a job's counts mean, for the operator reading `run-once`; others show their own name.
#: A label with {} is a sentence the count goes into.
RESULT_LABELS = {
    "overdue": "走访逾期的党员",
    "photo_files": "移走的无主照片文件（保留 30 天）",
    "reminded": "发出提醒",
    "escalated": "超过两倍周期的党员",
    "leader_messages": "告知队长",
    "drafted": "起草的季度报告",
    "late": "标为逾期的报告",
    "claimed": "取出待发消息",
    "sent": "已发送",
    "skipped": "无法送达",
    "failed": "发送失败",
    "retry": "稍后重试",
    "released": "放回队列",
    "unreachable": "微信无法连接，暂停发送",
    "blocked": "微信账号受限，暂停发送",
    "deferred": "免打扰时段，推迟发送",
    "evening": "前一晚提醒",
    "soon": "开始前提醒",
    "queued": "写入发送队列",
    "activity": "活动结束后自动签退",
    "open_ended": "超时自动签退",
    "day": "记录日期",
    "verified": "已核验记录",
    "sampled": "抽取",
    "already_sampled": "今日已抽取过 {} 条，本次未再抽取",
    "inbound_messages": "清理去重记录",
    "chat_states": "清理会话",
    "api_tokens": "清理登录令牌",
    "bind_tries": "清理绑定码尝试记录",
    "feedback_keys": "清除旧评价的手机与网络代码",
    "feedback_forms": "删除旧评价页面的提交记录",
    "subscription_reports": "清理订阅上报记录",
}


def describe(result) -> str:
    """A job's result as a line people read: 「发出提醒 36，告知队长 3」, or that it found
    nothing to do."""
    if not isinstance(result, dict):
        return json.dumps(result, ensure_ascii=False, default=str)
    if not result or not any(result.values()):
        return "没有需要处理的内容。"
    return "，".join(_part(k, v) for k, v in result.items())


def _part(key: str, value) -> str:
    label = RESULT_LABELS.get(key, key)
    return label.format(value) if "{}" in label else f"{label} {value}"


def _check_job(job_id: str) -> None:
    known = ", ".join(JOBS_BY_ID)
    if job_id not in JOBS_BY_ID:
        raise JobError(f"没有名为 {job_id} 的任务；可用的任务：{known}")
    try:
        JOBS_BY_ID[job_id].load()
    except (ImportError, AttributeError):
        raise JobError(f"任务 {job_id} 尚未安装（{JOBS_BY_ID[job_id].target}）") from None


def parse_now(text: str) -> datetime:
    """ISO 8601 with an offset, or a Shanghai wall-clock time without one, as naive UTC."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise JobError(
            f"--now 的时间格式无效：{text!r}；应为 ISO 8601，如 2026-12-31T09:00+08:00"
        ) from None
    return clock.to_utc(moment)


@jobs_cli.command("run")
def run():
    """Run the scheduler in this process until stopped (the production jobs process); a
    second `jobs run` stands by and takes over when the first stops or dies."""
    from .runner import LockedScheduler

    app = current_app._get_current_object()
    retry = app.config["SETTINGS"].scheduler.standby_retry_seconds

    def say(state):
        count = len(scheduler.scheduler.get_jobs()) if scheduler.scheduler else 0
        click.echo(STATE_LINES[state].format(n=count, retry=retry))

    scheduler = LockedScheduler(app, on_change=say)
    signal.signal(signal.SIGTERM, _interrupt)  # a service manager's stop: as graceful as Ctrl-C
    try:
        scheduler.run()
    except KeyboardInterrupt:
        pass
    finally:
        scheduler.shutdown(wait=True)


def _interrupt(signum, frame):
    raise KeyboardInterrupt
