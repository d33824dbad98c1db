package invitegate

// Error decoding and the resuming watch against an in-process fake server on loopback port 0;
// the fake scripts a disconnect mid-snapshot, SLOW_CONSUMER with RetryInfo, a clean end of
// stream and finally an expired token.

import (
	"context"
	"net"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/golang/protobuf/ptypes/duration"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	pb "invitegate.dev/client/go/invitegatepb"
)

func statusWith(code codes.Code, msg string, details ...interface{}) error {
	s := status.New(code, msg)
	for _, d := range details {
		var err error
		switch d := d.(type) {
		case *errdetails.ErrorInfo:
			s, err = s.WithDetails(d)
		case *errdetails.RetryInfo:
			s, err = s.WithDetails(d)
		case *errdetails.BadRequest:
			s, err = s.WithDetails(d)
		}
		if err != nil {
			panic(err)
		}
	}
	return s.Err()
}

type fakeLinks struct {
	pb.UnimplementedInviteLinkServiceServer
}

func (fakeLinks) CreateInviteLink(ctx context.Context, _ *pb.CreateInviteLinkRequest) (*pb.InviteLink, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	if auth := md.Get("authorization"); len(auth) != 1 || auth[0] != "Bearer s3cret" {
		return nil, status.Error(codes.Unauthenticated, "no token")
	}
	return nil, statusWith(codes.ResourceExhausted, "FLOOD_WAIT_42",
		&errdetails.ErrorInfo{Reason: "FLOOD_WAIT", Domain: "telegram.org",
			Metadata: map[string]string{"method": "exportChatInvite"}},
		&errdetails.RetryInfo{RetryDelay: &duration.Duration{Seconds: 42}})
}

func (fakeLinks) GetInviteLink(context.Context, *pb.GetInviteLinkRequest) (*pb.InviteLink, error) {
	return nil, statusWith(codes.InvalidArgument, "bad name", &errdetails.BadRequest{
		FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: "name", Description: "bad"}}})
}

type fakeWatch struct {
	pb.UnimplementedJoinRequestServiceServer
	mu       sync.Mutex
	requests []*pb.WatchJoinRequestsRequest
}

func ev(token string) *pb.JoinRequestEvent {
	return &pb.JoinRequestEvent{ResumeToken: token, Account: "accounts/a"}
}

func (f *fakeWatch) WatchJoinRequests(req *pb.WatchJoinRequestsRequest, s pb.JoinRequestService_WatchJoinRequestsServer) error {
	f.mu.Lock()
	f.requests = append(f.requests, req)
	act := len(f.requests)
	f.mu.Unlock()
	pending := &pb.JoinRequest{Name: "accounts/a/chats/c/joinRequests/7"}
	snapshot := ev("")
	snapshot.Event = &pb.JoinRequestEvent_Snapshot{Snapshot: pending}
	switch act {
	case 1: // drops mid-snapshot: the client must ask for the snapshot again
		s.Send(snapshot)
		return status.Error(codes.Unavailable, "connection reset")
	case 2:
		s.Send(snapshot)
		done := ev("t0")
		done.Event = &pb.JoinRequestEvent_SnapshotComplete{SnapshotComplete: &pb.SnapshotComplete{}}
		s.Send(done)
		created := ev("t1")
		created.Event = &pb.JoinRequestEvent_Created{Created: &pb.JoinRequestCreated{}}
		s.Send(created)
		beat := ev("t1")
		beat.Event = &pb.JoinRequestEvent_Heartbeat{Heartbeat: &pb.Heartbeat{}}
		s.Send(beat)
		return statusWith(codes.ResourceExhausted, "too slow",
			&errdetails.ErrorInfo{Reason: "SLOW_CONSUMER", Domain: "invitegate"},
			&errdetails.RetryInfo{RetryDelay: &duration.Duration{Nanos: 50_000_000}})
	case 3: // the server ends the stream (e.g. shutting down): resume again
		created := ev("t2")
		created.Event = &pb.JoinRequestEvent_Created{Created: &pb.JoinRequestCreated{}}
		s.Send(created)
		return nil
	}
	return statusWith(codes.OutOfRange, "token expired",
		&errdetails.ErrorInfo{Reason: "RESUME_TOKEN_EXPIRED", Domain: "invitegate"})
}

