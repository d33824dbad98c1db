// Shared by the Node.js drivers (mtcute_client.mjs imports it too): argument parsing and the
// one-JSON-line-per-step reporter that run_interop.py reads.
'use strict';

const USAGE = 'usage: DRIVER READY_FILE [--scenario all|bot|user] [--dc N] ' +
              '[--step-timeout SECONDS] [--expect-salt-rotation]';

function parseArgs(argv) {
  const out = { scenario: 'all', dc: undefined, stepTimeoutMs: 20000, expectSaltRotation: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value\n${USAGE}`);
      return argv[++i];
    };
    if (a === '--scenario') out.scenario = value();
    else if (a === '--dc') out.dc = Number(value());
    else if (a === '--step-timeout') out.stepTimeoutMs = Number(value()) * 1000;
    else if (a === '--expect-salt-rotation') out.expectSaltRotation = true;
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}\n${USAGE}`);
    else out.readyFile = a;
  }
  if (!out.readyFile || !['all', 'bot', 'user'].includes(out.scenario)) throw new Error(USAGE);
  return out;
}

function describeError(e) {
  if (e === undefined || e === null) return String(e);
  // mtcute RpcError: code/text; gramjs RPCError: code/errorMessage.
  if (e.text !== undefined && e.code !== undefined) return `RPC error ${e.code} ${e.text}`;
  if (e.errorMessage !== undefined) return `RPC error ${e.code ?? ''} ${e.errorMessage}`.replace('  ', ' ');
  return e.message ?? String(e);
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms / 1000} s (${what})`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// Runs steps with a timeout each and prints {"client","step","ok","detail"} per step. Once a
// step of a scenario fails, the rest of that scenario is reported as skipped rather than run
// against a client in an unknown state.
class Reporter {
  constructor(client, stepTimeoutMs) {
    this.client = client;
    this.stepTimeoutMs = stepTimeoutMs;
    this.failed = false;
    this.blockedBy = null;
  }

  record(step, ok, detail) {
    if (!ok) this.failed = true;
    process.stdout.write(`${JSON.stringify({ client: this.client, step, ok, detail })}\n`);
  }

  async step(name, fn) {
    if (this.blockedBy) {
      this.record(name, false, `skipped: ${this.blockedBy} failed`);
      return;
    }
    const started = Date.now();
    try {
      const detail = await withTimeout(Promise.resolve().then(fn), this.stepTimeoutMs, name);
      this.record(name, true, `${detail ?? ''} [${Date.now() - started} ms]`.trim());
    } catch (e) {
      this.blockedBy = name;
      this.record(name, false, `${describeError(e)} [${Date.now() - started} ms]`);
      if (e && e.stack) process.stderr.write(`[${this.client}] ${name}: ${e.stack}\n`);
    }
  }

  // Ends a scenario: tears the client down (errors only logged) and unblocks the next one.
  async cleanup(fn) {
    this.blockedBy = null;
    try {
      await withTimeout(Promise.resolve().then(fn), 5000, 'cleanup');
    } catch (e) {
      process.stderr.write(`[${this.client}] cleanup: ${describeError(e)}\n`);
    }
  }
}

module.exports = { parseArgs, Reporter, describeError };
