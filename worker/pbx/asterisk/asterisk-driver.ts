/**
 * PbxDriver for Asterisk / FreePBX over AMI: one persistent authenticated connection per driver,
 * shared by every call; Originate with Async true; progress from OriginateResponse, DialEnd and
 * Hangup events (SPEC §5, asterisk-ami.md §3–§5); call options of SPEC §8 (originate-action.ts) and
 * saved endpoints' settings of SPEC §10 (endpoint-call-options.ts).
 */
import { randomUUID } from 'node:crypto';
import { agentOkPauseReasons, type AsteriskSettings } from '../../../shared/accounts/pbx-settings.js';
import { AppError } from '../../../shared/errors.js';
import type { AddressPolicy } from '../http/address-policy.js';
import type { CallAccepted, CallObserver, DriverDeps, PbxDriver, PbxTestResult, PlaceCall } from '../pbx-driver.js';
import { AmiEncodeError, encodeAction, headersToObject, headerValue } from './ami-codec.js';
import { AmiConnection } from './ami-connection.js';
import { CallRegistry } from './call-registry.js';
import { type AmiSend, DialAsResolver } from './dial-as-lookup.js';
import { DialplanSubroutine } from './dialplan-subroutine.js';
import { SIP_HEADER_SUBROUTINE } from './endpoint-call-options.js';
import { assertPlaceable, buildOriginate, channelIds, HUNT_CONTEXT, RING_ALL_CONTEXT } from './originate-action.js';
import { queueAgents } from './queue-agents.js';
import { recordingPlan, recordingSubroutine } from './recording.js';

/** Knobs with production defaults; tests shorten them. */
export interface AsteriskDriverTuning {
  actionTimeoutMs?: number;
  connectTimeoutMs?: number;
  pingIntervalMs?: number;
  reconnectInitialMs?: number;
  reconnectMaxMs?: number;
  lookupTtlMs?: number;
  causeGraceMs?: number;
  maxCallMs?: number;
}

const DEFAULT_CALLER_NAME = 'Click2Call';

