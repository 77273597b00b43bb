"""Binding this WeChat to the roster from the chat: a bind code typed in, or a QR scene."""

import pytest

from models import BindCode, BindTry, Member
from services import chat_binding, clock
from services.bind_limits import CODE_DAY_TRIES, CODE_LIFE_TRIES
from services.binding import issue_bind_code, live_bind_code
from services.errors import Conflict
from tests.factories import make_member, make_team
from tests.wechat import oa
from tests.wechat.test_chat_support import Chat


@pytest.fixture
def member(app):
    with app.app_context():
        yield make_member(team=make_team(), name="李红", phone="13800000001")


@pytest.fixture
def chat(member, emulator):
    return Chat("oa-new", emulator)


def test_binding_with_phone_and_code(chat, member):
    code = issue_bind_code(member, clock.now_utc())
    assert "绑定成功" in chat.say(f"绑定 138-0000-0001 {code}")
    bound = Member.get_by_id(member.id)
    assert bound.oa_openid == "oa-new" and bound.mp_openid is None and bound.oa_reachable
    assert BindCode.get().used_at is not None
    assert "李红" in chat.say("帮助")
    assert "无需重复绑定" in chat.say(f"绑定 13800000001 {code}")


@pytest.mark.parametrize(
    "phone",
    [
        "+86 138-0000-0001",
        "86 138 0000 0001",
        "+8613800000001",
        "（+86）138 0000 0001",
        "１３８００００００01",  # a Chinese keyboard's full-width digits
    ],
)
def test_a_phone_written_with_a_country_code_spaces_or_dashes_binds(chat, member, phone):
    code = issue_bind_code(member, clock.now_utc())
    assert "绑定成功" in chat.say(f"绑定 {phone} {code}")
    assert Member.get_by_id(member.id).oa_openid == "oa-new"


def test_a_bind_with_plus_86_over_the_endpoint(client, member):
    code = issue_bind_code(member, clock.now_utc())
    reply = oa.reply_text(oa.push(client, oa.text("oa-new", f"绑定 +86 138-0000-0001 {code}")))
    assert "绑定成功" in reply
    assert Member.get_by_id(member.id).oa_openid == "oa-new"


def test_phone_and_code_may_be_separated_by_a_comma_or_nothing(chat, member, emulator):
    code = issue_bind_code(member, clock.now_utc())
    assert "绑定成功" in chat.say(f"绑定：13800000001，{code}")
    other = make_member(phone="13800000002")
    code = issue_bind_code(other, clock.now_utc())
    assert "绑定成功" in Chat("oa-other", emulator).say(f"绑定 13800000002{code}")


def test_a_wrong_code_binds_nothing_and_counts_against_the_code(chat, member):
    code = issue_bind_code(member, clock.now_utc())
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    assert "不正确" in chat.say(f"绑定 13800000001 {wrong}")
    assert Member.get_by_id(member.id).oa_openid is None
    assert BindCode.get().failed_attempts == 1


def test_a_code_is_spent_once(chat, member, emulator):
    code = issue_bind_code(member, clock.now_utc())
    chat.say(f"绑定 13800000001 {code}")
    assert "不正确" in Chat("oa-other", emulator).say(f"绑定 13800000001 {code}")


def test_too_many_wrong_tries_lock_the_openid_out(chat, member):
    code = issue_bind_code(member, clock.now_utc())
    replies = [chat.say("绑定 13900000000 000000") for _ in range(5)]
    assert ["尝试次数过多" in reply for reply in replies] == [False] * 4 + [True]
    assert "后再试" in replies[-1] and "联系办公室" in replies[-1]
    assert "尝试次数过多" in chat.say(f"绑定 13800000001 {code}")
    assert BindTry.select().count() == 5
    assert Member.get_by_id(member.id).oa_openid is None


def test_a_strangers_wrong_tries_do_not_stop_the_member(chat, member, emulator):
    """Before, five wrong codes from anyone voided a member's code for good."""
    code = issue_bind_code(member, clock.now_utc())
    stranger = Chat("oa-stranger", emulator)
    for _ in range(5):
        stranger.say("绑定 13800000001 000000")
    for n in range(5):
        Chat(f"oa-stranger{n}", emulator).say("绑定 13800000001 000001")
    assert "绑定成功" in chat.say(f"绑定 13800000001 {code}")


def test_a_code_tried_too_often_in_its_life_no_longer_binds_typed_in(chat, member, emulator):
    code = issue_bind_code(member, clock.now_utc())
    BindCode.update(failed_attempts=CODE_LIFE_TRIES).execute()
    reply = chat.say(f"绑定 13800000001 {code}")
    assert "已失效" in reply and "联系办公室重新获取" in reply  # its holder is told what to do
    assert Member.get_by_id(member.id).oa_openid is None
    assert "不正确" in Chat("oa-guesser", emulator).say("绑定 13800000001 000000")


def test_a_code_locked_for_the_day_answers_as_a_wrong_one_and_scans(chat, member, emulator):
    """Others' wrong tries lock the code for typing: the member's right code is answered as a
    wrong one (which says what to do), and the QR scene, which nobody can guess, binds."""
    code = issue_bind_code(member, clock.now_utc())
    for n in range(CODE_DAY_TRIES):
        Chat(f"oa-stranger{n}", emulator).say("绑定 13800000001 000000")
    reply = chat.say(f"绑定 13800000001 {code}")
    assert reply == Chat("oa-guesser", emulator).say("绑定 13800000001 000000")
    assert "不正确" in reply and "24 小时后再试" in reply and "联系办公室" in reply
    assert "绑定成功" in chat.event("scan", f"{chat_binding.SCENE_PREFIX}{code}").text


