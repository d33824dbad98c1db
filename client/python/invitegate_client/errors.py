"""Invitegate's errors as Python exceptions, decoded from the gRPC status details.

The server puts a google.rpc.Status in the `grpc-status-details-bin` trailer: an ErrorInfo whose
reason is Telegram's error name (domain "telegram.org", e.g. INVITE_HASH_EXPIRED) or
Invitegate's own (domain "invitegate", e.g. ACCOUNT_NOT_FOUND), a RetryInfo for FLOOD_WAIT, and
a BadRequest naming each invalid field. Callers branch on `reason`, not on message text.
Spec: https://google.aip.dev/193 (errors), https://core.telegram.org/api/errors
"""

from typing import Dict, List, Optional

import grpc

from google.rpc import error_details_pb2, status_pb2

__all__ = [
    "InvitegateError", "InvalidArgumentError", "NotFoundError", "AlreadyExistsError",
    "PermissionDeniedError", "UnauthenticatedError", "FailedPreconditionError",
    "ResourceExhaustedError", "OutOfRangeError", "UnavailableError", "UnimplementedError",
    "from_rpc_error",
]

_DETAILS_KEY = "grpc-status-details-bin"


class InvitegateError(Exception):
    """A failed call: the gRPC code plus what the status details said.

    reason / domain / metadata: the google.rpc.ErrorInfo ("" / {} when absent).
    retry_delay: seconds to wait before retrying (google.rpc.RetryInfo), or None.
    field_violations: [(field, description)] from google.rpc.BadRequest.
    """

    def __init__(self, code: grpc.StatusCode, message: str, reason: str = "", domain: str = "",
                 metadata: Optional[Dict[str, str]] = None, retry_delay: Optional[float] = None,
                 field_violations: Optional[List[tuple]] = None):
        super().__init__(f"{code.name}: {message}" + (f" [{reason}]" if reason else ""))
        self.code = code
        self.message = message
        self.reason = reason
        self.domain = domain
        self.metadata = metadata or {}
        self.retry_delay = retry_delay
        self.field_violations = field_violations or []


class InvalidArgumentError(InvitegateError):
    """INVALID_ARGUMENT: see field_violations; nothing was changed."""


class NotFoundError(InvitegateError):
    """NOT_FOUND: the account, chat, link or request does not exist."""


class AlreadyExistsError(InvitegateError):
    """ALREADY_EXISTS, e.g. USER_ALREADY_PARTICIPANT."""


class PermissionDeniedError(InvitegateError):
    """PERMISSION_DENIED: the token (or the Telegram account) may not do this."""


class UnauthenticatedError(InvitegateError):
    """UNAUTHENTICATED: no bearer token, or an unknown one."""


class FailedPreconditionError(InvitegateError):
    """FAILED_PRECONDITION, e.g. INVITE_HASH_EXPIRED or NOT_ALLOWED_FOR_BOTS."""


class ResourceExhaustedError(InvitegateError):
    """RESOURCE_EXHAUSTED: FLOOD_WAIT (see retry_delay) or SLOW_CONSUMER on a stream."""


class OutOfRangeError(InvitegateError):
    """OUT_OF_RANGE: a resume token older than the server keeps; start with a snapshot."""


class UnavailableError(InvitegateError):
    """UNAVAILABLE: the server (or Telegram) cannot be reached right now; retry."""


class UnimplementedError(InvitegateError):
    """UNIMPLEMENTED: this server does not offer the method."""


_BY_CODE = {
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgumentError,
    grpc.StatusCode.NOT_FOUND: NotFoundError,
    grpc.StatusCode.ALREADY_EXISTS: AlreadyExistsError,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDeniedError,
    grpc.StatusCode.UNAUTHENTICATED: UnauthenticatedError,
    grpc.StatusCode.FAILED_PRECONDITION: FailedPreconditionError,
    grpc.StatusCode.RESOURCE_EXHAUSTED: ResourceExhaustedError,
    grpc.StatusCode.OUT_OF_RANGE: OutOfRangeError,
    grpc.StatusCode.UNAVAILABLE: UnavailableError,
    grpc.StatusCode.UNIMPLEMENTED: UnimplementedError,
}


def from_status(code: grpc.StatusCode, message: str, details: bytes) -> InvitegateError:
    """The exception for a status whose serialized google.rpc.Status is `details` (may be b"")."""
    kwargs = {}
    status = status_pb2.Status()
    try:
        status.ParseFromString(details or b"")
    except Exception:  # a garbled trailer must not hide the real error
        status.Clear()
    violations = []
    for any_msg in status.details:
        info, retry, bad = (error_details_pb2.ErrorInfo(), error_details_pb2.RetryInfo(),
                            error_details_pb2.BadRequest())
        try:
            if any_msg.Is(info.DESCRIPTOR) and any_msg.Unpack(info):
                kwargs.update(reason=info.reason, domain=info.domain, metadata=dict(info.metadata))
            elif any_msg.Is(retry.DESCRIPTOR) and any_msg.Unpack(retry):
                kwargs["retry_delay"] = retry.retry_delay.ToTimedelta().total_seconds()
            elif any_msg.Is(bad.DESCRIPTOR) and any_msg.Unpack(bad):
                violations += [(v.field, v.description) for v in bad.field_violations]
        except Exception:  # skip a detail we cannot decode
            continue
    return _BY_CODE.get(code, InvitegateError)(code, message, field_violations=violations,
                                               **kwargs)


def from_rpc_error(error: grpc.RpcError) -> InvitegateError:
    """The exception for a grpc.RpcError raised by a stub call or a stream."""
    code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
    message = error.details() if hasattr(error, "details") else str(error)
    details = b""
    trailers = error.trailing_metadata() if hasattr(error, "trailing_metadata") else None
    for key, value in trailers or ():
        if key == _DETAILS_KEY:
            details = value
    return from_status(code, message or "", details)
