"""Every failure the client raises, each with a short `hint` a user can act on.

Hierarchy::

    AutoDLError
    ├── ApiError                  the service answered with a non-Success `code`
    │   ├── AuthError             AuthorizeFailed, or HTTP 401/403
    │   ├── PermissionDeniedError BadRequest 无当前资源访问权限 (no enterprise verification)
    │   ├── NotFoundError         RecordNotFoundError
    │   └── InvalidRequestError   RequestParameterIsWrong, or our own validation (nothing sent)
    └── TransportError            timeouts, connection errors, HTTP 5xx/429, bodies that are not
        └── ResponseFormatError   the envelope; a valid envelope whose `data` has the wrong shape

No error ever holds the developer token: messages come from the service or from us, and the
client scrubs the token out of anything the service echoes back.
"""

from __future__ import annotations

__all__ = [
    "ApiError",
    "AuthError",
    "AutoDLError",
    "InvalidRequestError",
    "NotFoundError",
    "PermissionDeniedError",
    "ResponseFormatError",
    "TransportError",
    "classify_api_error",
]

CODE_AUTH = "AuthorizeFailed"
CODE_BAD_REQUEST = "BadRequest"
CODE_NOT_FOUND = "RecordNotFoundError"
CODE_PARAMETER = "RequestParameterIsWrong"
#: `code` of InvalidRequestError raised by our own validation before anything is sent.
CODE_CLIENT_VALIDATION = "ClientValidation"
MSG_NO_PERMISSION = "无当前资源访问权限"

HINT_AUTH = "Check the developer token (控制台 -> 设置 -> 开发者Token)."
HINT_PERMISSION = (
    "Elastic deployment needs an enterprise-verified account (控制台 → 账号 → 企业认证); "
    "stock and images still work."
)
HINT_NOT_FOUND = "It may have been deleted meanwhile; refresh the list."
HINT_IMAGE_NOT_FOUND = "Pick one of your private images or a public base image."
HINT_INVALID = "Fix the listed fields and try again."
HINT_TIMEOUT = "AutoDL did not answer in time; check the network if this keeps happening."
HINT_CONNECT = "Could not reach AutoDL; check the network or the base URL."
HINT_SERVER = "AutoDL is having trouble right now; try again in a moment."
HINT_RATE_LIMIT = "Too many requests; slow down the refresh rate."
HINT_BAD_BODY = "The server sent something that is not an AutoDL answer (a proxy or portal?)."
HINT_NO_ENDPOINT = "This endpoint does not exist at the configured base URL; check base_url."
HINT_TOO_LARGE = (
    "The server sent far more than any AutoDL answer holds (a proxy, portal or broken server?)."
)
HINT_DEADLINE = (
    "The server accepted the request but did not finish answering in time (a stalled or "
    "overloaded link?)."
)
HINT_CREATE_AMBIGUOUS = (
    "The create request may or may not have reached AutoDL: check the deployment list for "
    "a deployment named {name!r} before creating it again."
)


class AutoDLError(Exception):
    """Base of every error the API layer raises."""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class ApiError(AutoDLError):
    """The service answered, with a `code` other than Success."""

    def __init__(
        self,
        code: str,
        msg: str,
        request_id: str = "",
        endpoint: str = "",
        *,
        hint: str | None = None,
    ) -> None:
        parts = [p for p in (endpoint, code, msg) if p]
        message = ": ".join(parts)
        if request_id:
            message += f" (request_id {request_id})"
        super().__init__(message, hint=self.default_hint(code, msg) if hint is None else hint)
        self.code = code
        self.msg = msg
        self.request_id = request_id
        self.endpoint = endpoint

    @classmethod
    def default_hint(cls, code: str, msg: str) -> str:
        """The hint used when the caller gives none; subclasses name their own."""
        return _generic_hint(code, msg)


class AuthError(ApiError):
    """The token was rejected (AuthorizeFailed, HTTP 401 or 403)."""

    @classmethod
    def default_hint(cls, code: str, msg: str) -> str:
        """Check the developer token."""
        return HINT_AUTH