def test_tries_at_a_void_code_count_against_the_openid(chat, member):
    code = issue_bind_code(member, clock.now_utc())
    BindCode.update(failed_attempts=CODE_LIFE_TRIES).execute()
    for _ in range(4):
        assert "已失效" in chat.say(f"绑定 13800000001 {code}")
    assert "尝试次数过多" in chat.say(f"绑定 13800000001 {code}")
    assert BindTry.select().count() == 5
    assert BindCode.get().failed_attempts == CODE_LIFE_TRIES


@pytest.mark.parametrize(
    "text",
    [
        "绑定",
        "绑定 13800000001",
        "绑定 abc def",
        "绑定 1380000001 482913",  # ten digits
        "绑定 +86 138-0000-00012 482913",  # twelve digits
        "绑定 13800000001 4829",  # a short code
        "绑定 13800000001 4829131",  # a long code
        "绑定 手机13800000001 482913",
    ],
)
def test_a_malformed_bind_shows_the_format_and_is_no_failed_try(chat, member, text):
    issue_bind_code(member, clock.now_utc())
    assert "请按格式发送" in chat.say(text)
    assert BindTry.select().count() == 0
    assert BindCode.get().failed_attempts == 0


def test_malformed_binds_never_lock_the_openid_out(chat, member):
    code = issue_bind_code(member, clock.now_utc())
    for _ in range(6):
        chat.say("绑定 +86 138-0000-000 482913")
    assert "绑定成功" in chat.say(f"绑定 +86 138-0000-0001 {code}")


@pytest.mark.parametrize("event", ["subscribe", "scan"])
def test_scanning_a_bind_scene_binds(chat, member, event):
    code = issue_bind_code(member, clock.now_utc())
    reply = chat.event(event, f"{chat_binding.SCENE_PREFIX}{code}")
    assert "绑定成功" in reply.text
    assert Member.get_by_id(member.id).oa_openid == "oa-new"


def test_a_spent_or_replaced_scene_is_refused(chat, member):
    old = issue_bind_code(member, clock.now_utc())
    issue_bind_code(member, clock.now_utc())
    assert "已失效" in chat.event("subscribe", f"bind:{old}").text
    assert Member.get_by_id(member.id).oa_openid is None


def test_other_scenes_and_plain_follows_greet(chat, member, emulator):
    assert "请先绑定" in chat.event("subscribe", "poster-2026").text
    member.oa_openid = "oa-new"
    member.save()
    assert "欢迎回来" in chat.event("scan", "poster-2026").text


def test_an_openid_bound_to_someone_else_cannot_bind_again(app, member, emulator):
    make_member(oa_openid="oa-taken")
    code = issue_bind_code(member, clock.now_utc())
    assert "无需重复绑定" in Chat("oa-taken", emulator).say(f"绑定 13800000001 {code}")
    with pytest.raises(Conflict) as refused:
        chat_binding.bind_with_code("oa-taken", "13800000001", code, clock.now_utc())
    assert refused.value.code == "openid_taken"
    assert BindCode.get().used_at is None


def test_scene_codes():
    assert chat_binding.scene_code("bind:482913") == "482913"
    assert chat_binding.scene_code("482913") is None
    assert chat_binding.scene_code("bind:") is None


@pytest.mark.parametrize("text", ["13800000001 {code}", "138-0000-0001，{code}"])
def test_the_phone_and_code_alone_bind_as_the_offices_slip_shows_them(chat, member, text):
    code = issue_bind_code(member, clock.now_utc())
    assert "绑定成功" in chat.say(text.format(code=code))
    assert Member.get_by_id(member.id).oa_openid == "oa-new"


def test_other_numbers_alone_are_no_bind_attempt(chat, member):
    issue_bind_code(member, clock.now_utc())
    assert "绑定成功" not in chat.say("13800000001")
    assert "绑定成功" not in chat.say("123456")
    assert live_bind_code(member, clock.now_utc()).failed_attempts == 0


def wrong_digit(code: str) -> str:
    """The code with its last digit mistyped."""
    return code[:-1] + str((int(code[-1]) + 1) % 10)


def test_one_wrong_digit_is_told_to_check_the_digits_first(client, member):
    """A mistyped digit reads as one, not as a 24-hour lockout: checking the digits and
    trying again comes first, the lock last; the same words for a wrong phone, a wrong code
    and a code others locked, so guessing learns nothing."""
    code = issue_bind_code(member, clock.now_utc())

    def bind(openid: str, phone: str, typed: str) -> str:
        return oa.reply_text(oa.push(client, oa.text(openid, f"绑定 {phone} {typed}")))

    typo = bind("oa-typo", "13800000001", wrong_digit(code))
    assert typo == (
        "绑定未成功：手机号或绑定码不正确，请核对每一位数字后再试一次。"
        "核对无误仍不成功的，可能是绑定码被暂时锁定，请 24 小时后再试，或联系办公室重新获取。"
    )
    assert typo.index("核对每一位数字") < typo.index("锁定")
    assert bind("oa-typo2", "13800000011", code) == typo  # a wrong phone
    for n in range(CODE_DAY_TRIES):
        bind(f"oa-stranger{n}", "13800000001", "000000")
    assert bind("oa-member", "13800000001", code) == typo  # locked: alike