func startFake(t *testing.T) (*Client, *fakeWatch) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	server := grpc.NewServer()
	watch := &fakeWatch{}
	pb.RegisterInviteLinkServiceServer(server, fakeLinks{})
	pb.RegisterJoinRequestServiceServer(server, watch)
	go server.Serve(listener)
	t.Cleanup(server.Stop)
	client, err := Dial(context.Background(), listener.Addr().String(), WithToken("s3cret"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	return client, watch
}

func TestFakeErrorsCarryReasonAndRetryDelay(t *testing.T) {
	client, _ := startFake(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := client.InviteLinks.CreateInviteLink(ctx, &pb.CreateInviteLinkRequest{})
	e, ok := AsError(err)
	if !ok {
		t.Fatalf("not an *Error: %v", err)
	}
	if e.Code != codes.ResourceExhausted || e.Reason != "FLOOD_WAIT" || e.Domain != "telegram.org" ||
		!e.HasRetryDelay || e.RetryDelay != 42*time.Second || e.Metadata["method"] != "exportChatInvite" {
		t.Errorf("got %+v", e)
	}
	if status.Code(err) != codes.ResourceExhausted {
		t.Errorf("status.Code sees %v", status.Code(err))
	}
	_, err = client.InviteLinks.GetInviteLink(ctx, &pb.GetInviteLinkRequest{})
	e, _ = AsError(err)
	if e == nil || !reflect.DeepEqual(e.FieldViolations, []FieldViolation{{"name", "bad"}}) || e.HasRetryDelay {
		t.Errorf("got %+v", e)
	}
}

func TestFakeWatchResumesWithTheLastToken(t *testing.T) {
	client, fake := startFake(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	watch := client.WatchJoinRequests(ctx, &pb.WatchJoinRequestsRequest{
		Account: "accounts/a", Start: &pb.WatchJoinRequestsRequest_Snapshot{Snapshot: true}},
		WatchOptions{InitialBackoff: 10 * time.Millisecond})
	var seen []string
	for ev := range watch.Events() {
		kind := reflect.TypeOf(ev.Event).Elem().Name()
		seen = append(seen, kind+"@"+ev.ResumeToken)
	}
	want := []string{"JoinRequestEvent_Snapshot@", "JoinRequestEvent_Snapshot@",
		"JoinRequestEvent_SnapshotComplete@t0", "JoinRequestEvent_Created@t1", "JoinRequestEvent_Created@t2"}
	if !reflect.DeepEqual(seen, want) {
		t.Errorf("events %v; want %v", seen, want)
	}
	if e, ok := AsError(watch.Err()); !ok || e.Code != codes.OutOfRange || e.Reason != "RESUME_TOKEN_EXPIRED" {
		t.Errorf("final error %v", watch.Err())
	}
	var starts []string
	for _, r := range fake.requests {
		starts = append(starts, reflect.TypeOf(r.Start).Elem().Name()+":"+r.GetResumeToken())
	}
	wantStarts := []string{"WatchJoinRequestsRequest_Snapshot:", "WatchJoinRequestsRequest_Snapshot:",
		"WatchJoinRequestsRequest_ResumeToken:t1", "WatchJoinRequestsRequest_ResumeToken:t2"}
	if !reflect.DeepEqual(starts, wantStarts) {
		t.Errorf("requests %v; want %v", starts, wantStarts)
	}
	if watch.ResumeToken() != "t2" || watch.Reconnects() != 3 {
		t.Errorf("token %q reconnects %d", watch.ResumeToken(), watch.Reconnects())
	}
}

func TestFakeWatchStopsQuietlyWhenCancelled(t *testing.T) {
	client, _ := startFake(t)
	ctx, cancel := context.WithCancel(context.Background())
	watch := client.WatchJoinRequests(ctx, &pb.WatchJoinRequestsRequest{Account: "accounts/a",
		Start: &pb.WatchJoinRequestsRequest_Snapshot{Snapshot: true}}, WatchOptions{InitialBackoff: time.Hour})
	<-watch.Events() // the first snapshot item; then the fake drops and the watch backs off
	cancel()
	for range watch.Events() {
	}
	if watch.Err() != nil {
		t.Errorf("Err after cancel: %v", watch.Err())
	}
}