class PermissionDeniedError(ApiError):
    """The account may not use this endpoint: elastic deployment needs enterprise verification."""

    @classmethod
    def default_hint(cls, code: str, msg: str) -> str:
        """Explain enterprise verification."""
        return HINT_PERMISSION


class NotFoundError(ApiError):
    """A referenced record (deployment, container, image) does not exist."""

    @classmethod
    def default_hint(cls, code: str, msg: str) -> str:
        """An unknown image gets its own hint; any other record the generic one."""
        return HINT_IMAGE_NOT_FOUND if "镜像" in msg else HINT_NOT_FOUND


class InvalidRequestError(ApiError):
    """The request was malformed: rejected by the service, or by our validation before sending."""

    def __init__(
        self,
        code: str,
        msg: str,
        request_id: str = "",
        endpoint: str = "",
        *,
        hint: str | None = None,
        problems: tuple[str, ...] = (),
    ) -> None:
        super().__init__(code, msg, request_id, endpoint, hint=hint)
        #: One entry per offending field, e.g. "template.memory_gb_from > memory_gb_to".
        self.problems = problems

    @classmethod
    def default_hint(cls, code: str, msg: str) -> str:
        """Say the request was malformed."""
        return HINT_INVALID

    @classmethod
    def client_side(
        cls, endpoint: str, problems: list[str] | tuple[str, ...]
    ) -> InvalidRequestError:
        """Build the error our validation raises before sending anything."""
        return cls(
            CODE_CLIENT_VALIDATION, "; ".join(problems), "", endpoint, problems=tuple(problems)
        )


class TransportError(AutoDLError):
    """No usable answer: timeout, connection failure, HTTP 5xx/429/404, or a non-envelope body."""

    def __init__(
        self,
        message: str,
        *,
        endpoint: str = "",
        status_code: int | None = None,
        retryable: bool = True,
        retry_after: float | None = None,
        hint: str = HINT_SERVER,
    ) -> None:
        super().__init__(f"{endpoint}: {message}" if endpoint else message, hint=hint)
        self.endpoint = endpoint
        self.status_code = status_code
        #: Whether sending the same request again may succeed (for idempotent calls).
        self.retryable = retryable
        #: Seconds the server asked us to wait (Retry-After), if it said.
        self.retry_after = retry_after

    def with_hint(self, hint: str) -> TransportError:
        """A copy of this error with another hint (same class, same details)."""
        clone = TransportError(
            self.message,
            status_code=self.status_code,
            retryable=self.retryable,
            retry_after=self.retry_after,
            hint=hint,
        )
        clone.endpoint = self.endpoint
        return clone


class ResponseFormatError(TransportError):
    """A Success envelope whose `data` does not have the documented shape."""

    def __init__(self, message: str, *, endpoint: str = "") -> None:
        super().__init__(message, endpoint=endpoint, retryable=False, hint=HINT_BAD_BODY)


def classify_api_error(code: str, msg: str, request_id: str, endpoint: str) -> ApiError:
    """Map a non-Success envelope to the most specific ApiError subclass."""
    if code == CODE_AUTH:
        return AuthError(code, msg, request_id, endpoint)
    if code == CODE_BAD_REQUEST and MSG_NO_PERMISSION in msg:
        return PermissionDeniedError(code, msg, request_id, endpoint)
    if code == CODE_NOT_FOUND:
        return NotFoundError(code, msg, request_id, endpoint)
    if code == CODE_PARAMETER:
        return InvalidRequestError(code, msg, request_id, endpoint)
    return ApiError(code, msg, request_id, endpoint)


def _generic_hint(code: str, msg: str) -> str:
    """Best-effort advice for codes without their own class (no error table is published)."""
    text = f"{code} {msg}"
    if "实名" in text or code == "TORealName":
        return "Complete real-name verification (实名认证) in the AutoDL console."
    if "余额" in text or "balance" in text.lower():
        return "Top up the account balance in the AutoDL console."
    if "库存" in text or "售罄" in text or "资源不足" in text:
        return "Nothing matches right now; widen the GPU, region or price ranges, or wait."
    return "AutoDL refused the request; the message above says why."
