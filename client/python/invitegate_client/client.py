"""A thin client for Invitegate's gRPC API (invitegate.v1).

`Client` owns one channel (plaintext, TLS with an optional CA, or mTLS) and attaches the bearer
token to every call. Its service attributes (accounts, chats, usernames, invite_links,
join_requests) are the generated stubs with Invitegate's errors raised as InvitegateError
subclasses; a few helpers cover the common paths; `watch_join_requests` is an iterator that
reconnects by itself with the last resume token.
Spec: proto/invitegate/v1/*.proto (the API reference is in the proto comments)
"""

import time
from typing import Iterator, Optional, Sequence

import grpc

from google.protobuf import duration_pb2
from invitegate.v1 import (accounts_pb2_grpc, chats_pb2_grpc, invite_links_pb2,
                           invite_links_pb2_grpc, join_requests_pb2, join_requests_pb2_grpc,
                           resources_pb2)

from .errors import InvitegateError, from_rpc_error

__all__ = ["Client", "JoinRequestWatch"]


class _Service:
    """A generated stub whose calls carry the client's token and deadline and raise
    InvitegateError instead of grpc.RpcError."""

    def __init__(self, stub, client: "Client"):
        self._stub = stub
        self._client = client

    def __getattr__(self, name):
        method = getattr(self._stub, name)
        if isinstance(method, grpc.UnaryStreamMultiCallable):
            return lambda request, **kw: self._stream(method, request, kw)

        def unary(request, **kw):
            kw.setdefault("timeout", self._client.timeout)
            try:
                return method(request, metadata=self._client._metadata(kw), **kw)
            except grpc.RpcError as e:
                raise from_rpc_error(e) from None
        return unary

    def _stream(self, method, request, kw):
        call = method(request, metadata=self._client._metadata(kw), **kw)
        try:
            for item in call:
                yield item
        except grpc.RpcError as e:
            raise from_rpc_error(e) from None
        finally:  # also when the caller stops iterating early
            call.cancel()


class Client:
    """A connection to an Invitegate server.

    address: "host:port". tls: use TLS (implied by ca_cert / client_cert). ca_cert: PEM bytes or
    a file path of the CA that signed the server's certificate (default: the system roots).
    client_cert / client_key: PEM (bytes or paths) for mTLS. token: the bearer token, sent as
    "authorization: Bearer <token>". timeout: the default deadline of unary calls, seconds.
    """

    def __init__(self, address: str, *, tls: bool = False, ca_cert=None, client_cert=None,
                 client_key=None, token: Optional[str] = None, timeout: float = 30.0,
                 options: Sequence = ()):
        self.address = address
        self.timeout = timeout
        self._token = token
        if tls or ca_cert or client_cert:
            creds = grpc.ssl_channel_credentials(
                root_certificates=_pem(ca_cert), private_key=_pem(client_key),
                certificate_chain=_pem(client_cert))
            self._channel = grpc.secure_channel(address, creds, options=list(options))
        else:
            self._channel = grpc.insecure_channel(address, options=list(options))
        self.accounts = _Service(accounts_pb2_grpc.AccountServiceStub(self._channel), self)
        self.chats = _Service(chats_pb2_grpc.ChatServiceStub(self._channel), self)
        self.usernames = _Service(chats_pb2_grpc.UsernameServiceStub(self._channel), self)
        self.invite_links = _Service(
            invite_links_pb2_grpc.InviteLinkServiceStub(self._channel), self)
        self.join_requests = _Service(
            join_requests_pb2_grpc.JoinRequestServiceStub(self._channel), self)
        self._raw_join_requests = join_requests_pb2_grpc.JoinRequestServiceStub(self._channel)

    def close(self) -> None:
        self._channel.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _metadata(self, kw) -> list:
        metadata = list(kw.pop("metadata", None) or ())
        if self._token:
            metadata.append(("authorization", "Bearer " + self._token))
        return metadata

    # --- Helpers for the common paths (the stubs above do everything else). ---

    def create_invite_link(self, parent: str, *, request_needed: Optional[bool] = None,
                           title: Optional[str] = None, usage_limit: Optional[int] = None,
                           expire_time=None) -> resources_pb2.InviteLink:
        """Creates a link in `parent` (accounts/{account}/chats/{chat}); expire_time: datetime."""
        link = resources_pb2.InviteLink()
        if request_needed is not None:
            link.request_needed = request_needed
        if title is not None:
            link.title = title
        if usage_limit is not None:
            link.usage_limit = usage_limit
        if expire_time is not None:
            link.expire_time.FromDatetime(expire_time)
        return self.invite_links.CreateInviteLink(
            invite_links_pb2.CreateInviteLinkRequest(parent=parent, invite_link=link))

    def join_by_invite_link(self, account: str, invite_link: str):
        """Joins as `account`; the outcome is JOINED or PENDING_APPROVAL (not an error)."""
        return self.invite_links.JoinByInviteLink(
            invite_links_pb2.JoinByInviteLinkRequest(account=account, invite_link=invite_link))

    def list_join_requests(self, parent: str, *, invite_link: str = "", query: str = "",
                           page_size: int = 0) -> Iterator:
        """Every pending request of the chat (following next_page_token)."""
        request = join_requests_pb2.ListJoinRequestsRequest(
            parent=parent, invite_link=invite_link, query=query, page_size=page_size)
        while True:
            page = self.join_requests.ListJoinRequests(request)
            yield from page.join_requests
            if not page.next_page_token:
                return
            request.page_token = page.next_page_token

    def approve_join_request(self, name: str) -> None:
        self.join_requests.ApproveJoinRequest(join_requests_pb2.ApproveJoinRequestRequest(name=name))

    def decline_join_request(self, name: str) -> None:
        self.join_requests.DeclineJoinRequest(join_requests_pb2.DeclineJoinRequestRequest(name=name))

    def watch_join_requests(self, account: str, **kwargs) -> "JoinRequestWatch":
        """Join-request events of `account`, resuming by itself; see JoinRequestWatch."""
        return JoinRequestWatch(self, account, **kwargs)


