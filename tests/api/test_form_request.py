"""The app's multipart parser (api.form_request) reads what Werkzeug's reads, and refuses what
Werkzeug's refuses, with the same status."""

import io

import pytest
from flask import Flask, Request, request
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from api.form_request import FormRequest

LIMITS = {"MAX_CONTENT_LENGTH": 3 * 2**20, "MAX_FORM_MEMORY_SIZE": 100_000, "MAX_FORM_PARTS": 20}


def echo_app(request_class) -> Flask:
    """An app answering with what it parsed: every field and every file's details."""
    app = Flask(__name__)
    app.request_class = request_class
    app.config.update(LIMITS)

    @app.post("/")
    def echo():
        files = {
            name: [(f.filename, f.content_type, f.read()) for f in request.files.getlist(name)]
            for name in request.files
        }
        form = {str(name): values for name, values in request.form.lists()}  # a None name too
        return {"form": form, "files": repr(files)}

    return app


def post(request_class, body: bytes, content_type: str):
    client = echo_app(request_class).test_client()
    return client.post("/", data=body, content_type=content_type)


def multipart(fields: dict) -> tuple[bytes, str]:
    boundary, body = encode_multipart(fields)
    return body, f"multipart/form-data; boundary={boundary}"


def upload(data: bytes, filename="照片.jpg", content_type="image/jpeg") -> FileStorage:
    return FileStorage(io.BytesIO(data), filename, content_type=content_type)


class WerkzeugInMemory(Request):
    """Werkzeug's own parser, holding files in memory as ours does: on some broken bodies it
    gives up with a spooled temporary file still open, which only warns."""

    def _get_file_stream(self, *args, **kwargs):
        return io.BytesIO()


def both(body: bytes, content_type: str):
    """Our parser's answer and Werkzeug's to the same request."""
    return post(FormRequest, body, content_type), post(WerkzeugInMemory, body, content_type)


@pytest.mark.parametrize(
    "fields",
    [
        {"lat": "34.75", "content": "帮助王奶奶打扫卫生", "empty": ""},
        {"photo": upload(b"\xff\xd8" + bytes(range(256)) * 40), "request_id": "tap-1"},
        {"photo": upload(b"\r\n--not-the-boundary\r\n" * 50, filename="")},
        {"big": upload(b"x" * (2 * 2**20)), "note": "2 MB"},
        {"empty": "", "activity_id": "5", "photo": upload(b""), "lat": "34.75"},
    ],
    ids=[
        "text fields",
        "a photo and a field",
        "an unnamed file",
        "a 2 MB file",
        "empty values before others",  # Werkzeug's test client encodes them loosely
    ],
)
def test_a_form_reads_as_werkzeug_reads_it(fields):
    ours, werkzeug = both(*multipart(fields))
    assert ours.status_code == werkzeug.status_code == 200
    assert ours.get_json() == werkzeug.get_json()
    assert ours.get_json()["form"] or ours.get_json()["files"] != "{}"


def part(headers: bytes, value: bytes) -> bytes:
    return b"--b\r\n" + headers + b"\r\n\r\n" + value + b"\r\n"


@pytest.mark.parametrize(
    "body",
    [
        part(b'Content-Disposition: form-data; name="f"; filename="a.bin"', b"no type"),
        part(
            b'Content-Disposition: form-data; name="f"; filename="a.jpg"\r\n'
            b"Content-Type: image/jpeg; quality=80",
            b"\xff\xd8",
        ),
        part(
            b'Content-Disposition: form-data; name="note"\r\n'
            b"Content-Type: text/plain; charset=iso-8859-1",
            b"caf\xe9",
        ),
        part(
            b'Content-Disposition: form-data; name="note"\r\n'
            + b"\r\n".join(b"X-Extra-%d: %d" % (n, n) for n in range(9)),
            b"nine headers",
        ),
        part(b'Content-Disposition: form-data; name="f"; filename="' + b"a" * 5000 + b'"', b"1"),
        part(
            b"Content-Disposition: form-data; name=\"f\"; filename*=UTF-8''%E7%85%A7.jpg",
            b"\xff\xd8",
        ),
        part(b'Content-Disposition: form-data; name="f"; filename="C:\\x\\a.jpg"', b"1"),
        part(b"Content-Disposition: form-data", b"no name"),
        part(b'Content-Disposition: form-data; name="f"; filename="a"', b"x--b y--b--z"),
        part(
            b'Content-Disposition: form-data; name="note"\r\n'
            b"Content-Type: text/plain; charset=iso-8859-1\r\nContent-Type: ",
            b"caf\xe9",
        ),
        part(
            b'Content-Disposition: form-data; name="f"; filename="a.jpg"\r\n\nContent-Type: x',
            b"\xff\xd8",
        ),
        part(
            b'Content-Disposition: form-data; name="f"; filename="a.jpg"\r\n'
            b"Content-Type: image/jpeg \t",
            b"\xff\xd8",
        ),
    ],
    ids=[
        "no content type",
        "type parameters",
        "latin-1 field",
        "nine headers",
        "long name",
        "RFC 2231 filename",
        "a path for a filename",
        "no name",
        "the delimiter's text inside a file",
        "two content types, the last empty",
        "a bare line feed before a header",
        "blanks after a header's value",
    ],
)
def test_a_part_reads_as_werkzeug_reads_it(body):
    ours, werkzeug = both(body + b"--b--\r\n", "multipart/form-data; boundary=b")
    assert ours.status_code == werkzeug.status_code == 200
    assert ours.get_json() == werkzeug.get_json() != {"form": {}, "files": "{}"}


