"""The app's request class: multipart uploads are read by the `multipart` library.

A check-in is mostly its photo. Werkzeug's own parser spends about as long taking a 400 KB
photo off the wire as a bare upload endpoint spends on everything else: it compiles two
regular expressions for every request's boundary and copies the body several times.
`multipart` does the same job in about a quarter of the time. Nothing else changes: `form`
and `files` are the usual MultiDicts of text and FileStorage, names are read by Werkzeug's
own header parser, and the same limits give 413 (MAX_CONTENT_LENGTH, MAX_FORM_PARTS, and
MAX_FORM_MEMORY_SIZE for a text field or for a part's headers).

Any body `multipart` does not read cleanly goes to Werkzeug's parser, so what Werkzeug reads
is read the same, and what it cannot read is an empty form (the view then says what is
missing). That covers bodies `multipart` refuses, and bodies it would misread: Werkzeug's own
test client leaves out the line break the standard asks for after an empty field, and
`multipart`, holding to the standard, would take the parts after it as that field's value.

The body and its parts are held in memory (at most MAX_CONTENT_LENGTH each, 12 MB by default)
rather than spooled to a temporary file as Werkzeug does above 500 KB: a photo is read whole
anyway, and no file is left open when a parse gives up halfway.
"""

import io
from math import inf
from typing import NamedTuple

import multipart
from flask import Request
from werkzeug.datastructures import FileStorage, Headers
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser, MultiPartParser
from werkzeug.http import parse_options_header

# Werkzeug's own rule for a part's charset (a short safe list, else UTF-8), so text fields
# decode as they would there.
_WERKZEUG = MultiPartParser()


class Part(NamedTuple):
    """One part of a form: its headers as `multipart` read them, and its bytes."""

    segment: multipart.MultipartSegment
    content: bytes


class _StrictHeaderLines(multipart.PushMultipartParser):
    """`multipart`'s push parser, refusing a part header line with a bare CR or LF in it.
    It splits header lines at CRLF only and strips the names, so CRLF, LF, `Content-Type: x`
    would be read as a header where Werkzeug ends the headers at the bare LF and reads the
    rest as content; refused, such a body goes to Werkzeug's parser and reads as there."""

    def _on_segment_headerline(self, line: bytes):
        if b"\r" in line or b"\n" in line:
            raise multipart.ParserError("A bare line break in a part's headers")
        super()._on_segment_headerline(line)


class MultipartFormParser(FormDataParser):
    def _parse_multipart(self, stream, mimetype, content_length, options):
        boundary = options.get("boundary", "")
        if not boundary:
            raise ValueError("Missing boundary")  # Werkzeug's parse() makes it an empty form
        body = stream.read()  # Werkzeug's stream stops at MAX_CONTENT_LENGTH (413)
        parts = self._parts(body, boundary)
        if parts is None:
            return super()._parse_multipart(io.BytesIO(body), mimetype, len(body), options)
        fields, files = [], []
        for part in parts:
            headers = self._headers(part.segment)
            # The names as Werkzeug reads them (RFC 2231 filename*, paths kept, no name: None).
            _, disposition = parse_options_header(headers.get("content-disposition"))
            name, filename = disposition.get("name"), disposition.get("filename")
            if filename is None:
                fields.append((name, self._text(part, headers)))
            else:
                upload = FileStorage(io.BytesIO(part.content), filename, name, headers=headers)
                files.append((name, upload))
        return stream, self.cls(fields), self.cls(files)

    def _parts(self, body: bytes, boundary: str) -> list[Part] | None:
        """Every part of the body with its content, or None when `multipart` cannot read it
        cleanly. The body is whole in memory, so it goes to the library's push parser in one
        piece; its stream reader would copy it again in 64 KB steps into buffered part objects
        (about 0.1 ms of a check-in's photo)."""
        parser = _StrictHeaderLines(
            boundary,
            len(body),
            # Werkzeug bounds a part's headers only by the form's memory limit (_headers).
            max_header_count=inf,
            max_header_size=self.max_form_memory_size or inf,
            max_segment_count=self.max_form_parts or inf,
        )
        parts, chunks = [], []
        try:
            with parser:  # leaving it checks that the body ended where a form ends
                for event in parser.parse(body):
                    if isinstance(event, multipart.MultipartSegment):
                        segment, chunks = event, []
                    elif event is None:  # the segment's end
                        parts.append(Part(segment, b"".join(chunks)))
                    else:
                        chunks.append(event)
        except multipart.ParserLimitReached as exc:  # too many parts, or a header line too long
            raise RequestEntityTooLarge() from exc
        except multipart.MultipartError:
            return None
        # A body read cleanly holds the delimiter once before each part and once after the
        # last. More means a part took a delimiter, and the parts after it, as its value; or
        # the delimiter's text also appears in a file, the preamble or the epilogue, which only
        # sends the body to Werkzeug's parser for nothing.
        delimiters = body.count(b"--" + boundary.encode("latin-1"))
        return parts if delimiters == len(parts) + 1 else None

    def _headers(self, segment: multipart.MultipartSegment) -> Headers:
        """A part's headers, held together to MAX_FORM_MEMORY_SIZE as Werkzeug holds them."""
        size = sum(len(name) + len(value) + 4 for name, value in segment.headerlist)
        if self.max_form_memory_size is not None and size > self.max_form_memory_size:
            raise RequestEntityTooLarge()
        # Werkzeug strips a value's trailing blanks too; `multipart` only the leading ones.
        return Headers([(name, value.rstrip(" \t")) for name, value in segment.headerlist])

    def _text(self, part: Part, headers: Headers) -> str:
        """A text field, held to MAX_FORM_MEMORY_SIZE, in the charset Werkzeug would read it in
        (a stray byte becomes U+FFFD, as there)."""
        content = part.content
        if self.max_form_memory_size is not None and len(content) > self.max_form_memory_size:
            raise RequestEntityTooLarge()
        # Most text fields have no Content-Type: then Werkzeug's rule gives UTF-8, and asking
        # its headers for the missing one would raise and catch an exception for each field.
        typed = any(name == "Content-Type" for name, _ in part.segment.headerlist)
        charset = _WERKZEUG.get_part_charset(headers) if typed else "utf-8"
        return content.decode(charset, "replace")


class FormRequest(Request):
    form_data_parser_class = MultipartFormParser

    def _get_file_stream(self, *args, **kwargs):
        """Where Werkzeug's parser (the fallback) puts a file: in memory, like the body it
        reads from, so a parse that fails halfway leaves no temporary file open."""
        return io.BytesIO()
