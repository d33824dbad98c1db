'use strict';
// Invitegate's errors as JavaScript exceptions, decoded from the gRPC status details.
//
// The server puts a google.rpc.Status in the grpc-status-details-bin trailer: an ErrorInfo whose
// reason is Telegram's error name (domain "telegram.org", e.g. INVITE_HASH_EXPIRED) or
// Invitegate's own (domain "invitegate", e.g. ACCOUNT_NOT_FOUND), a RetryInfo for FLOOD_WAIT,
// and a BadRequest naming each invalid field. Callers branch on `reason`, not message text.
// Spec: https://google.aip.dev/193, https://core.telegram.org/api/errors

const path = require('path');
const protobuf = require('protobufjs');
const { status: Status } = require('@grpc/grpc-js');

let types = null;
// google/rpc/*.proto from the repository's proto/ (protobufjs brings google/protobuf/*).
function rpcTypes(protoDir) {
  if (types) return types;
  const root = new protobuf.Root();
  root.resolvePath = (origin, target) =>
    target.startsWith('google/protobuf/') ? target : path.join(protoDir, target);
  root.loadSync(['google/rpc/status.proto', 'google/rpc/error_details.proto']);
  types = {
    Status: root.lookupType('google.rpc.Status'),
    ErrorInfo: root.lookupType('google.rpc.ErrorInfo'),
    RetryInfo: root.lookupType('google.rpc.RetryInfo'),
    BadRequest: root.lookupType('google.rpc.BadRequest'),
  };
  return types;
}

/**
 * A failed call. code: the numeric gRPC code (codeName: e.g. "NOT_FOUND"); reason / domain /
 * metadata: google.rpc.ErrorInfo ('' / {} when absent); retryDelayMs: google.rpc.RetryInfo
 * in milliseconds, or null; fieldViolations: [{field, description}] from google.rpc.BadRequest.
 */
class InvitegateError extends Error {
  constructor({ code, message, reason = '', domain = '', metadata = {}, retryDelayMs = null,
    fieldViolations = [] }) {
    const codeName = Object.keys(Status).find((k) => Status[k] === code) || 'UNKNOWN';
    super(`${codeName}: ${message}${reason ? ` [${reason}]` : ''}`);
    this.name = 'InvitegateError';
    Object.assign(this, { code, codeName, details: message, reason, domain, metadata,
      retryDelayMs, fieldViolations });
  }
}

/** Decodes a serialized google.rpc.Status into the InvitegateError fields. */
function decodeDetails(buffer, protoDir) {
  const out = {};
  if (!buffer || buffer.length === 0) return out;
  const t = rpcTypes(protoDir);
  let status;
  try {
    status = t.Status.decode(buffer);
  } catch (e) {
    return out; // a garbled trailer must not hide the real error
  }
  for (const any of status.details || []) {
    // protobufjs's bundled google.protobuf.Any keeps the proto field name (type_url).
    const type = (any.type_url || any.typeUrl || '').split('/').pop();
    try {
      if (type === 'google.rpc.ErrorInfo') {
        const info = t.ErrorInfo.decode(any.value);
        Object.assign(out, { reason: info.reason, domain: info.domain,
          metadata: { ...info.metadata } });
      } else if (type === 'google.rpc.RetryInfo') {
        const d = t.RetryInfo.decode(any.value).retryDelay;
        if (d) out.retryDelayMs = Number(d.seconds || 0) * 1000 + Math.round((d.nanos || 0) / 1e6);
      } else if (type === 'google.rpc.BadRequest') {
        const bad = t.BadRequest.decode(any.value);
        out.fieldViolations = (bad.fieldViolations || [])
          .map((v) => ({ field: v.field, description: v.description }));
      }
    } catch (e) {
      // skip a detail we cannot decode
    }
  }
  return out;
}

/** The InvitegateError for a grpc-js ServiceError (or any error: non-gRPC ones pass through). */
function fromServiceError(error, protoDir) {
  if (!error || error instanceof InvitegateError || typeof error.code !== 'number') return error;
  const bin = error.metadata ? error.metadata.get('grpc-status-details-bin') : [];
  return new InvitegateError({ code: error.code, message: error.details || error.message,
    ...decodeDetails(bin[0], protoDir) });
}

module.exports = { InvitegateError, fromServiceError, decodeDetails };
