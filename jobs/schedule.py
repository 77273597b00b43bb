"""The explicit list of scheduled jobs. Cron times are Shanghai time.

Each job is a function `func(now: datetime) -> dict` (now: naive UTC), named by its module
path and imported when first needed: the web process reads this list for nothing, and a
job whose module is missing is left out with a warning instead of breaking the others.
"""

import importlib
from dataclasses import dataclass

from services.clock import SHANGHAI


@dataclass(frozen=True)
class JobDef:
    id: str
    target: str  # "package.module:function"
    trigger: str  # "cron" or "interval"
    args: dict
    title: str  # Chinese, for operators (`jobs list`)

    def load(self):
        """The job function (ImportError or AttributeError while it does not exist)."""
        module, _, name = self.target.partition(":")
        return getattr(importlib.import_module(module), name)

    def make_trigger(self):
        """A fresh APScheduler trigger in Shanghai time."""
        from apscheduler.triggers.cron import CronTrigger
        from apscheduler.triggers.interval import IntervalTrigger

        kinds = {"cron": CronTrigger, "interval": IntervalTrigger}
        return kinds[self.trigger](timezone=SHANGHAI, **self.args)

    def describe(self) -> str:
        """'每天 09:30' or '每 5 分钟'."""
        if self.trigger == "interval":
            return f"每 {self.args['minutes']} 分钟"
        return f"每天 {self.args['hour']:02d}:{self.args['minute']:02d}"


JOBS = [
    JobDef("drain_outbox", "jobs.outbox:drain_outbox", "interval", {"minutes": 1}, "发送待发消息"),
    JobDef(
        "activity_reminders",
        "jobs.activities:activity_reminders",
        "interval",
        {"minutes": 5},
        "活动提醒（前一晚、开始前）",
    ),
    JobDef(
        "close_open_checkins",
        "jobs.register:close_open_checkins",
        "interval",
        {"minutes": 15},
        "结束后未签退的签到自动签退",
    ),
    JobDef(
        "spot_check_sample",
        "jobs.register:spot_check_sample",
        "cron",
        {"hour": 8, "minute": 0},
        "日常抽查：抽取昨日已核验记录",
    ),
    JobDef(
        "register_checkpoint",
        "jobs.register:register_checkpoint",
        "cron",
        {"hour": 2, "minute": 45},
        "登记簿检查点：记下每条记录的最新历史",
    ),
    JobDef(
        "quarterly_reports",
        "jobs.reports:quarterly_reports",
        "cron",
        {"hour": 9, "minute": 0},
        "季度报告：草稿、催报、逾期",
    ),
    JobDef(
        "visit_reminders",
        "jobs.visits:visit_reminders",
        "cron",
        {"hour": 9, "minute": 30},
        "结对走访提醒",
    ),
    JobDef(
        "purge_expired",
        "jobs.housekeeping:purge_expired",
        "cron",
        {"hour": 3, "minute": 30},
        "清理过期的去重记录、会话、登录令牌、旧评价的手机与网络代码和无主照片文件",
    ),
]
JOBS_BY_ID = {job.id: job for job in JOBS}
