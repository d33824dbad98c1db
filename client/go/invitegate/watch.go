package invitegate

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	pb "invitegate.dev/client/go/invitegatepb"
)

// WatchOptions tunes a Watch. The zero value: heartbeats dropped, retry forever, backoff from
// 200 ms to 10 s.
type WatchOptions struct {
	// IncludeHeartbeats passes heartbeats on (they always refresh the resume token).
	IncludeHeartbeats bool
	// MaxRetries bounds consecutive failed attempts; 0 means no bound.
	MaxRetries     int
	InitialBackoff time.Duration
	MaxBackoff     time.Duration
}

// Watch follows WatchJoinRequests and survives disconnects: after a retryable failure (or the
// server ending the stream) it reconnects with the last resume token it saw, so each event
// arrives once. Before the snapshot is complete it asks for the snapshot again instead
// (snapshot items may repeat; nothing is lost). Events() is closed when the watch ends: because
// the context was cancelled (Err() is nil) or on a final error (OUT_OF_RANGE for a token the
// server no longer keeps, UNIMPLEMENTED, INVALID_ARGUMENT, ...: Err() returns it).
type Watch struct {
	events chan *pb.JoinRequestEvent

	mu         sync.Mutex
	token      string
	err        error
	reconnects int
}

// Events delivers the events; it is closed when the watch ends.
func (w *Watch) Events() <-chan *pb.JoinRequestEvent { return w.events }

// Err is why the watch ended (nil after cancellation); valid once Events() is closed.
func (w *Watch) Err() error { w.mu.Lock(); defer w.mu.Unlock(); return w.err }

// ResumeToken is the last token seen: keep it to continue later (even in another process).
func (w *Watch) ResumeToken() string { w.mu.Lock(); defer w.mu.Unlock(); return w.token }

// Reconnects counts the reconnections so far.
func (w *Watch) Reconnects() int { w.mu.Lock(); defer w.mu.Unlock(); return w.reconnects }

// WatchJoinRequests starts a Watch for req (its resume_token / snapshot say where to start);
// cancel ctx to stop it.
func (c *Client) WatchJoinRequests(ctx context.Context, req *pb.WatchJoinRequestsRequest,
	opts WatchOptions) *Watch {
	if opts.InitialBackoff <= 0 {
		opts.InitialBackoff = 200 * time.Millisecond
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 10 * time.Second
	}
	w := &Watch{events: make(chan *pb.JoinRequestEvent), token: req.GetResumeToken()}
	base := proto.Clone(req).(*pb.WatchJoinRequestsRequest)
	go w.run(ctx, c.JoinRequests, base, opts)
	return w
}

// retryable: the codes after which a watch reconnects.
func retryable(code codes.Code) bool {
	switch code {
	case codes.Unavailable, codes.ResourceExhausted, codes.Aborted, codes.Internal,
		codes.DeadlineExceeded, codes.Canceled:
		return true
	}
	return false
}

func (w *Watch) run(ctx context.Context, client pb.JoinRequestServiceClient,
	base *pb.WatchJoinRequestsRequest, opts WatchOptions) {
	defer close(w.events)
	inSnapshot := base.GetSnapshot() && base.GetResumeToken() == ""
	failures := 0
	for {
		req := proto.Clone(base).(*pb.WatchJoinRequestsRequest)
		if inSnapshot {
			req.Start = &pb.WatchJoinRequestsRequest_Snapshot{Snapshot: true}
		} else if token := w.ResumeToken(); token != "" {
			req.Start = &pb.WatchJoinRequestsRequest_ResumeToken{ResumeToken: token}
		}
		err := w.follow(ctx, client, req, opts, &inSnapshot, &failures)
		if ctx.Err() != nil {
			return
		}
		var delay time.Duration
		if err != nil {
			e, ok := AsError(err)
			if !ok || !retryable(e.Code) {
				w.fail(err)
				return
			}
			delay = e.RetryDelay
		}
		failures++
		if opts.MaxRetries > 0 && failures > opts.MaxRetries {
			if err == nil {
				err = &Error{Code: codes.Unavailable, Message: "the watch stream kept ending"}
			}
			w.fail(err)
			return
		}
		if delay == 0 {
			delay = opts.InitialBackoff << (failures - 1)
			if delay > opts.MaxBackoff || delay <= 0 {
				delay = opts.MaxBackoff
			}
		}
		w.mu.Lock()
		w.reconnects++
		w.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
	}
}

// follow reads one stream until it ends; nil when the server ended it cleanly.
func (w *Watch) follow(ctx context.Context, client pb.JoinRequestServiceClient,
	req *pb.WatchJoinRequestsRequest, opts WatchOptions, inSnapshot *bool, failures *int) error {
	streamCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := client.WatchJoinRequests(streamCtx, req)
	if err != nil {
		return err
	}
	for {
		ev, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		*failures = 0
		if ev.GetResumeToken() != "" {
			w.mu.Lock()
			w.token = ev.GetResumeToken()
			w.mu.Unlock()
		}
		if ev.GetSnapshotComplete() != nil {
			*inSnapshot = false
		}
		if ev.GetHeartbeat() != nil && !opts.IncludeHeartbeats {
			continue
		}
		select {
		case w.events <- ev:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (w *Watch) fail(err error) {
	w.mu.Lock()
	w.err = err
	w.mu.Unlock()
}
