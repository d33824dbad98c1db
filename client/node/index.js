'use strict';
// Invitegate's Node.js client: see lib/client.js and README.md.
try {
  require.resolve('@grpc/grpc-js');
} catch (e) {
  throw new Error('client/node needs its npm packages: run scripts/install-bindings.sh (npm ci in client/node)');
}
const { Client, DEFAULT_PROTO_DIR } = require('./lib/client');
const { JoinRequestWatch } = require('./lib/watch');
const { InvitegateError, fromServiceError } = require('./lib/errors');
const { parseInviteLink, inviteLinkForHash } = require('./lib/links');
const { status } = require('@grpc/grpc-js');

module.exports = { Client, JoinRequestWatch, InvitegateError, fromServiceError, parseInviteLink,
  inviteLinkForHash, status, DEFAULT_PROTO_DIR };
