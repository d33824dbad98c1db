"""Invitegate's Python client: a thin wrapper over the generated gRPC stubs of invitegate.v1.

The stubs are generated from proto/ into the build directory (client/python/generate_stubs.sh);
that directory must be on sys.path next to this package. See client/python/README.md.
"""

try:
    from invitegate.v1 import resources_pb2 as _probe  # noqa: F401
except ImportError as e:  # say how to fix it rather than a bare ModuleNotFoundError
    raise ImportError(
        "invitegate_client needs the generated stubs on sys.path: run "
        "client/python/generate_stubs.sh OUT_DIR and add OUT_DIR to PYTHONPATH") from e

from .client import Client, JoinRequestWatch
from .errors import (AlreadyExistsError, FailedPreconditionError, InvalidArgumentError,
                     InvitegateError, NotFoundError, OutOfRangeError, PermissionDeniedError,
                     ResourceExhaustedError, UnauthenticatedError, UnavailableError,
                     UnimplementedError, from_rpc_error)
from .links import invite_link_for_hash, parse_invite_link

__all__ = [
    "Client", "JoinRequestWatch", "parse_invite_link", "invite_link_for_hash",
    "InvitegateError", "InvalidArgumentError", "NotFoundError", "AlreadyExistsError",
    "PermissionDeniedError", "UnauthenticatedError", "FailedPreconditionError",
    "ResourceExhaustedError", "OutOfRangeError", "UnavailableError", "UnimplementedError",
    "from_rpc_error",
]
