"""Who published an activity, as a mini-program shows it: a team leader (a member) or the
programme office. An office login has no member row, so it is named by its display name
(the name the office chose for it, e.g. 办公室 or 李科员) and its role, never by a member id."""

from dataclasses import dataclass

from models import Activity

ROLE_NAMES = {"leader": "队长", "office": "办公室"}


@dataclass(frozen=True)
class Creator:
    """The publisher: role leader (member_id is theirs) or office (no member id)."""

    role: str
    name: str
    member_id: int | None = None

    @property
    def role_name(self) -> str:
        return ROLE_NAMES[self.role]


def creator(activity: Activity) -> Creator | None:
    """Who published the activity, or None when nobody knows: an activity from before the
    office's logins were recorded (and not in the audit log), from a script, or whose
    publisher's row is gone. Only leaders and the office publish, so a member publisher
    published as leader, whatever their role today. Reads the rows services.activities
    joins in, so a list costs no query per activity."""
    if activity.created_by_id is not None:
        return Creator("leader", activity.created_by.name, activity.created_by_id)
    if activity.created_by_account_id is not None:
        return Creator("office", activity.created_by_account.display_name)
    return None