export function createAsteriskDriver(
  settings: AsteriskSettings,
  deps: DriverDeps & AddressPolicy,
  tuning: AsteriskDriverTuning = {},
): PbxDriver {
  const logger = deps.logger.child({ pbx: 'asterisk', host: settings.host });
  const connection = new AmiConnection({
    host: settings.host,
    port: settings.port,
    tls: settings.tls,
    ...(settings.ca_pem === undefined ? {} : { caPem: settings.ca_pem }),
    allowPrivateAddresses: deps.allowPrivateAddresses,
    username: settings.username,
    secret: settings.secret,
    logger,
    actionTimeoutMs: tuning.actionTimeoutMs,
    connectTimeoutMs: tuning.connectTimeoutMs,
    pingIntervalMs: tuning.pingIntervalMs,
    reconnectInitialMs: tuning.reconnectInitialMs,
    reconnectMaxMs: tuning.reconnectMaxMs,
  });
  const calls = new CallRegistry({ logger, causeGraceMs: tuning.causeGraceMs, maxCallMs: tuning.maxCallMs });
  connection.onEvent((event) => calls.onEvent(event));
  connection.onLost(() => calls.lost());
  const send: AmiSend = (headers) => connection.send(headers);
  const resolver = new DialAsResolver(settings, send, { ttlMs: tuning.lookupTtlMs });
  const recordingCheck = recordingSubroutine(settings, send, tuning.lookupTtlMs);
  const sipHeaderCheck = new DialplanSubroutine(SIP_HEADER_SUBROUTINE, 'SIP header subroutine', 'custom_sip_headers.out', send, tuning.lookupTtlMs);
  const ringAllCheck = new DialplanSubroutine(RING_ALL_CONTEXT, 'FindMe ring-all context', 'A simultaneous FindMe list with type=2', send, tuning.lookupTtlMs);
  const huntCheck = new DialplanSubroutine(HUNT_CONTEXT, 'FindMe hunt context', 'An ordered FindMe list with type=1', send, tuning.lookupTtlMs);

  async function placeCall(call: PlaceCall, observer: CallObserver): Promise<CallAccepted> {
    assertPlaceable(call);
    await connection.ready();
    const identity = await resolver.resolve(call.dialAs);
    const recording = call.record === undefined ? undefined : recordingPlan(settings, call.requestId);
    if (recording) await recordingCheck.ensure();
    if (Object.keys(call.endpoint?.sip_headers ?? {}).length > 0) await sipHeaderCheck.ensure();
    if (call.leg1 !== undefined) await ringAllCheck.ensure();
    if (call.leg2?.inTurn === true) await huntCheck.ensure();
    const actionId = `c2c-${randomUUID()}`;
    const headers = buildOriginate({
      call,
      actionId,
      channelTemplate: settings.channel,
      context: identity.context,
      callerIdName: settings.caller_id_name ?? identity.callerIdName ?? DEFAULT_CALLER_NAME,
      callerIdNumber: identity.callerIdNumber,
      freepbx: identity.mode === 'freepbx',
      ...(recording === undefined ? {} : { recording }),
    });
    try {
      encodeAction(headers);
    } catch (err) {
      if (err instanceof AmiEncodeError) throw new AppError('invalid_request', `Unsafe value for ${err.headerName}.`);
      throw err;
    }
    const ids = { actionId, ...channelIds(call.requestId, call.attempt) };
    // Follow the call before sending: its first events can arrive right behind the reply.
    calls.track(ids, observer);
    try {
      await observer.dispatching(headersToObject(headers));
    } catch (err) {
      calls.forget(ids);
      throw err;
    }
    logger.debug({ request_id: call.requestId, action_id: actionId, mode: identity.mode }, 'originate sent');
    let reply;
    try {
      reply = await connection.send(headers);
    } catch (err) {
      // After a timeout the call may still be placed; keep following it (bounded by the registry).
      if (!(err instanceof AppError && err.code === 'pbx_timeout')) calls.forget(ids);
      throw err;
    }
    const responseData = headersToObject(reply.response.headers);
    if (headerValue(reply.response, 'Response') === 'Success') {
      // MixMonitor starts once leg 2 answers and has heard the warning: until then it is only requested.
      const recorded = recording === undefined ? {} : { recording: { path: recording.path, state: 'requested' } };
      return { responseData: { ...responseData, ...recorded }, progressFollows: true };
    }
    calls.forget(ids);
    const message = headerValue(reply.response, 'Message') ?? 'The PBX refused the call request.';
    throw new AppError('pbx_error', message, { responseData });
  }

  async function test(): Promise<PbxTestResult> {
    try {
      await connection.ready();
      const lookups = await resolver.probe();
      const subroutines = [await recordingCheck.describe(), await sipHeaderCheck.describe(), await ringAllCheck.describe(), await huntCheck.describe()];
      return { ok: lookups.ok, detail: `Logged in (${connection.banner ?? 'no banner'}); ${lookups.detail}; ${subroutines.join('; ')}` };
    } catch (err) {
      const appError = err instanceof AppError ? err : new AppError('internal_error', undefined, { cause: err });
      return { ok: false, detail: `${appError.code}: ${appError.message}${causeCode(appError)}` };
    }
  }

  async function close(): Promise<void> {
    // Calls still followed will not be any more: their observers hear it (a hunt stops, an agent is left to the keepers).
    calls.lost();
    calls.close();
    await connection.close();
  }

  return { placeCall, test, close, agents: queueAgents(send, agentOkPauseReasons(settings)) };
}

/** Names the socket/TLS error behind a failure (e.g. ECONNREFUSED) for the admin's test result. */
function causeCode(err: AppError): string {
  const cause = err.cause as { code?: unknown; message?: unknown } | undefined;
  if (!cause) return '';
  const code = typeof cause.code === 'string' ? cause.code : typeof cause.message === 'string' ? cause.message : '';
  return code ? ` (${code})` : '';
}
