#!/usr/bin/env python3
"""The approval-gated tour with the Python client: alice creates an invite link that needs
approval, a watch follows alice's join requests, dave joins through the link (pending), the
request arrives on the watch, alice approves it, and dave is a member.

Run against a server on the embedded emulator (scripts/run.sh), with the stubs on PYTHONPATH:
  PYTHONPATH=build/client/python/stubs:client/python \
    /usr/bin/python3 client/python/examples/approval_tour.py [--address HOST:PORT] [--token T]
"""

import argparse
import json
import os
import queue
import sys
import threading

import invitegate_client as ig
from invitegate.v1 import join_requests_pb2, resources_pb2

# Each binding's tour uses its own chat (Python: the supergroup; Node: the channel; Go: the basic
# group), so the three can run one after another against one server: dave joins each chat once.
CHAT = "accounts/alice/chats/invitegate_group"


def run_tour(client: ig.Client, out=print, chat: str = CHAT) -> dict:
    """Runs the tour; returns what happened (the e2e test checks it)."""
    dave = client.accounts.GetAccount(_get_account("accounts/dave"))
    link = client.create_invite_link(chat, request_needed=True, title="tour")
    out(f"alice created {link.url} (approval needed: {link.request_needed})")
    assert ig.parse_invite_link(link.url) == link.name.rsplit("/", 1)[1]

    # Watch first, from a snapshot: its SNAPSHOT_COMPLETE says the stream is live, so dave's
    # request cannot slip in before it.
    events, watch = queue.Queue(), client.watch_join_requests("accounts/alice", snapshot=True)

    def pump():
        try:
            for ev in watch:
                events.put(ev)
        except ig.InvitegateError as e:
            events.put(e)
    threading.Thread(target=pump, daemon=True).start()
    watched = _wait(events, lambda ev: ev.WhichOneof("event") == "snapshot_complete")
    if isinstance(watched, ig.UnimplementedError):
        out("the server does not stream join requests yet (WatchJoinRequests: UNIMPLEMENTED); "
            "the tour lists them instead")

    joined = client.join_by_invite_link("accounts/dave", link.url)
    out(f"dave joined: {resources_pb2.JoinOutcome.Name(joined.outcome)}")

    request = None
    if not isinstance(watched, Exception):
        ev = _wait(events, lambda ev: ev.WhichOneof("event") == "created"
                   and ev.created.join_request.user.id == dave.user_id)
        request = ev.created.join_request
        out(f"the watch saw the request of user {request.user.id} ({request.name})")
    else:
        request = next(r for r in client.list_join_requests(chat, invite_link=link.name)
                       if r.user.id == dave.user_id)
        out(f"listed the request of user {request.user.id} ({request.name})")
    client.approve_join_request(request.name)
    out(f"alice approved it")
    resolved = None
    if not isinstance(watched, Exception):
        resolved = _wait(events, lambda ev: ev.WhichOneof("event") == "resolved").resolved
        out(f"the watch saw it {resources_pb2.JoinRequestState.Name(resolved.join_request.state)}")
    watch.cancel()
    return {"link": link, "outcome": joined.outcome, "request": request, "resolved": resolved,
            "watch": None if isinstance(watched, Exception) else watch,
            "watch_error": watched if isinstance(watched, Exception) else None}


def _get_account(name):
    from invitegate.v1 import accounts_pb2
    return accounts_pb2.GetAccountRequest(name=name)


def _wait(events: queue.Queue, match, timeout: float = 20.0):
    """The first event that matches (or the error that ended the watch)."""
    while True:
        ev = events.get(timeout=timeout)
        if isinstance(ev, Exception) or match(ev):
            return ev


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--address", help="host:port (default: .invitegate/server-ready.json, "
                        "else 127.0.0.1:50051)")
    parser.add_argument("--token", default=os.environ.get("INVITEGATE_TOKEN"))
    parser.add_argument("--chat", default=CHAT, help=f"the chat (default {CHAT})")
    args = parser.parse_args()
    address = args.address
    if not address:
        try:
            with open(".invitegate/server-ready.json") as f:
                address = json.load(f)["address"]
        except OSError:
            address = "127.0.0.1:50051"
    with ig.Client(address, token=args.token) as client:
        try:
            run_tour(client, chat=args.chat)
        except ig.InvitegateError as e:
            print(f"failed: {e} (reason {e.reason or '-'})", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
