"""The photos are the evidence: the register's chains cover each entry's photo rows, and
`register verify` hashes the files they name. Entries written before photos were tracked
still verify clean."""

from datetime import timedelta

import pytest

from models import Photo, RecordHistory, ServiceRecord
from services import history, register_check
from services.history import GENESIS, current_sign
from tests import images
from tests.factories import NOW, office_actor
from tests.services.test_checkin import make_scene

LATER = NOW + timedelta(hours=3)


@pytest.fixture
def scene(database, tmp_path):
    return make_scene(tmp_path / "photos")


def _entry(scene):
    return ServiceRecord.get_by_id(scene.check_in().record.id)


def test_the_check_in_line_carries_the_photo(scene):
    record = _entry(scene)
    photo = Photo.get(Photo.record == record.id)
    line = record.history.get()
    assert line.state["photos"] == [[photo.storage_key, photo.sha256]]
    assert history.verify_record(record) is None
    assert register_check.verify(NOW, photo_root=scene.root) == []


@pytest.mark.parametrize(
    "change",
    [
        lambda: Photo.update(sha256="0" * 64, storage_key="2026/11/" + "0" * 64 + ".jpg"),
        lambda: Photo.delete(),
    ],
    ids=["pointed elsewhere", "deleted"],
)
def test_a_photo_row_changed_behind_the_service_is_found(scene, change):
    record = _entry(scene)
    sha256 = Photo.get(Photo.record == record.id).sha256
    change().execute()
    found = register_check.verify(NOW)
    assert [t.record_id for t in found] == [record.id]
    assert found[0].problem.startswith(f"记录被绕过系统修改：照片 1 张（{sha256[:8]}） → ")


def test_a_photo_row_changed_then_a_legitimate_change_still_shows(scene):
    record = _entry(scene)
    Photo.delete().execute()
    scene.check_out(record)
    assert "之前记录被绕过系统修改：照片" in history.verify_record(
        ServiceRecord.get_by_id(record.id)
    )


def test_a_photo_file_replaced_or_missing_is_found_by_the_command(scene):
    first, second = _entry(scene), _entry_of(scene, "r2")
    a, b = (Photo.get(Photo.record == r.id) for r in (first, second))
    (scene.root / a.storage_key).write_bytes(images.jpeg(seed=999))
    (scene.root / b.storage_key).unlink()
    assert register_check.verify(NOW) == []  # the rows hold: only the files are wrong
    found = register_check.verify(NOW, photo_root=scene.root)
    assert [(t.record_id, t.problem) for t in found] == [
        (first.id, f"照片文件被替换或损坏（内容与签到时的指纹不符）：{a.storage_key}"),
        (second.id, f"照片文件不见了：{b.storage_key}"),
    ]
    check = register_check.check_entry(office_actor(), second.id, scene.root)
    assert check.problem == f"照片文件不见了：{b.storage_key}"


def _entry_of(scene, request_id):
    record = scene.check_in(request_id=request_id, target="individual").record
    return ServiceRecord.get_by_id(record.id)


def _old_shape(record: ServiceRecord) -> None:
    """Rewrite the entry's chain as the service wrote it before photos were tracked."""
    prev = GENESIS
    for line in record.history.order_by(RecordHistory.seq):
        line.state.pop("photos", None)
        line.changes.pop("photos", None)
        entry = history._entry_of(line, record.id)
        line.prev_hash, line.hash = prev, current_sign()(history._message(prev, entry))
        line.save()
        prev = line.hash


def test_an_entry_written_before_photos_were_tracked_still_verifies(scene):
    record = _entry(scene)
    scene.check_out(record)
    _old_shape(record)
    assert "photos" not in record.history.order_by(RecordHistory.seq.desc()).first().state
    assert register_check.verify(NOW) == []
    # its photo is not covered by the old lines: a swap now goes unseen in the chain...
    Photo.update(sha256="1" * 64).execute()
    assert history.verify_record(ServiceRecord.get_by_id(record.id)) is None
    Photo.update(sha256=Photo.get().sha256).execute()


def test_an_old_entry_is_covered_from_its_next_line_on(scene):
    from services import review

    record = _entry(scene)
    scene.check_out(record)
    _old_shape(record)
    # the member fills in their own entry: a line of the new shape
    review.fill_in(scene.actor, record.id, LATER, outcome="又清理了两层")
    assert register_check.verify(NOW) == []
    Photo.delete().execute()
    assert "照片" in history.verify_record(ServiceRecord.get_by_id(record.id))


def _photo_reads(statements) -> int:
    return sum('FROM "photo"' in str(getattr(q, "sql", q)) for q in statements)


def test_the_command_reads_the_photo_rows_once_for_chains_and_files(scene):
    """The chains and the files take the same rows, read once in the snapshot."""
    from tests.statements import count_queries

    first, second = _entry(scene), _entry_of(scene, "r2")
    (scene.root / Photo.get(Photo.record == second.id).storage_key).unlink()
    with count_queries() as seen:
        found = register_check.verify(NOW, photo_root=scene.root)
    assert [t.record_id for t in found] == [second.id]  # the files of the rows read were checked
    assert _photo_reads(seen) == 1
    office = office_actor()
    with count_queries() as seen:
        check = register_check.check_entry(office, second.id, scene.root)
    assert check.problem.startswith("照片文件不见了") and _photo_reads(seen) == 1
    assert register_check.check_entry(office, first.id, scene.root).ok