def test_repeated_names_keep_every_value():
    body = (
        b'--b\r\nContent-Disposition: form-data; name="tag"\r\n\r\n\xe4\xb8\x80\r\n'
        b'--b\r\nContent-Disposition: form-data; name="tag"\r\n\r\ntwo\r\n--b--\r\n'
    )
    ours, werkzeug = both(body, "multipart/form-data; boundary=b")
    assert ours.get_json()["form"] == werkzeug.get_json()["form"] == {"tag": ["一", "two"]}


def test_a_stray_byte_in_a_field_becomes_a_replacement_character():
    body = b'--b\r\nContent-Disposition: form-data; name="note"\r\n\r\nok\xff\r\n--b--\r\n'
    response = post(FormRequest, body, "multipart/form-data; boundary=b")
    assert response.status_code == 200
    assert response.get_json()["form"] == {"note": ["ok\ufffd"]}


@pytest.mark.parametrize(
    "fields",
    [
        {"note": "字" * 40_000},  # 120,000 bytes, over MAX_FORM_MEMORY_SIZE
        {f"f{n}": "1" for n in range(30)},  # over MAX_FORM_PARTS
        {"photo": upload(b"x" * (3 * 2**20 + 1))},  # over MAX_CONTENT_LENGTH
    ],
    ids=["a long text field", "too many parts", "too large a body"],
)
def test_what_werkzeug_refuses_as_too_large_is_refused_alike(fields):
    ours, werkzeug = both(*multipart(fields))
    assert ours.status_code == werkzeug.status_code == 413


def test_a_part_whose_headers_fill_the_form_memory_is_refused_alike():
    headers = b"\r\n".join(b"X-Extra-%d: " % n + b"h" * 9000 for n in range(15))
    body = part(b'Content-Disposition: form-data; name="note"\r\n' + headers, b"1") + b"--b--\r\n"
    ours, werkzeug = both(body, "multipart/form-data; boundary=b")
    assert ours.status_code == werkzeug.status_code == 413


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'--b\r\nContent-Disposition: form-data; name="a"\r\n\r\nunfinished', "boundary=b"),
        (b"--b\r\nno headers at all\r\n--b--\r\n", "boundary=b"),
        (b"plain text", "boundary=b"),
        (b'--b\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--b--\r\n', ""),
    ],
    ids=["cut off", "a part without headers", "no parts", "no boundary"],
)
def test_a_malformed_body_is_an_empty_form(body, content_type):
    response = post(FormRequest, body, f"multipart/form-data; {content_type}")
    assert response.status_code == 200
    assert response.get_json() == {"form": {}, "files": "{}"}


def test_a_well_formed_body_never_reaches_werkzeugs_parser(monkeypatch):
    def refuse(*args):
        raise AssertionError("Werkzeug's parser was used")

    monkeypatch.setattr("werkzeug.formparser.MultiPartParser.parse", refuse)
    body = (
        b'--b\r\nContent-Disposition: form-data; name="empty"\r\n\r\n\r\n'
        b'--b\r\nContent-Disposition: form-data; name="photo"; filename="a.jpg"\r\n'
        b"Content-Type: image/jpeg\r\n\r\n\xff\xd8\xff\xd9\r\n--b--\r\n"
    )
    response = post(FormRequest, body, "multipart/form-data; boundary=b")
    assert response.get_json() == {
        "form": {"empty": [""]},
        "files": repr({"photo": [("a.jpg", "image/jpeg", b"\xff\xd8\xff\xd9")]}),
    }


# Pieces a broken or hostile client may put anywhere in a form: line breaks of every kind,
# delimiters, headers, blanks, a stray byte.
PIECES = [
    b"\r\n", b"\n", b"\r", b"--b", b"--b--", b" ", b"\t", b":", b";", b"x", b"\xe9", b"\r\n\r\n",
    b'Content-Disposition: form-data; name="a"',
    b'Content-Disposition: form-data; name="f"; filename="x.jpg"',
    b"Content-Type: text/plain; charset=iso-8859-1", b"Content-Type: ",
]  # fmt: skip
WELL_FORMED = (
    part(b'Content-Disposition: form-data; name="a"', b"hello")
    + part(
        b'Content-Disposition: form-data; name="f"; filename="x.jpg"\r\nContent-Type: image/jpeg',
        b"\xff\xd8abc",
    )
    + b"--b--\r\n"
)


@settings(max_examples=500, deadline=None, derandomize=True)
@given(
    st.lists(
        st.tuples(st.sampled_from(range(len(WELL_FORMED) + 1)), st.sampled_from(PIECES)), max_size=3
    )
)
def test_a_damaged_form_reads_as_werkzeug_reads_it(insertions):
    body = WELL_FORMED
    for position, piece in insertions:
        body = body[:position] + piece + body[position:]
    ours, werkzeug = both(body, "multipart/form-data; boundary=b")
    assert (ours.status_code, ours.get_data()) == (werkzeug.status_code, werkzeug.get_data())
