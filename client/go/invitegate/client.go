// Package invitegate is a thin Go client for Invitegate's gRPC API (invitegate.v1): a
// connection with TLS / mTLS and a bearer token, the generated service clients with errors
// decoded into *Error (Telegram's reason, the retry delay), an invite-link parser, and a
// join-request watch that reconnects by itself with the last resume token.
// Spec: proto/invitegate/v1/*.proto (the API reference is in the proto comments).
package invitegate

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	pb "invitegate.dev/client/go/invitegatepb"
)

// Client is a connection to an Invitegate server and its services. The service clients return
// *Error for failed calls (stream errors included).
type Client struct {
	conn         *grpc.ClientConn
	Accounts     pb.AccountServiceClient
	Chats        pb.ChatServiceClient
	Usernames    pb.UsernameServiceClient
	InviteLinks  pb.InviteLinkServiceClient
	JoinRequests pb.JoinRequestServiceClient
}

type options struct {
	tls               *tls.Config
	token             string
	extra             []grpc.DialOption
	caFile            string
	certFile, keyFile string
}

// Option configures Dial.
type Option func(*options) error

// WithTLS uses TLS, trusting the CA in caFile (PEM), or the system roots when caFile is "".
func WithTLS(caFile string) Option {
	return func(o *options) error {
		o.caFile = caFile
		if o.tls == nil {
			o.tls = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		return nil
	}
}

// WithClientCertificate adds a client certificate for mTLS (implies TLS).
func WithClientCertificate(certFile, keyFile string) Option {
	return func(o *options) error {
		o.certFile, o.keyFile = certFile, keyFile
		if o.tls == nil {
			o.tls = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		return nil
	}
}

// WithToken sends "authorization: Bearer <token>" with every call.
func WithToken(token string) Option {
	return func(o *options) error { o.token = token; return nil }
}

// WithDialOptions passes extra grpc.DialOptions through.
func WithDialOptions(opts ...grpc.DialOption) Option {
	return func(o *options) error { o.extra = append(o.extra, opts...); return nil }
}

// Dial connects to address ("host:port"); plaintext unless WithTLS / WithClientCertificate.
// The connection is made lazily: Dial does not wait for the server.
func Dial(ctx context.Context, address string, opts ...Option) (*Client, error) {
	var o options
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	dial := []grpc.DialOption{
		grpc.WithChainUnaryInterceptor(unaryErrors),
		grpc.WithChainStreamInterceptor(streamErrors),
	}
	if o.tls != nil {
		if o.caFile != "" {
			pem, err := os.ReadFile(o.caFile)
			if err != nil {
				return nil, fmt.Errorf("invitegate: CA file: %w", err)
			}
			o.tls.RootCAs = x509.NewCertPool()
			if !o.tls.RootCAs.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("invitegate: no certificate in %s", o.caFile)
			}
		}
		if o.certFile != "" {
			cert, err := tls.LoadX509KeyPair(o.certFile, o.keyFile)
			if err != nil {
				return nil, fmt.Errorf("invitegate: client certificate: %w", err)
			}
			o.tls.Certificates = []tls.Certificate{cert}
		}
		dial = append(dial, grpc.WithTransportCredentials(credentials.NewTLS(o.tls)))
	} else {
		dial = append(dial, grpc.WithInsecure())
	}
	if o.token != "" {
		dial = append(dial, grpc.WithPerRPCCredentials(bearer{o.token, o.tls != nil}))
	}
	conn, err := grpc.DialContext(ctx, address, append(dial, o.extra...)...)
	if err != nil {
		return nil, err
	}
	return &Client{
		conn:         conn,
		Accounts:     pb.NewAccountServiceClient(conn),
		Chats:        pb.NewChatServiceClient(conn),
		Usernames:    pb.NewUsernameServiceClient(conn),
		InviteLinks:  pb.NewInviteLinkServiceClient(conn),
		JoinRequests: pb.NewJoinRequestServiceClient(conn),
	}, nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// bearer is the token as per-RPC credentials. Plaintext is allowed (the server is usually on
// loopback then); over the network use TLS.
type bearer struct {
	token  string
	secure bool
}

func (b bearer) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + b.token}, nil
}
func (b bearer) RequireTransportSecurity() bool { return b.secure }

func unaryErrors(ctx context.Context, method string, req, reply interface{},
	cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	return FromError(invoker(ctx, method, req, reply, cc, opts...))
}

func streamErrors(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn,
	method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	s, err := streamer(ctx, desc, cc, method, opts...)
	if err != nil {
		return nil, FromError(err)
	}
	return errorStream{s}, nil
}

// errorStream converts the errors of a stream's messages (io.EOF passes through: it is not a
// status).
type errorStream struct{ grpc.ClientStream }

func (s errorStream) RecvMsg(m interface{}) error { return FromError(s.ClientStream.RecvMsg(m)) }
func (s errorStream) SendMsg(m interface{}) error { return FromError(s.ClientStream.SendMsg(m)) }
