'use strict';
// The resume-aware WatchJoinRequests async iterator.

const { status: Status } = require('@grpc/grpc-js');
const { fromServiceError, InvitegateError } = require('./errors');

// Codes after which a watch reconnects (with its last resume token). OUT_OF_RANGE (token too
// old), UNIMPLEMENTED, INVALID_ARGUMENT, NOT_FOUND, PERMISSION_DENIED, ... are final.
const RETRYABLE = new Set([Status.UNAVAILABLE, Status.RESOURCE_EXHAUSTED, Status.ABORTED,
  Status.INTERNAL, Status.DEADLINE_EXCEEDED, Status.CANCELLED]);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Follows WatchJoinRequests and survives disconnects: after a retryable failure (or the server
 * ending the stream) it reconnects with the last resume token, so each event arrives once.
 * Before the snapshot is complete it asks for the snapshot again instead (snapshot items may
 * repeat; nothing is lost). Waits back off exponentially or follow the server's RetryInfo.
 * Heartbeats refresh the token and are skipped unless includeHeartbeats.
 *
 *   const watch = client.watchJoinRequests('accounts/alice', { snapshot: true });
 *   for await (const event of watch) { ... }   // ends after watch.cancel()
 *
 * options: chats, inviteLinks, eventTypes, resumeToken, snapshot, heartbeatIntervalMs,
 * includeHeartbeats, maxRetries (default: forever), initialBackoffMs (200), maxBackoffMs (10000).
 * watch.resumeToken is the last token seen: keep it to continue later.
 */
class JoinRequestWatch {
  constructor(client, account, options = {}) {
    this._client = client;
    this._options = options;
    this._base = { account, chats: options.chats || [], inviteLinks: options.inviteLinks || [],
      eventTypes: options.eventTypes || [] };
    if (options.heartbeatIntervalMs) {
      const ms = options.heartbeatIntervalMs;
      this._base.heartbeatInterval = { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
    }
    this.resumeToken = options.resumeToken || '';
    this._inSnapshot = Boolean(options.snapshot) && !options.resumeToken;
    this.reconnects = 0;
    this._cancelled = false;
    this._call = null;
    this._wake = null;
  }

  /** Ends the iteration quietly (from anywhere). */
  cancel() {
    this._cancelled = true;
    if (this._call) this._call.cancel();
    if (this._wake) this._wake();
  }

  _request() {
    const request = { ...this._base };
    if (this._inSnapshot) request.snapshot = true;
    else if (this.resumeToken) request.resumeToken = this.resumeToken;
    return request;
  }

  async* [Symbol.asyncIterator]() {
    const { includeHeartbeats = false, maxRetries = null, initialBackoffMs = 200,
      maxBackoffMs = 10000 } = this._options;
    const raw = this._client._raw.joinRequests;
    let failures = 0;
    while (!this._cancelled) {
      let error = null;
      const call = raw.watchJoinRequests(this._request());
      this._call = call;
      try {
        for await (const event of call) {
          failures = 0;
          if (event.resumeToken) this.resumeToken = event.resumeToken;
          if (event.event === 'snapshotComplete') this._inSnapshot = false;
          if (event.event === 'heartbeat' && !includeHeartbeats) continue;
          yield event;
          if (this._cancelled) break;
        }
      } catch (e) {
        if (this._cancelled) return;
        error = fromServiceError(e, this._client.protoDir);
        if (!(error instanceof InvitegateError) || !RETRYABLE.has(error.code)) throw error;
      } finally {
        call.cancel();
        this._call = null;
      }
      if (this._cancelled) return;
      failures += 1;
      if (maxRetries !== null && failures > maxRetries) {
        throw error || new InvitegateError({ code: Status.UNAVAILABLE,
          message: 'the watch stream kept ending' });
      }
      let delay = Math.min(initialBackoffMs * 2 ** (failures - 1), maxBackoffMs);
      if (error && error.retryDelayMs !== null) delay = error.retryDelayMs;
      this.reconnects += 1;
      let timer;
      await new Promise((resolve) => {
        this._wake = resolve;
        timer = setTimeout(resolve, delay);
      });
      clearTimeout(timer); // cancel() may have woken us: do not hold the event loop open
      this._wake = null;
    }
  }
}

module.exports = { JoinRequestWatch };
