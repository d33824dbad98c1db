// Command approval_tour is the approval-gated tour with the Go client: alice creates an invite
// link that needs approval, a watch follows alice's join requests, dave joins through the link
// (pending), the request arrives on the watch, alice approves it, and dave is a member.
//
// Run against a server on the embedded emulator (scripts/run.sh):
//
//	client/go/run_tests.sh build/client/go --build-only
//	build/client/go/bin/approval_tour [-address HOST:PORT] [-token T] [-chat NAME]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"invitegate.dev/client/go/invitegate"
	pb "invitegate.dev/client/go/invitegatepb"
)

// Each binding's tour uses its own chat (Python: the supergroup; Node: the channel; Go: the basic
// group), so the three can run one after another against one server: dave joins each chat once.
const defaultChat = "accounts/alice/chats/-3000001"

func main() {
	address := flag.String("address", "", "host:port (default: .invitegate/server-ready.json, else 127.0.0.1:50051)")
	token := flag.String("token", os.Getenv("INVITEGATE_TOKEN"), "bearer token")
	chat := flag.String("chat", defaultChat, "the chat")
	flag.Parse()
	if *address == "" {
		*address = "127.0.0.1:50051"
		if data, err := os.ReadFile(".invitegate/server-ready.json"); err == nil {
			var ready struct{ Address string }
			if json.Unmarshal(data, &ready) == nil && ready.Address != "" {
				*address = ready.Address
			}
		}
	}
	if err := run(*address, *token, *chat); err != nil {
		if e, ok := invitegate.AsError(err); ok {
			fmt.Fprintf(os.Stderr, "failed: %v (reason %q)\n", e, e.Reason)
		} else {
			fmt.Fprintf(os.Stderr, "failed: %v\n", err)
		}
		os.Exit(1)
	}
}

func run(address, token, chat string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var opts []invitegate.Option
	if token != "" {
		opts = append(opts, invitegate.WithToken(token))
	}
	client, err := invitegate.Dial(ctx, address, opts...)
	if err != nil {
		return err
	}
	defer client.Close()

	dave, err := client.Accounts.GetAccount(ctx, &pb.GetAccountRequest{Name: "accounts/dave"})
	if err != nil {
		return err
	}
	needed := true
	title := "tour"
	link, err := client.InviteLinks.CreateInviteLink(ctx, &pb.CreateInviteLinkRequest{
		Parent: chat, InviteLink: &pb.InviteLink{RequestNeeded: &needed, Title: &title}})
	if err != nil {
		return err
	}
	fmt.Printf("alice created %s (approval needed: %v)\n", link.Url, link.GetRequestNeeded())
	if hash, ok := invitegate.ParseInviteLink(link.Url); !ok || !strings.HasSuffix(link.Name, "/"+hash) {
		return fmt.Errorf("the parser disagrees with the server about %s", link.Url)
	}

	// Watch first, from a snapshot: its SNAPSHOT_COMPLETE says the stream is live, so dave's
	// request cannot slip in before it.
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	watch := client.WatchJoinRequests(watchCtx, &pb.WatchJoinRequestsRequest{
		Account: "accounts/alice", Start: &pb.WatchJoinRequestsRequest_Snapshot{Snapshot: true}},
		invitegate.WatchOptions{})
	watching := next(watch, func(ev *pb.JoinRequestEvent) bool { return ev.GetSnapshotComplete() != nil }) != nil
	if !watching {
		if e, ok := invitegate.AsError(watch.Err()); ok && e.Code == codes.Unimplemented {
			fmt.Println("the server does not stream join requests yet (WatchJoinRequests: UNIMPLEMENTED); the tour lists them instead")
		} else {
			return fmt.Errorf("watch: %v", watch.Err())
		}
	}

	joined, err := client.InviteLinks.JoinByInviteLink(ctx, &pb.JoinByInviteLinkRequest{
		Account: "accounts/dave", InviteLink: link.Url})
	if err != nil {
		return err
	}
	fmt.Printf("dave joined: %s\n", joined.Outcome)

	var request *pb.JoinRequest
	if watching {
		ev := next(watch, func(ev *pb.JoinRequestEvent) bool {
			return ev.GetCreated().GetJoinRequest().GetUser().GetId() == dave.UserId
		})
		if ev == nil {
			return fmt.Errorf("watch ended: %v", watch.Err())
		}
		request = ev.GetCreated().GetJoinRequest()
		fmt.Printf("the watch saw the request of user %d (%s)\n", request.User.GetId(), request.Name)
	} else {
		list, err := client.JoinRequests.ListJoinRequests(ctx, &pb.ListJoinRequestsRequest{
			Parent: chat, InviteLink: link.Name})
		if err != nil {
			return err
		}
		for _, r := range list.JoinRequests {
			if r.User.GetId() == dave.UserId {
				request = r
			}
		}
		if request == nil {
			return fmt.Errorf("dave's request is not listed")
		}
		fmt.Printf("listed the request of user %d (%s)\n", request.User.GetId(), request.Name)
	}
	if _, err := client.JoinRequests.ApproveJoinRequest(ctx,
		&pb.ApproveJoinRequestRequest{Name: request.Name}); err != nil {
		return err
	}
	fmt.Println("alice approved it")
	if watching {
		ev := next(watch, func(ev *pb.JoinRequestEvent) bool { return ev.GetResolved() != nil })
		if ev == nil {
			return fmt.Errorf("watch ended: %v", watch.Err())
		}
		fmt.Printf("the watch saw it %s\n", ev.GetResolved().GetJoinRequest().GetState())
	}
	return nil
}

// next returns the first event that matches, or nil when the watch ends or 20 s pass.
func next(w *invitegate.Watch, match func(*pb.JoinRequestEvent) bool) *pb.JoinRequestEvent {
	timeout := time.After(20 * time.Second)
	for {
		select {
		case ev, ok := <-w.Events():
			if !ok {
				return nil
			}
			if match(ev) {
				return ev
			}
		case <-timeout:
			return nil
		}
	}
}
