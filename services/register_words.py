"""A register entry described in words, the same on the office's screens and in the register's
Excel file (services.register_export): what it served (the activity, the household a visit
was to, or else what its kind is called: 个人服务（分散活动）) and how it was registered
(本人签到, or which leader registered it and why). One source, so that a clerk comparing the
screen with the file reads the same words.

The household's head is named whole for the office only and masked for everyone else, as
the file masks it (services.households): residents' data is the office's.
"""

from models import ServiceRecord

from .households import mask_name
from .record_names import entry_title
from .records import is_registered_by_leader
from .register_defaults import VISIT_TARGET

SELF_REGISTERED = "本人签到"


def served_name(record: ServiceRecord, whole: bool) -> str:
    """The activity's title, or 结对家庭 王**户 for a visit (the head whole when `whole`);
    else what its kind is called wherever an entry is named (个人服务（分散活动）)."""
    if record.activity_id:
        return record.activity.title
    if record.household_id:
        head = record.household.head_name
        return VISIT_TARGET.format(head=head if whole else mask_name(head))
    return entry_title(record.kind)


def registration_name(record: ServiceRecord) -> str:
    """本人签到, or 队长张三代登记：reason."""
    if not is_registered_by_leader(record):
        return SELF_REGISTERED
    leader = record.registered_by.name if record.registered_by_id else ""
    return f"队长{leader}代登记：{record.registration_reason}".strip("：")
