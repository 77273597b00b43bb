"""A prepared query gives exactly what the same peewee query gives, with new values each call."""

from datetime import timedelta

import peewee
import pytest
from peewee import JOIN, fn

from models import ChatState, Member, ServiceRecord, db
from models.database import bind, create_if_missing, make_database, release, upgrade
from models.prepared import Prepared, PreparedInsert, PreparedNewRows, pipelined
from tests.factories import NOW, make_member, make_record, make_team

BY_PHONE = Prepared(lambda p: Member.select().where(Member.phone == p.phone).limit(1))
LATEST = Prepared(
    lambda p: ServiceRecord.select(fn.MAX(ServiceRecord.checkin_at)).where(
        (ServiceRecord.member == p.member) & (ServiceRecord.checkin_at < p.before)
    )
)
WITH_CHAT = Prepared(
    lambda p: (
        Member.select(Member, ChatState)
        .join(ChatState, JOIN.LEFT_OUTER, on=(ChatState.openid == Member.oa_openid), attr="chat")
        .where(Member.oa_openid == p.openid)
    )
)
RENAME = Prepared(lambda p: Member.update(name=p.name).where(Member.id == p.id))


def test_rows_are_the_models_peewee_would_give(database):
    team = make_team()
    first, second = make_member(team=team), make_member(team=team)
    for member in (first, second):
        found = BY_PHONE.first(phone=member.phone)
        assert isinstance(found, Member)
        assert (found.id, found.name, found.created_at) == (
            member.id,
            member.name,
            Member.get_by_id(member.id).created_at,
        )
    assert BY_PHONE.first(phone="nobody") is None


def test_joined_rows_stay_right_when_later_runs_reuse_the_first_runs_column_matching(database):
    """Later runs skip peewee's column matching; each must still build its own models, with the
    joined row or without it."""
    chatting, silent = make_member(oa_openid="o-chat"), make_member(oa_openid="o-silent")
    ChatState.create(openid="o-chat", state="checkin_location", data={"n": 1}, expires_at=NOW)
    for _ in range(2):
        found = WITH_CHAT.first(openid="o-chat")
        assert (found.id, found.chat.state, found.chat.data) == (
            chatting.id,
            "checkin_location",
            {"n": 1},
        )
        assert found.chat.expires_at == NOW
        alone = WITH_CHAT.first(openid="o-silent")
        assert alone.id == silent.id and alone.created_at == Member.get_by_id(silent.id).created_at
        assert alone.chat is None
    assert WITH_CHAT.first(openid="o-chat") is not found  # new instances every run


def test_dict_tuple_and_named_tuple_rows_stay_right_on_later_runs(database):
    first, second = make_member(name="甲"), make_member(name="乙")
    shapes = {
        "dicts": lambda q: q.dicts(),
        "tuples": lambda q: q.tuples(),
        "namedtuples": lambda q: q.namedtuples(),
    }
    for shape, make in shapes.items():
        query = Prepared(
            lambda p, make=make: make(
                Member.select(Member.id, Member.name).where(Member.id == p.id)
            )
        )
        for member in (first, second, first):
            [row] = query.rows(id=member.id)
            values = tuple(row.values()) if shape == "dicts" else tuple(row)
            assert values == (member.id, member.name), shape
        if shape == "namedtuples":
            assert row.name == first.name


def test_scalars_are_converted_and_slots_are_bound_each_call(database):
    member = make_member()
    make_record(member, checkin_at=NOW)
    make_record(member, checkin_at=NOW + timedelta(hours=5))
    assert LATEST.scalar(member=member.id, before=NOW + timedelta(days=1)) == NOW + timedelta(
        hours=5
    )
    assert LATEST.scalar(member=member.id, before=NOW + timedelta(hours=1)) == NOW
    assert LATEST.scalar(member=member.id, before=NOW) is None


