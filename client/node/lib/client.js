'use strict';
// A thin Node.js client for Invitegate's gRPC API (invitegate.v1). The stubs come from proto/ at
// run time (@grpc/proto-loader: npm's grpc-tools cannot install offline). `Client` owns one
// channel (plaintext, TLS with an optional CA, or mTLS) and attaches the bearer token to every
// call; its services' methods return Promises (unary) or async iterables (streams) that throw
// InvitegateError; watchJoinRequests is an async iterator that reconnects by itself with the
// last resume token.
// Spec: proto/invitegate/v1/*.proto (the API reference is in the proto comments)

const fs = require('fs');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const { fromServiceError } = require('./errors');
const { JoinRequestWatch } = require('./watch');

const DEFAULT_PROTO_DIR = process.env.INVITEGATE_PROTO_DIR || path.join(__dirname, '..', '..', '..', 'proto');
const FILES = ['accounts', 'chats', 'invite_links', 'join_requests', 'resources']
  .map((f) => `invitegate/v1/${f}.proto`);
// camelCase fields, enums as their names, int64 as Number (Telegram ids stay below 2^53),
// oneofs tell which member is set (e.g. event.event === 'created').
const LOADER_OPTIONS = { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true };

const loaded = new Map();
function loadPackage(protoDir) {
  if (!loaded.has(protoDir)) {
    const definition = protoLoader.loadSync(FILES, { ...LOADER_OPTIONS, includeDirs: [protoDir] });
    loaded.set(protoDir, grpc.loadPackageDefinition(definition).invitegate.v1);
  }
  return loaded.get(protoDir);
}

function pem(value) {
  if (value == null || Buffer.isBuffer(value)) return value || null;
  return fs.readFileSync(value);
}

/**
 * A connection to an Invitegate server.
 * address: "host:port". options: tls (boolean; implied by caCert / clientCert), caCert (PEM
 * Buffer or file path; default: the system roots), clientCert / clientKey (for mTLS), token (sent
 * as "authorization: Bearer <token>"), timeoutMs (default deadline of unary calls, 30000),
 * protoDir (where proto/ is), channelOptions.
 */
class Client {
  constructor(address, options = {}) {
    this.address = address;
    this.timeoutMs = options.timeoutMs ?? 30000;
    this.protoDir = options.protoDir || DEFAULT_PROTO_DIR;
    const v1 = loadPackage(this.protoDir);
    this.v1 = v1;
    const credentials = options.tls || options.caCert || options.clientCert
      ? grpc.credentials.createSsl(pem(options.caCert), pem(options.clientKey), pem(options.clientCert))
      : grpc.credentials.createInsecure();
    const token = options.token;
    // Metadata rather than call credentials: gRPC refuses call credentials on plaintext
    // channels, and a loopback server with tokens is a normal set-up.
    const interceptors = token ? [(opts, next) => new grpc.InterceptingCall(next(opts), {
      start(metadata, listener, nextStart) {
        metadata.set('authorization', `Bearer ${token}`);
        nextStart(metadata, listener);
      },
    })] : [];
    const channelOptions = { ...(options.channelOptions || {}), interceptors };
    this._raw = {};
    const wrap = (name, Service) => {
      const raw = new Service(address, credentials, channelOptions);
      this._raw[name] = raw;
      this[name] = this._wrapService(raw, Service.service);
    };
    wrap('accounts', v1.AccountService);
    wrap('chats', v1.ChatService);
    wrap('usernames', v1.UsernameService);
    wrap('inviteLinks', v1.InviteLinkService);
    wrap('joinRequests', v1.JoinRequestService);
  }

  _wrapService(raw, definition) {
    const service = {};
    for (const [name, method] of Object.entries(definition)) {
      const key = method.originalName || name;
      if (method.responseStream) {
        service[key] = (request, options = {}) => this._stream(raw[key].bind(raw), request, options);
      } else {
        service[key] = (request, options = {}) => new Promise((resolve, reject) => {
          const timeoutMs = options.timeoutMs ?? this.timeoutMs;
          raw[key](request, { deadline: Date.now() + timeoutMs }, (error, response) => {
            if (error) reject(fromServiceError(error, this.protoDir));
            else resolve(response);
          });
        });
      }
    }
    return service;
  }

  async* _stream(method, request, options) {
    const call = method(request, options.callOptions || {});
    if (options.onCall) options.onCall(call);
    try {
      for await (const item of call) yield item;
    } catch (error) {
      throw fromServiceError(error, this.protoDir);
    } finally {
      call.cancel();
    }
  }

  close() {
    for (const raw of Object.values(this._raw)) raw.close();
  }

  // --- Helpers for the common paths (the services above do everything else). ---

  /** Creates a link in parent (accounts/{account}/chats/{chat}). expireTime: a Date. */
  createInviteLink(parent, { requestNeeded, title, usageLimit, expireTime } = {}) {
    const inviteLink = {};
    if (requestNeeded !== undefined) inviteLink.requestNeeded = requestNeeded;
    if (title !== undefined) inviteLink.title = title;
    if (usageLimit !== undefined) inviteLink.usageLimit = usageLimit;
    if (expireTime) inviteLink.expireTime = { seconds: Math.floor(expireTime.getTime() / 1000) };
    return this.inviteLinks.createInviteLink({ parent, inviteLink });
  }

  /** Joins as account; the outcome is JOIN_OUTCOME_JOINED or _PENDING_APPROVAL (not an error). */
  joinByInviteLink(account, inviteLink) {
    return this.inviteLinks.joinByInviteLink({ account, inviteLink });
  }

  /** Every pending request of the chat (following nextPageToken). */
  async* listJoinRequests(parent, { inviteLink = '', query = '', pageSize = 0 } = {}) {
    let pageToken = '';
    do {
      const page = await this.joinRequests.listJoinRequests({ parent, inviteLink, query, pageSize, pageToken });
      yield* page.joinRequests;
      pageToken = page.nextPageToken;
    } while (pageToken);
  }

  approveJoinRequest(name) {
    return this.joinRequests.approveJoinRequest({ name });
  }

  declineJoinRequest(name) {
    return this.joinRequests.declineJoinRequest({ name });
  }

  /** Join-request events of account, resuming by itself; see JoinRequestWatch. */
  watchJoinRequests(account, options = {}) {
    return new JoinRequestWatch(this, account, options);
  }
}

module.exports = { Client, DEFAULT_PROTO_DIR };
