"""The programme's people and places: communities, teams, members, households, pairings."""

import peewee as pw

from .base import BaseModel

COORD_TYPES = ("gcj02", "wgs84")
MEMBER_ROLES = ("member", "leader")


class Branch(BaseModel):
    """A party branch (支部) a member belongs to."""

    name = pw.CharField(max_length=100, unique=True)


class Community(BaseModel):
    """A community (社区) paired with one team; its point and radius anchor check-ins."""

    name = pw.CharField(max_length=100, unique=True)
    address = pw.CharField(max_length=200, default="")
    lat = pw.DoubleField()
    lng = pw.DoubleField()
    coord_type = pw.CharField(max_length=8, default="gcj02")
    radius_m = pw.IntegerField(default=300)


class Team(BaseModel):
    """A volunteer team (服务队); its leader is the member whose role is leader."""

    name = pw.CharField(max_length=100, unique=True)
    community = pw.ForeignKeyField(Community, backref="teams", on_delete="RESTRICT")


class Member(BaseModel):
    """A party member on the roster, with the WeChat identities bound to them.

    When they were in the programme is their spells (MemberSpell), which every rule about a
    period asks. A member who leaves stays on the roster, inactive: `active` says whether
    their latest spell is open, kept on the row because every request, notice and list of
    the team asks it now, without a join. services.spells is the one place that writes
    either, both in one transaction."""

    name = pw.CharField(max_length=50)
    phone = pw.CharField(max_length=20, unique=True)
    branch = pw.ForeignKeyField(Branch, null=True, backref="members", on_delete="SET NULL")
    team = pw.ForeignKeyField(Team, null=True, backref="members", on_delete="RESTRICT")
    role = pw.CharField(max_length=10, default="member")
    active = pw.BooleanField(default=True)
    mp_openid = pw.CharField(max_length=64, null=True, unique=True)
    oa_openid = pw.CharField(max_length=64, null=True, unique=True)
    unionid = pw.CharField(max_length=64, null=True, unique=True)
    oa_reachable = pw.BooleanField(default=True)
    last_interaction_at = pw.DateTimeField(null=True)
    created_at = pw.DateTimeField()

    class Meta:
        indexes = ((("team", "role"), False),)

    @property
    def is_leader(self) -> bool:
        return self.role == "leader"


# One leader per team, enforced by the database as well as by the import.
Member.add_index(
    Member.index(
        Member.team, unique=True, where=pw.SQL("role = 'leader'"), name="member_one_leader"
    )
)


class MemberSpell(BaseModel):
    """One spell of a member in the programme (在册): from the Shanghai day they joined or
    came back to the day they left, both days on the roster; `left_on` empty while it lasts.
    A member who leaves and comes back has one spell per stay, never overlapping."""

    member = pw.ForeignKeyField(Member, backref="spells", on_delete="CASCADE")
    joined_on = pw.DateField()
    left_on = pw.DateField(null=True)

    class Meta:
        table_name = "member_spell"
        indexes = ((("member", "joined_on"), True),)


# At most one open spell per member: a return opens one only after the last has closed.
MemberSpell.add_index(
    MemberSpell.index(
        MemberSpell.member,
        unique=True,
        where=MemberSpell.left_on.is_null(),
        name="member_spell_open",
    )
)


class BindCode(BaseModel):
    """A one-time code the office hands a member to bind their WeChat to the roster."""

    member = pw.ForeignKeyField(Member, backref="bind_codes", on_delete="CASCADE")
    code = pw.CharField(max_length=12)
    expires_at = pw.DateTimeField()
    used_at = pw.DateTimeField(null=True)
    failed_attempts = pw.IntegerField(default=0)  # typed tries checked against it, ever
    created_at = pw.DateTimeField()


class BindTry(BaseModel):
    """One try at binding with a typed phone and code, by one WeChat caller ("mp:<openid>" or
    "oa:<openid>"), kept a day for the limits on guessing (services/bind_limits.py). It names
    the live code it was checked against, if it was."""

    caller = pw.CharField(max_length=80)
    bind_code = pw.ForeignKeyField(BindCode, null=True, on_delete="CASCADE", index=False)
    at = pw.DateTimeField()

    class Meta:
        indexes = ((("caller", "at"), False), (("bind_code", "at"), False))


class Household(BaseModel):
    """A resident household (结对家庭); personal data is masked for everyone but the office."""

    community = pw.ForeignKeyField(Community, backref="households", on_delete="RESTRICT")
    head_name = pw.CharField(max_length=50)
    phone = pw.CharField(max_length=20, default="")
    address = pw.CharField(max_length=200)
    size = pw.IntegerField(null=True)
    situation = pw.TextField(default="")
    lat = pw.DoubleField(null=True)
    lng = pw.DoubleField(null=True)
    coord_type = pw.CharField(max_length=8, default="gcj02")
    created_at = pw.DateTimeField()

    class Meta:
        indexes = ((("community", "address"), True),)


class Pairing(BaseModel):
    """A long-term one-to-one pairing of a member with a household; active while ended_on is
    empty."""

    member = pw.ForeignKeyField(Member, backref="pairings", on_delete="RESTRICT")
    household = pw.ForeignKeyField(Household, backref="pairings", on_delete="RESTRICT")
    started_on = pw.DateField()
    ended_on = pw.DateField(null=True)


Pairing.add_index(
    Pairing.index(
        Pairing.member, unique=True, where=Pairing.ended_on.is_null(), name="pairing_active_member"
    )
)
Pairing.add_index(
    Pairing.index(
        Pairing.household,
        unique=True,
        where=Pairing.ended_on.is_null(),
        name="pairing_active_household",
    )
)


class Account(BaseModel):
    """A login for the office web dashboard."""

    username = pw.CharField(max_length=50, unique=True)
    display_name = pw.CharField(max_length=50)
    password_hash = pw.CharField(max_length=255)
    role = pw.CharField(max_length=10, default="office")
    active = pw.BooleanField(default=True)
    created_at = pw.DateTimeField()
    last_login_at = pw.DateTimeField(null=True)
    failed_logins = pw.IntegerField(default=0)
    locked_until = pw.DateTimeField(null=True)
