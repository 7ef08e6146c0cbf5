"""Error types shared by the services and mapped by the gateway to RFC 9457 problem details.

They survive an RPC hop: nameko re-raises them as instances of the same class in the caller
(`deserialize_to_instance`), keeping `code`, `detail` and `fields`.
"""

from __future__ import annotations

from nameko.exceptions import deserialize_to_instance


class PavilionError(Exception):
    """Base of every error that reaches an API caller; `status` is the HTTP status."""

    status = 500
    title = {"en": "Internal error", "zh-CN": "内部错误"}

    def __init__(self, code: str, detail: str = "", fields: dict | None = None):
        super().__init__(code, detail, fields or {})
        self.code = code
        self.detail = detail
        self.fields = fields or {}

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}" if self.detail else self.code


@deserialize_to_instance
class ValidationFailed(PavilionError):
    status = 422
    title = {"en": "The request is not valid", "zh-CN": "请求内容无效"}


@deserialize_to_instance
class BadRequest(PavilionError):
    status = 400
    title = {"en": "Bad request", "zh-CN": "请求格式错误"}


@deserialize_to_instance
class Unauthenticated(PavilionError):
    status = 401
    title = {"en": "Authentication required", "zh-CN": "需要登录"}


@deserialize_to_instance
class Forbidden(PavilionError):
    status = 403
    title = {"en": "Not allowed", "zh-CN": "无权操作"}


@deserialize_to_instance
class NotFound(PavilionError):
    status = 404
    title = {"en": "Not found", "zh-CN": "未找到"}


@deserialize_to_instance
class Conflict(PavilionError):
    status = 409
    title = {"en": "Conflict with the current state", "zh-CN": "与当前状态冲突"}


@deserialize_to_instance
class PayloadTooLarge(PavilionError):
    status = 413
    title = {"en": "Request body too large", "zh-CN": "请求内容过大"}


@deserialize_to_instance
class UnsupportedMediaType(PavilionError):
    status = 415
    title = {"en": "Unsupported media type", "zh-CN": "不支持的内容类型"}


@deserialize_to_instance
class ServiceUnavailable(PavilionError):
    status = 503
    title = {"en": "Service temporarily unavailable", "zh-CN": "服务暂时不可用"}


EXPECTED_ERRORS = (ValidationFailed, BadRequest, Forbidden, NotFound, Conflict)
