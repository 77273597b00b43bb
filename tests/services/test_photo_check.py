"""Doubts about check-in photos: reuse, near copies, a camera clock far from now."""

import io
import threading
from datetime import timedelta

import pytest
from PIL import Image

from models import Photo
from services import checkin
from services.actors import Actor
from services.checkin import check_out
from services.checkin_rules import CheckinRules
from services.errors import Invalid
from services.photo_check import photo_flags
from services.photos import hamming, store_photo
from tests import images
from tests.factories import NOW, make_activity, make_member
from tests.services.test_checkin import _run_at_once, enrol, make_scene


@pytest.fixture
def scene(database, tmp_path):
    return make_scene(tmp_path / "photos")


@pytest.fixture
def second(scene):
    """A second activity of the team, the next day, the member enrolled."""
    activity = make_activity(scene.team, starts_at=NOW + timedelta(days=1))
    enrol(activity, scene.member)
    return activity


def near_copy(data: bytes, size=(480, 360)) -> bytes:
    """The same picture resized and re-encoded as WebP: other bytes, the same scene."""
    with Image.open(io.BytesIO(data)) as image:
        return images.encode(image.resize(size), "WEBP", quality=50)


def test_a_fresh_photo_raises_no_doubt(scene):
    assert scene.check_in(photo=images.jpeg(seed=1)).record.flags == []


def test_the_same_file_handed_in_again_by_the_member_is_reused(scene, second):
    photo = images.jpeg(seed=2)
    first = scene.check_in(photo=photo, request_id="a").record
    check_out(scene.actor, first.id, None, NOW + timedelta(hours=2))
    again = scene.check_in(
        target=second.id, photo=photo, request_id="b", now=NOW + timedelta(days=1)
    ).record
    assert again.flags == ["photo_reused"] and again.status == "flagged"
    assert [p.storage_key for p in again.photos] == [p.storage_key for p in first.photos]


def test_the_same_file_from_another_member_anywhere_is_reused(scene, second):
    photo = images.jpeg(seed=3)
    scene.check_in(photo=photo)
    other = make_member(team=scene.team)
    enrol(second, other)
    theirs = scene.check_in(
        actor=Actor(member=other), target=second.id, photo=photo, now=NOW + timedelta(days=1)
    )
    assert theirs.record.flags == ["photo_reused"]


def test_a_near_copy_of_the_members_earlier_photo_is_similar(scene, second):
    photo = images.jpeg(seed=4, size=(1600, 1200))
    first = scene.check_in(photo=photo, request_id="a").record
    check_out(scene.actor, first.id, None, NOW + timedelta(hours=2))
    copy = near_copy(photo)
    record = scene.check_in(
        target=second.id, photo=copy, request_id="b", now=NOW + timedelta(days=1)
    ).record
    assert record.flags == ["photo_similar"]


def test_a_near_copy_of_another_photo_of_the_same_activity_is_similar(scene, second):
    photo = images.jpeg(seed=5, size=(1600, 1200))
    scene.check_in(photo=photo)
    other, stranger = make_member(team=scene.team), make_member(team=scene.team)
    enrol(scene.activity, other)
    enrol(second, stranger)
    same_activity = scene.check_in(actor=Actor(member=other), photo=near_copy(photo))
    assert same_activity.record.flags == ["photo_similar"]
    other_activity = scene.check_in(
        actor=Actor(member=stranger),
        target=second.id,
        photo=near_copy(photo, (640, 480)),
        now=NOW + timedelta(days=1),
    )
    assert other_activity.record.flags == []  # another member, another activity: not compared


def test_how_similar_is_similar_is_configurable(scene, second):
    photo = images.jpeg(seed=6, size=(1600, 1200))
    first = scene.check_in(photo=photo, request_id="a").record
    check_out(scene.actor, first.id, None, NOW + timedelta(hours=2))
    copy = near_copy(photo)
    distance = hamming(first.photos[0].phash, store_photo(copy, scene.root, NOW).phash)
    assert distance > 0  # the copy is not bit-for-bit the same picture to dHash
    strict = CheckinRules(similar_max_bits=distance - 1)
    record = scene.check_in(
        target=second.id, photo=copy, request_id="b", now=NOW + timedelta(days=1), rules=strict
    ).record
    assert record.flags == []


@pytest.mark.parametrize(
    ("taken", "flagged"),
    [
        (None, False),
        (NOW - timedelta(minutes=20), False),
        (NOW - timedelta(hours=1, minutes=59), False),
        (NOW - timedelta(hours=2, minutes=1), True),
        (NOW + timedelta(hours=3), True),  # a camera clock ahead
        (NOW - timedelta(days=400), True),  # last year's photo from the album
    ],
)
def test_an_exif_time_far_from_now_is_flagged(scene, taken, flagged):
    record = scene.check_in(photo=images.jpeg(seed=7, taken=taken)).record
    assert ("exif_time_off" in record.flags) is flagged
    stored = Photo.get(Photo.record == record)
    assert stored.exif_taken_at == (taken.replace(microsecond=0) if taken else None)


