"""The housekeeping sweep removes photo files no entry names (a check-in refused after its
photo was stored), with real files in a temporary photo folder."""

import os
from datetime import datetime, timedelta

import pytest

from models import Photo
from services import housekeeping, photo_sweep
from services.photos import write_once
from tests import images
from tests.factories import NOW
from tests.services.test_checkin import make_scene

DAY = timedelta(days=1)


@pytest.fixture
def scene(database, tmp_path):
    return make_scene(tmp_path / "photos")


def _age(path, moment: datetime) -> None:
    """Set a file's modification time to a naive UTC moment."""
    stamp = (moment - datetime(1970, 1, 1)).total_seconds()
    os.utime(path, (stamp, stamp))


def _orphan(root, folder: str, seed: int, ext="jpg"):
    path = root / folder / f"{seed:064x}.{ext}"
    write_once(path, images.jpeg(seed=seed))
    return path


def _files(root) -> set[str]:
    """The files in the photo folder, not counting the sweep's quarantine."""
    files = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    return {f for f in files if not f.startswith(photo_sweep.SWEPT)}


def test_stale_unnamed_files_go_and_named_or_young_ones_stay(scene):
    kept = Photo.get(Photo.record == scene.check_in().record.id)
    root, folder = scene.root, kept.storage_key[:7]
    named = root / kept.storage_key
    thumb = root / kept.thumb_key
    thumb.write_bytes(b"thumb")
    stale = _orphan(root, folder, 1)
    stale_thumb = stale.with_name(stale.stem + "_thumb.jpg")
    stale_thumb.write_bytes(b"thumb")
    young = _orphan(root, folder, 2)
    lost_view = root / folder / f"{3:064x}_view.jpg"  # its original is gone
    lost_view.write_bytes(b"view")
    leftover = root / folder / f".{4:064x}.jpg.1a2b3c4d.tmp"
    leftover.write_bytes(b"half")
    for path in (named, thumb, stale, stale_thumb, lost_view, leftover):
        _age(path, NOW - 2 * DAY)
    _age(young, NOW - timedelta(hours=20))
    assert housekeeping.purge_expired(NOW, photo_root=root)["photo_files"] == 4
    assert _files(root) == {kept.storage_key, kept.thumb_key, young.relative_to(root).as_posix()}


def test_refused_concurrent_taps_leave_no_file_after_the_sweep(scene):
    """Four taps at once with four photos: one entry, and the others' files go."""
    from tests.services.test_checkin import _run_at_once

    _run_at_once(4, lambda i: scene.check_in(request_id=f"tap-{i}"))
    assert Photo.select().count() == 1
    stored = len(_files(scene.root))  # a tap refused before its photo was stored left none
    for path in scene.root.rglob("*.*"):
        _age(path, NOW - 2 * DAY)
    removed = photo_sweep.sweep_photos(scene.root, NOW)
    assert _files(scene.root) == {Photo.get().storage_key}
    assert removed == stored - 1


def test_a_stale_file_stored_again_is_young_and_stays(scene):
    """write_once touches a file it finds: a check-in about to name it keeps it."""
    path = _orphan(scene.root, "2026/11", 7)
    _age(path, NOW - 3 * DAY)
    write_once(path, images.jpeg(seed=7))  # the same bytes handed in again
    assert photo_sweep.sweep_photos(scene.root, datetime.now(tz=None)) == 0
    assert path.is_file()


def _named_in(scene, folder: str) -> Photo:
    """The scene's check-in photo as if it were taken in `folder`'s month: its file and its
    row's keys moved there."""
    photo = Photo.get(Photo.record == scene.check_in().record.id)
    keys = {
        "storage_key": folder + photo.storage_key[7:],
        "thumb_key": folder + photo.thumb_key[7:],
    }
    moved = scene.root / keys["storage_key"]
    moved.parent.mkdir(parents=True, exist_ok=True)
    os.replace(scene.root / photo.storage_key, moved)
    Photo.update(**keys).where(Photo.id == photo.id).execute()
    return Photo.get_by_id(photo.id)


def test_a_folder_of_a_year_ago_is_swept_as_this_months(scene):
    """An orphan stays for good otherwise, with a resident's position perhaps; the same bytes
    named in another month keep no file but their own."""
    photo, root = _named_in(scene, "2025/11"), scene.root
    named, thumb = root / photo.storage_key, root / photo.thumb_key
    thumb.write_bytes(b"thumb")
    stale = _orphan(root, "2025/11", 11)
    stale_view = stale.with_name(stale.stem + "_view.jpg")
    stale_view.write_bytes(b"view")
    young = _orphan(root, "2025/11", 12)
    copy = root / "2026/11" / named.name  # the same photo, named only in 2025/11
    write_once(copy, named.read_bytes())
    for path in (named, thumb, stale, stale_view, copy):
        _age(path, NOW - 365 * DAY)
    _age(young, NOW - timedelta(hours=20))
    assert photo_sweep.sweep_photos(root, NOW) == 3
    assert _files(root) == {photo.storage_key, photo.thumb_key, "2025/11/" + young.name}
    aside = root / photo_sweep.SWEPT / "2026-11-29"
    assert (aside / "2025/11" / stale.name).read_bytes() == images.jpeg(seed=11)


