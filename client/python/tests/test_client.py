"""Hermetic tests of the Python wrapper: the invite-link parser against the shared vectors, and
error decoding + the resuming watch against an in-process fake server on a loopback port 0
(the fake scripts disconnects, SLOW_CONSUMER with RetryInfo and an expired token)."""

import json
import os
import unittest
from concurrent import futures

import grpc

import invitegate_client as ig
from google.protobuf import any_pb2, duration_pb2
from google.rpc import error_details_pb2, status_pb2
from invitegate.v1 import (invite_links_pb2_grpc, join_requests_pb2, join_requests_pb2_grpc,
                           resources_pb2)

VECTORS = os.environ.get("INVITEGATE_LINK_VECTORS", os.path.join(
    os.path.dirname(__file__), "..", "..", "go", "testdata", "invite_links.json"))


def abort_with(context, code, message, *details):
    status = status_pb2.Status(code=code.value[0], message=message)
    for d in details:
        packed = any_pb2.Any()
        packed.Pack(d)
        status.details.append(packed)
    context.set_trailing_metadata((("grpc-status-details-bin", status.SerializeToString()),))
    context.abort(code, message)


def event(token, **kw):
    return join_requests_pb2.JoinRequestEvent(resume_token=token, account="accounts/a", **kw)


class FakeLinks(invite_links_pb2_grpc.InviteLinkServiceServicer):
    def CreateInviteLink(self, request, context):
        auth = dict(context.invocation_metadata()).get("authorization")
        if auth != "Bearer s3cret":
            abort_with(context, grpc.StatusCode.UNAUTHENTICATED, "no token")
        abort_with(context, grpc.StatusCode.RESOURCE_EXHAUSTED, "FLOOD_WAIT_42",
                   error_details_pb2.ErrorInfo(reason="FLOOD_WAIT", domain="telegram.org",
                                               metadata={"method": "exportChatInvite"}),
                   error_details_pb2.RetryInfo(retry_delay=duration_pb2.Duration(seconds=42)))

    def GetInviteLink(self, request, context):
        abort_with(context, grpc.StatusCode.INVALID_ARGUMENT, "bad name",
                   error_details_pb2.BadRequest(field_violations=[
                       error_details_pb2.BadRequest.FieldViolation(field="name",
                                                                   description="bad")]))


class FakeWatch(join_requests_pb2_grpc.JoinRequestServiceServicer):
    """Each call plays the next act of a script and records the request it got."""

    def __init__(self):
        self.requests = []

    def WatchJoinRequests(self, request, context):
        self.requests.append(request)
        pending = resources_pb2.JoinRequest(name="accounts/a/chats/c/joinRequests/7")
        act = len(self.requests)
        if act == 1:  # drops mid-snapshot: the client must ask for the snapshot again
            yield event("", snapshot=pending)
            abort_with(context, grpc.StatusCode.UNAVAILABLE, "connection reset")
        elif act == 2:
            yield event("", snapshot=pending)
            yield event("t0", snapshot_complete=join_requests_pb2.SnapshotComplete())
            yield event("t1", sequence=1, created=join_requests_pb2.JoinRequestCreated())
            yield event("t1", heartbeat=join_requests_pb2.Heartbeat())
            abort_with(context, grpc.StatusCode.RESOURCE_EXHAUSTED, "too slow",
                       error_details_pb2.ErrorInfo(reason="SLOW_CONSUMER", domain="invitegate"),
                       error_details_pb2.RetryInfo(
                           retry_delay=duration_pb2.Duration(nanos=50_000_000)))
        elif act == 3:  # the server ends the stream (e.g. shutting down): resume again
            yield event("t2", sequence=2, created=join_requests_pb2.JoinRequestCreated())
        else:
            abort_with(context, grpc.StatusCode.OUT_OF_RANGE, "token expired",
                       error_details_pb2.ErrorInfo(reason="RESUME_TOKEN_EXPIRED",
                                                   domain="invitegate"))


class ParserTest(unittest.TestCase):
    def test_shared_vectors(self):
        with open(VECTORS) as f:
            vectors = json.load(f)
        for text, want in vectors["accept"]:
            self.assertEqual(ig.parse_invite_link(text), want, repr(text))
        for text in vectors["refuse"]:
            self.assertIsNone(ig.parse_invite_link(text), repr(text))
        self.assertEqual(ig.parse_invite_link(ig.invite_link_for_hash("x-Y_z")), "x-Y_z")

    def test_survives_garbage(self):
        s = ""
        for i in range(2000):
            s += chr((i * 7919) & 0xFF)
            ig.parse_invite_link(s)
            ig.parse_invite_link("https://t.me/+" + s)


class FakeServerTest(unittest.TestCase):
    def setUp(self):
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        self.watch = FakeWatch()
        invite_links_pb2_grpc.add_InviteLinkServiceServicer_to_server(FakeLinks(), self.server)
        join_requests_pb2_grpc.add_JoinRequestServiceServicer_to_server(self.watch, self.server)
        port = self.server.add_insecure_port("127.0.0.1:0")
        self.server.start()
        self.client = ig.Client(f"127.0.0.1:{port}", token="s3cret", timeout=10)

    def tearDown(self):
        self.client.close()
        self.server.stop(None)

    def test_errors_carry_reason_and_retry_delay(self):
        with self.assertRaises(ig.ResourceExhaustedError) as caught:
            self.client.create_invite_link("accounts/a/chats/c", request_needed=True)
        e = caught.exception
        self.assertEqual(e.code, grpc.StatusCode.RESOURCE_EXHAUSTED)
        self.assertEqual((e.reason, e.domain), ("FLOOD_WAIT", "telegram.org"))
        self.assertEqual(e.metadata, {"method": "exportChatInvite"})
        self.assertEqual(e.retry_delay, 42.0)
        self.assertIsInstance(e, ig.InvitegateError)

    def test_bad_request_names_the_fields(self):
        from invitegate.v1 import invite_links_pb2
        with self.assertRaises(ig.InvalidArgumentError) as caught:
            self.client.invite_links.GetInviteLink(invite_links_pb2.GetInviteLinkRequest())
        self.assertEqual(caught.exception.field_violations, [("name", "bad")])
        self.assertIsNone(caught.exception.retry_delay)

    def test_watch_resumes_with_the_last_token(self):
        watch = self.client.watch_join_requests("accounts/a", snapshot=True,
                                                initial_backoff=0.01)
        seen = []
        with self.assertRaises(ig.OutOfRangeError) as caught:
            for ev in watch:
                seen.append((ev.WhichOneof("event"), ev.resume_token))
        self.assertEqual(caught.exception.reason, "RESUME_TOKEN_EXPIRED")
        self.assertEqual(seen, [("snapshot", ""), ("snapshot", ""), ("snapshot_complete", "t0"),
                                ("created", "t1"), ("created", "t2")])
        starts = [(r.WhichOneof("start"), r.resume_token) for r in self.watch.requests]
        self.assertEqual(starts, [("snapshot", ""), ("snapshot", ""), ("resume_token", "t1"),
                                  ("resume_token", "t2")])
        self.assertEqual(watch.resume_token, "t2")
        self.assertEqual(watch.reconnects, 3)


if __name__ == "__main__":
    unittest.main()
