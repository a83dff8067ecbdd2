"""Business errors the simulator answers with, as the real service does (HTTP 200, code + msg)."""

from __future__ import annotations

# Codes seen from the real service (REAL-WORLD.md §1.3).
AUTHORIZE_FAILED = "AuthorizeFailed"
BAD_REQUEST = "BadRequest"
PARAMETER_WRONG = "RequestParameterIsWrong"
NOT_FOUND = "RecordNotFoundError"

MSG_LOGIN_TIMEOUT = "登录超时，请重新登录"
MSG_NO_PERMISSION = "无当前资源访问权限"
MSG_PARAMETER_WRONG = "请求参数错误"
MSG_IMAGE_NOT_FOUND = "私有镜像不存在"
# Invented texts (no capture of the real ones exists); kept in the vendor's style.
MSG_DEPLOYMENT_NOT_FOUND = "部署不存在"
MSG_CONTAINER_NOT_FOUND = "容器不存在"
MSG_REPLICASET_ONLY = "该操作仅支持ReplicaSet类型的部署"


class SimError(Exception):
    """A business error: the envelope's `code` and `msg`; nothing in the state has changed."""

    def __init__(self, code: str, msg: str) -> None:
        super().__init__(f"{code}: {msg}")
        self.code = code
        self.msg = msg


def parameter_wrong(detail: str) -> SimError:
    """A `RequestParameterIsWrong` error whose msg names the offending field."""
    return SimError(PARAMETER_WRONG, f"{MSG_PARAMETER_WRONG}: {detail}")
