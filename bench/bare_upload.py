"""The baseline for the check-in benchmark: a bare Flask endpoint that only receives the
same multipart upload and answers a small JSON body."""

from flask import Flask, request

app = Flask("bare_upload")


@app.post("/upload")
def upload():
    photo = request.files["photo"].read()
    return {"ok": True, "bytes": len(photo), "request_id": request.form.get("request_id")}, 201
