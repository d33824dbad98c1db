package invitegate

// Dial over TLS against an in-process fake server whose certificate comes from a throw-away CA
// made here: the client trusts the CA file and its bearer token reaches the server; trusting
// nothing but the system roots, it cannot connect.

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"

	pb "invitegate.dev/client/go/invitegatepb"
)

// selfSigned returns a certificate for 127.0.0.1 (its own CA) and writes it as PEM to caFile.
func selfSigned(t *testing.T, caFile string) tls.Certificate {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	template := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "invitegate test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func TestFakeTLSWithToken(t *testing.T) {
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	cert := selfSigned(t, caFile)
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	server := grpc.NewServer(grpc.Creds(credentials.NewServerTLSFromCert(&cert)))
	pb.RegisterInviteLinkServiceServer(server, fakeLinks{})
	go server.Serve(listener)
	defer server.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	client, err := Dial(ctx, listener.Addr().String(), WithTLS(caFile), WithToken("s3cret"))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	// fakeLinks answers FLOOD_WAIT only when the token arrived (else UNAUTHENTICATED).
	_, err = client.InviteLinks.CreateInviteLink(ctx, &pb.CreateInviteLinkRequest{})
	if e, ok := AsError(err); !ok || e.Reason != "FLOOD_WAIT" {
		t.Errorf("over TLS with the token: %v", err)
	}

	untrusting, err := Dial(ctx, listener.Addr().String(), WithTLS(""), WithToken("s3cret"))
	if err != nil {
		t.Fatal(err)
	}
	defer untrusting.Close()
	_, err = untrusting.InviteLinks.CreateInviteLink(ctx, &pb.CreateInviteLinkRequest{})
	if e, ok := AsError(err); !ok || e.Code != codes.Unavailable {
		t.Errorf("with an untrusted certificate: %v", err)
	}
}