# Codes after which a watch reconnects (with its last resume token). OUT_OF_RANGE (token too
# old), UNIMPLEMENTED, INVALID_ARGUMENT, NOT_FOUND, PERMISSION_DENIED, ... are final.
_RETRYABLE = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED,
              grpc.StatusCode.ABORTED, grpc.StatusCode.INTERNAL,
              grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED}


class JoinRequestWatch:
    """An iterator over WatchJoinRequests events that survives disconnects.

    Every event carries a resume token; after a retryable failure (or the server ending the
    stream) the watch reconnects with the last token, so each event is seen once. Before the
    snapshot is complete it asks for the snapshot again instead (snapshot items are re-sent,
    nothing is lost). Waits between attempts back off exponentially (or follow the server's
    RetryInfo). Heartbeats are consumed (they refresh the token) unless include_heartbeats.
    `resume_token` is the last token seen: keep it to continue in a later process.
    `cancel()` (from any thread) ends the iteration quietly.
    """

    def __init__(self, client: Client, account: str, *, chats: Sequence[str] = (),
                 invite_links: Sequence[str] = (), event_types: Sequence[int] = (),
                 resume_token: Optional[str] = None, snapshot: bool = False,
                 heartbeat_interval: Optional[float] = None, include_heartbeats: bool = False,
                 max_retries: Optional[int] = None, initial_backoff: float = 0.2,
                 max_backoff: float = 10.0):
        self._client = client
        self._base = join_requests_pb2.WatchJoinRequestsRequest(
            account=account, chats=list(chats), invite_links=list(invite_links),
            event_types=list(event_types))
        if heartbeat_interval is not None:
            self._base.heartbeat_interval.CopyFrom(
                duration_pb2.Duration(seconds=int(heartbeat_interval),
                                      nanos=int(heartbeat_interval % 1 * 1e9)))
        self.resume_token = resume_token or ""
        self._in_snapshot = snapshot and not resume_token
        self._include_heartbeats = include_heartbeats
        self._max_retries = max_retries
        self._backoff = (initial_backoff, max_backoff)
        self._call = None
        self._cancelled = False
        self.reconnects = 0

    def cancel(self) -> None:
        self._cancelled = True
        if self._call is not None:
            self._call.cancel()

    def _request(self):
        request = join_requests_pb2.WatchJoinRequestsRequest()
        request.CopyFrom(self._base)
        if self._in_snapshot:
            request.snapshot = True
        elif self.resume_token:
            request.resume_token = self.resume_token
        return request

    def __iter__(self):
        failures = 0
        while not self._cancelled:
            error = None
            self._call = self._client._raw_join_requests.WatchJoinRequests(
                self._request(), metadata=self._client._metadata({}))
            try:
                for event in self._call:
                    failures = 0
                    if event.resume_token:
                        self.resume_token = event.resume_token
                    kind = event.WhichOneof("event")
                    if kind == "snapshot_complete":
                        self._in_snapshot = False
                    if kind == "heartbeat" and not self._include_heartbeats:
                        continue
                    yield event
            except grpc.RpcError as e:
                if self._cancelled:
                    return
                error = from_rpc_error(e)
                if error.code not in _RETRYABLE:
                    raise error from None
            finally:  # also when the caller stops iterating early
                self._call.cancel()
            if self._cancelled:
                return
            failures += 1
            if self._max_retries is not None and failures > self._max_retries:
                raise error or InvitegateError(grpc.StatusCode.UNAVAILABLE,
                                               "the watch stream kept ending")
            delay = min(self._backoff[0] * 2 ** (failures - 1), self._backoff[1])
            if error is not None and error.retry_delay is not None:
                delay = error.retry_delay
            self.reconnects += 1
            time.sleep(delay)


def _pem(value) -> Optional[bytes]:
    if value is None or isinstance(value, bytes):
        return value
    with open(value, "rb") as f:
        return f.read()
