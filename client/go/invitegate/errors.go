package invitegate

// Invitegate's errors as Go error values, decoded from the gRPC status details.
//
// The server puts a google.rpc.Status in the grpc-status-details-bin trailer: an ErrorInfo whose
// reason is Telegram's error name (domain "telegram.org", e.g. INVITE_HASH_EXPIRED) or
// Invitegate's own (domain "invitegate", e.g. ACCOUNT_NOT_FOUND), a RetryInfo for FLOOD_WAIT, and
// a BadRequest naming each invalid field. Callers branch on Reason, not on message text.
// Spec: https://google.aip.dev/193, https://core.telegram.org/api/errors

import (
	"errors"
	"fmt"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// FieldViolation is one invalid request field (google.rpc.BadRequest).
type FieldViolation struct {
	Field       string
	Description string
}

// Error is a failed call: the gRPC code plus what the status details said. Every error the
// Client's stubs return for a failed call is an *Error (use errors.As, or AsError).
type Error struct {
	Code    codes.Code
	Message string
	// Reason, Domain and Metadata come from google.rpc.ErrorInfo (empty when absent).
	Reason   string
	Domain   string
	Metadata map[string]string
	// RetryDelay is how long to wait before retrying (google.rpc.RetryInfo); HasRetryDelay says
	// whether the server sent one.
	RetryDelay      time.Duration
	HasRetryDelay   bool
	FieldViolations []FieldViolation

	status *status.Status
}

func (e *Error) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("%s: %s [%s]", e.Code, e.Message, e.Reason)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// GRPCStatus lets status.FromError and status.Code see through the wrapper.
func (e *Error) GRPCStatus() *status.Status { return e.status }

// AsError returns the *Error inside err, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// FromError converts a gRPC error into an *Error; other errors (and nil) pass through.
func FromError(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := AsError(err); ok {
		return err
	}
	s, ok := status.FromError(err)
	if !ok {
		return err
	}
	out := &Error{Code: s.Code(), Message: s.Message(), status: s}
	// Details() skips (returns as errors) any detail it cannot decode: a garbled trailer never
	// hides the status itself.
	for _, d := range s.Details() {
		switch d := d.(type) {
		case *errdetails.ErrorInfo:
			out.Reason, out.Domain, out.Metadata = d.GetReason(), d.GetDomain(), d.GetMetadata()
		case *errdetails.RetryInfo:
			if rd := d.GetRetryDelay(); rd != nil {
				out.RetryDelay = time.Duration(rd.GetSeconds())*time.Second +
					time.Duration(rd.GetNanos())
				out.HasRetryDelay = true
			}
		case *errdetails.BadRequest:
			for _, v := range d.GetFieldViolations() {
				out.FieldViolations = append(out.FieldViolations,
					FieldViolation{Field: v.GetField(), Description: v.GetDescription()})
			}
		}
	}
	return out
}
