"""Domain errors: each carries a stable code, an HTTP status and a Chinese message for people."""


class DomainError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class Invalid(DomainError):
    status, code = 400, "invalid"


class Unauthorized(DomainError):
    status, code = 401, "unauthorized"


class Forbidden(DomainError):
    status, code = 403, "forbidden"


class NotFound(DomainError):
    status, code = 404, "not_found"


class Conflict(DomainError):
    status, code = 409, "conflict"


class TooMany(DomainError):
    status, code = 429, "too_many"