def test_a_photo_time_only_digitized_is_checked_too(scene):
    """Without DateTimeOriginal, DateTimeDigitized is the photo's time."""
    taken = (NOW - timedelta(days=400)).replace(microsecond=0)  # last year's, from the album
    photo = images.jpeg(seed=9, taken=taken, time_tag="digitized")
    record = scene.check_in(photo=photo).record
    assert "exif_time_off" in record.flags
    assert Photo.get(Photo.record == record).exif_taken_at == taken


def test_the_time_a_file_was_saved_is_not_the_photos_time(scene):
    """IFD0's DateTime is when an editor saved the file: not served as taken_at, not checked."""
    saved = (NOW - timedelta(days=400)).replace(microsecond=0)
    record = scene.check_in(photo=images.jpeg(seed=9, taken=saved, time_tag="ifd0")).record
    assert "exif_time_off" not in record.flags
    assert Photo.get(Photo.record == record).exif_taken_at is None


def test_exif_gps_is_kept_with_the_photo(scene):
    record = scene.check_in(photo=images.jpeg(seed=8, gps=(34.7461, 113.6198))).record
    stored = Photo.get(Photo.record == record)
    assert (stored.exif_lat, stored.exif_lng) == pytest.approx((34.7461, 113.6198), abs=1e-5)


def test_photo_flags_order_is_stable(scene, tmp_path):
    photo = images.jpeg(seed=9, taken=NOW - timedelta(days=1))
    scene.check_in(photo=photo)
    stored = store_photo(photo, tmp_path / "again", NOW)
    flags = photo_flags(stored, scene.member.id, scene.activity.id, NOW, CheckinRules())
    assert flags == ["photo_reused", "exif_time_off"]


@pytest.mark.parametrize(
    ("data", "accepted"),
    [
        pytest.param(images.jpeg(seed=10, size=(3000, 2000)), True, id="6MP-photo"),
        pytest.param(
            images.encode(Image.new("RGB", (2000, 2000), "white"), "PNG"), True, id="4MP-flat"
        ),
        pytest.param(images.png_bomb(3000, 3000), False, id="9MP-in-2KB"),
        pytest.param(images.png_bomb(7000, 7000), False, id="49MP-in-6KB"),
        pytest.param(images.png_bomb(9500, 9500), False, id="pillow-warning"),
        pytest.param(images.png_bomb(20000, 20000), False, id="pillow-error"),
    ],
)
def test_decompression_bombs_are_refused_before_decoding(tmp_path, data, accepted):
    if accepted:
        assert store_photo(data, tmp_path, NOW).width > 0
        return
    with pytest.raises(Invalid) as caught:
        store_photo(data, tmp_path, NOW)
    refusal = (caught.value.code, caught.value.message)
    assert refusal == ("photo_too_large", "照片像素过多，请直接用手机相机拍摄后上传。")
    assert not any(tmp_path.iterdir())


# --- two members at the same moment -----------------------------------------------------------


def _both_at_once(scene, monkeypatch, target, photos) -> list[list[str]]:
    """Two members of the activity check in to `target` at the same moment, each with its
    photo; the flags of both entries. Each transaction, once it has asked its questions, waits
    (up to a limit) for the other to have asked too: without serialising, neither sees the
    other's photo (PostgreSQL, READ COMMITTED); with it, the second cannot ask before the first
    commits, so the first's wait times out. SQLite runs them one after the other anyway."""
    other = make_member(team=scene.team)
    enrol(scene.activity, other)
    barrier = threading.Barrier(2, timeout=2)
    append = checkin.history.append

    def append_then_wait(*args, **kw):
        line = append(*args, **kw)
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass
        return line

    monkeypatch.setattr(checkin.history, "append", append_then_wait)
    actors = [scene.actor, Actor(member=other)]
    results = _run_at_once(
        2, lambda i: scene.check_in(actor=actors[i], target=target, photo=photos[i])
    )
    return sorted(r.record.flags for r in results)


@pytest.mark.parametrize("kind", ["activity", "individual"])
def test_the_same_file_from_two_members_at_once_is_reused(scene, monkeypatch, kind):
    """The same file is caught across the register, not only within one activity: an own
    service has no activity to serialise on."""
    target = scene.activity.id if kind == "activity" else "individual"
    photo = images.jpeg(seed=77)
    assert _both_at_once(scene, monkeypatch, target, [photo, photo]) == [[], ["photo_reused"]]


def test_near_copies_from_two_members_of_one_activity_at_once_are_similar(scene, monkeypatch):
    photo = images.jpeg(seed=78, size=(1600, 1200))
    flags = _both_at_once(scene, monkeypatch, scene.activity.id, [photo, near_copy(photo)])
    assert flags == [[], ["photo_similar"]]
