"""The app's request class: multipart uploads are read by the `multipart` library.

A check-in is mostly its photo. Werkzeug's own parser spends about as long taking a 400 KB
photo off the wire as a bare upload endpoint spends on everything else: it compiles two
regular expressions for every request's boundary and copies the body several times.
`multipart` does the same job in about a quarter of the time. Nothing else changes. `form`
and `files` are the usual MultiDicts of text and FileStorage. The same limits give the same
answers: MAX_CONTENT_LENGTH, MAX_FORM_PARTS and MAX_FORM_MEMORY_SIZE (for a text field) all
give 413. A body `multipart` cannot read goes to Werkzeug's parser: what Werkzeug reads is
read, and what it cannot is an empty form, so the view says what is missing.

`multipart` holds to the standard where Werkzeug is lenient: Werkzeug's own test client leaves
out the line break after an empty field, and `multipart` then reads the fields after it as
that field's value. Tests that post an empty field before others encode the body themselves.
"""

import io
from math import inf

import multipart
from flask import Request
from werkzeug.datastructures import FileStorage, Headers
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser


class MultipartFormParser(FormDataParser):
    def _parse_multipart(self, stream, mimetype, content_length, options):
        body = stream.read()  # Werkzeug's stream already stops at MAX_CONTENT_LENGTH (413)
        try:
            return stream, *self._parse_body(body, options)
        except multipart.ParserLimitReached as exc:
            raise RequestEntityTooLarge() from exc
        except multipart.MultipartError:
            return super()._parse_multipart(io.BytesIO(body), mimetype, len(body), options)

    def _parse_body(self, body: bytes, options: dict):
        boundary = options.get("boundary", "")
        if not boundary:
            raise ValueError("Missing boundary")
        parser = multipart.MultipartParser(
            io.BytesIO(body),
            boundary,
            len(body),
            part_limit=self.max_form_parts or inf,
            # Every part in memory, as the body already is (held to MAX_CONTENT_LENGTH): no
            # temporary file is ever left open when the parser gives up halfway.
            spool_limit=inf,
            memory_limit=inf,
        )
        fields, files = [], []
        for part in parser:
            if part.filename is None:
                fields.append((part.name, self._text(part)))
            else:
                files.append((part.name, _file(part)))
        return self.cls(fields), self.cls(files)

    def _text(self, part: multipart.MultipartPart) -> str:
        """A text field, held to MAX_FORM_MEMORY_SIZE and read as UTF-8 (what every client
        we serve sends; a stray byte becomes U+FFFD rather than failing the whole form)."""
        if self.max_form_memory_size is not None and part.size > self.max_form_memory_size:
            raise RequestEntityTooLarge()
        return part.raw.decode("utf-8", "replace")


def _file(part: multipart.MultipartPart) -> FileStorage:
    return FileStorage(
        part.file,
        part.filename,
        part.name,
        part.content_type,
        headers=Headers(part.headerlist),
    )


class FormRequest(Request):
    form_data_parser_class = MultipartFormParser

    def _get_file_stream(self, *args, **kwargs):
        """Where Werkzeug's parser (the fallback) puts a file: in memory, like the body it
        reads from, so a parse that fails halfway leaves no temporary file open."""
        return io.BytesIO()