def test_writes_report_their_rowcount(database):
    member = make_member()
    assert RENAME.rowcount(name="新名字", id=member.id) == 1
    assert RENAME.rowcount(name="x", id=member.id + 1000) == 0
    assert Member.get_by_id(member.id).name == "新名字"


def test_a_new_database_gets_its_own_compiled_query(database, tmp_path):
    make_member(phone="13900000001")
    assert BY_PHONE.first(phone="13900000001") is not None
    release()
    create_if_missing(f"sqlite:///{tmp_path}/other.db")
    bind(make_database(f"sqlite:///{tmp_path}/other.db"))
    with db.connection_context():
        upgrade()
        assert BY_PHONE.first(phone="13900000001") is None


NEW_MEMBER = PreparedInsert(Member)


def test_a_prepared_insert_stores_what_create_would(database):
    team = make_team()
    made = NEW_MEMBER.create(name="李四", phone="13900000009", team=team, created_at=NOW)
    plain = Member.create(name="王五", phone="13900000010", team=team, created_at=NOW)
    assert made.id == plain.id - 1
    stored = Member.get_by_id(made.id)
    assert (stored.name, stored.team_id, stored.role, stored.active, stored.created_at) == (
        "李四",
        team.id,
        plain.role,  # the field's default applies
        plain.active,
        NOW,
    )
    assert not made.is_dirty()


NEW_STATES = PreparedNewRows(ChatState, ["openid", "state", "data", "expires_at"])


def test_new_rows_skip_existing_keys_and_count_only_the_new(database):
    def row(openid, state):
        return {"openid": openid, "state": state, "data": {"n": 1}, "expires_at": NOW}

    assert NEW_STATES.insert([row("a", "x"), row("b", "x")]) == 2
    assert NEW_STATES.insert([row("b", "changed"), row("c", "x"), row("c", "again")]) == 1
    assert NEW_STATES.insert([]) == 0
    stored = {s.openid: (s.state, s.data, s.expires_at) for s in ChatState.select()}
    assert stored == {
        "a": ("x", {"n": 1}, NOW),
        "b": ("x", {"n": 1}, NOW),
        "c": ("x", {"n": 1}, NOW),
    }


NEW_TEAMLESS = Prepared(
    lambda p: Member.insert(name=p.name, phone=p.phone, created_at=p.at).returning(Member.id)
)


def test_queries_sent_together_are_answered_after_the_block_in_order(database):
    """In pipelined() a query runs without waiting for its answer; each Sent reads its own
    answer afterwards, the second seeing what the first wrote before it."""
    member = make_member(oa_openid="o-sent")
    with db.atomic():
        with pipelined():
            renamed = RENAME.cursor(name="先改名", id=member.id)
            found = WITH_CHAT.send(openid="o-sent")
            nobody = BY_PHONE.send(phone="nobody")
            phones = Prepared(lambda p: Member.select(Member.phone)).send()
        assert renamed.rowcount == 1
        assert found.first().name == "先改名"
        assert nobody.first() is None
        assert phones.column() == [member.phone]


def test_on_postgresql_a_pipelined_query_waits_for_its_answer_until_the_block_ends(database):
    if not isinstance(db.obj, peewee.PostgresqlDatabase):
        pytest.skip("SQLite has no round trips to save")
    with pipelined():
        sent = BY_PHONE.cursor(phone="nobody")
        assert sent.pgresult is None  # sent, not answered: the next query goes out at once
        second = BY_PHONE.cursor(phone="nobody either")
    assert sent.pgresult is not None and second.fetchall() == []


def test_a_driver_error_in_a_pipeline_is_peewees_and_the_transaction_rolls_back(database):
    member = make_member()
    with pytest.raises(peewee.IntegrityError), db.atomic(), pipelined():
        RENAME.cursor(name="不会留下", id=member.id)
        NEW_TEAMLESS.cursor(name="重号", phone=member.phone, at=NOW)  # the phone is unique
    assert Member.get_by_id(member.id).name == member.name
    assert BY_PHONE.first(phone=member.phone).id == member.id  # the connection still works