def test_the_quarantine_and_other_folders_are_no_month_folders(scene):
    """A file moved aside is not swept again (into today's quarantine, restarting its days)."""
    scene.check_in()
    held = _orphan(scene.root / photo_sweep.SWEPT / "2026-11-20", "2025/11", 13)
    odd = [_orphan(scene.root, folder, 14) for folder in ("2025", "2025/1", "old/2025/11")]
    (scene.root / "2024").write_bytes(b"a file, no folder")
    (scene.root / "2023").symlink_to(odd[-1].parent.parent, target_is_directory=True)
    for path in (held, *odd):
        _age(path, NOW - 9 * DAY)
    assert photo_sweep.month_folders(scene.root) == ["2026/11"]
    assert photo_sweep.sweep_photos(scene.root, NOW) == 0
    assert held.is_file() and all(path.is_file() for path in odd)


def test_swept_files_wait_a_month_before_they_are_deleted(scene):
    """A restored older database names none of the photos of the entries lost with it:
    they are all the office has left of them, so the sweep only moves them aside."""
    scene.check_in()
    stale = _orphan(scene.root, "2026/11", 9)
    _age(stale, NOW - 2 * DAY)
    assert photo_sweep.sweep_photos(scene.root, NOW) == 1
    aside = scene.root / photo_sweep.SWEPT / "2026-11-29" / "2026/11" / stale.name
    assert not stale.exists() and aside.read_bytes() == images.jpeg(seed=9)
    photo_sweep.sweep_photos(scene.root, NOW + 30 * DAY)
    assert aside.is_file()
    photo_sweep.sweep_photos(scene.root, NOW + 31 * DAY)
    assert not aside.exists()


@pytest.mark.parametrize("folder", ["2026/11", "2023/02"])
def test_a_database_that_names_no_photo_sweeps_nothing(scene, folder):
    """A new or wrong database (a scratch copy pointed at the real folder) moves no file."""
    stale = _orphan(scene.root, folder, 10)
    _age(stale, NOW - 2 * DAY)
    assert photo_sweep.sweep_photos(scene.root, NOW) == 0
    assert stale.is_file()


def _folder_of(scene, folder: str, named: int, unnamed: int) -> list:
    """`named` + `unnamed` stale originals in `folder`, photo rows naming the first `named`
    (rows like the scene's check-in photo); the unnamed files, as paths."""
    photo = Photo.get(Photo.record == scene.check_in().record.id)
    like = {k: v for k, v in photo.__data__.items() if k != "id"}
    paths = []
    for seed in range(1000, 1000 + named + unnamed):
        path = scene.root / folder / f"{seed:064x}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"photo")
        _age(path, NOW - 400 * DAY)
        if seed < 1000 + named:
            key = {
                "storage_key": f"{folder}/{path.name}",
                "thumb_key": f"{folder}/{seed:064x}_thumb.jpg",
            }
            Photo.create(**(like | key | {"sha256": f"{seed:064x}"}))
        else:
            paths.append(path)
    return paths


def test_a_folder_mostly_named_by_no_row_is_left_as_it_is(scene, caplog):
    """A scratch database with a few photos pointed at the real folder: a year's folder of 40
    photos of which it names 5 is not moved aside (30 days later, deleted), and the office is
    told in the log; the orphan of another folder still goes."""
    left = _folder_of(scene, "2025/05", named=5, unnamed=35)
    stray = _orphan(scene.root, "2026/11", 21)
    _age(stray, NOW - 2 * DAY)
    assert photo_sweep.sweep_photos(scene.root, NOW) == 1
    assert all(path.is_file() for path in left) and not stray.exists()
    (error,) = [r for r in caplog.records if r.levelname == "ERROR"]
    assert "2025/05" in error.getMessage() and "35 of its 40" in error.getMessage()


@pytest.mark.parametrize(
    ("named", "unnamed"),
    [
        (44, 11),  # many: a busy night of refused taps, yet one in five
        (4, 10),  # most, but few: a folder of a quiet month
    ],
)
def test_a_folder_with_its_usual_few_orphans_is_swept(scene, caplog, named, unnamed):
    stale = _folder_of(scene, "2025/05", named=named, unnamed=unnamed)
    assert photo_sweep.sweep_photos(scene.root, NOW) == unnamed
    assert not any(path.exists() for path in stale)
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
