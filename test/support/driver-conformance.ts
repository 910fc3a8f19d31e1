import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { AppError } from '../../shared/errors.js';
import { failureOf } from './failure-of.js';
import type { CallEvent, PbxDriver, PlaceCall } from '../../worker/pbx/pbx-driver.js';

/** A PBX double plus a driver pointed at it, as one conformance run needs it. */
export interface ConformanceTarget {
  driver: PbxDriver;
  /** How many call requests (not lookups or logins) the double has received so far. */
  callRequestsReceived(): number;
  stop(): Promise<void>;
}

export interface ConformanceHarness {
  /** A driver talking to a healthy double with valid credentials. */
  start(): Promise<ConformanceTarget>;
  /** A driver whose credentials the double refuses. */
  startWithBadCredentials(): Promise<ConformanceTarget>;
  /** A driver pointed at an address where nothing listens. */
  startUnreachable(): Promise<ConformanceTarget>;
  /** Numbers the double knows: one it accepts, one it refuses with `refusedMessage`. */
  numbers: { extension: string; answers: string; refused: string; refusedMessage: string };
  /** An extension the PBX does not have; omitted for PBXes that have no dial_as lookup. */
  unknownExtension?: string;
}

export function call(overrides: Partial<PlaceCall> = {}): PlaceCall {
  return {
    requestId: randomUUID(),
    dialFirst: '1001',
    dialSecond: '5551234',
    dialAs: overrides.dialFirst ?? '1001',
    timeoutSeconds: 5,
    ...overrides,
  };
}

/** Records what the driver reports; `refuse` makes `dispatching()` throw like a cancelled request. */
export function recordingObserver(refuse = false) {
  const dispatched: Record<string, unknown>[] = [];
  const events: CallEvent[] = [];
  return {
    dispatched,
    events,
    async dispatching(pbxData: Record<string, unknown>) {
      dispatched.push(pbxData);
      if (refuse) throw new AppError('pbx_timeout', 'cancelled before dispatch');
    },
    progress(event: CallEvent) {
      events.push(event);
    },
  };
}

/** The behaviour every PbxDriver must show, whatever PBX it speaks to. */
export function runDriverConformance(name: string, harness: ConformanceHarness): void {
  describe(`PbxDriver conformance: ${name}`, () => {
    let target: ConformanceTarget | undefined;
    afterEach(async () => {
      await target?.driver.close();
      await target?.stop();
      target = undefined;
    });

    const { extension, answers, refused, refusedMessage } = harness.numbers;

    it('when the PBX accepts the call, then placeCall resolves after dispatching exactly once', async () => {
      target = await harness.start();
      const observer = recordingObserver();
      const accepted = await target.driver.placeCall(call({ dialFirst: extension, dialSecond: answers }), observer);
      expect(accepted.responseData).to.not.equal(undefined);
      expect(observer.dispatched).to.have.length(1);
      expect(target.callRequestsReceived()).to.equal(1);
    });

    it('when the request was cancelled before dispatch, then the PBX never receives a call request', async () => {
      target = await harness.start();
      const failure = await failureOf(
        target.driver.placeCall(call({ dialFirst: extension, dialSecond: answers }), recordingObserver(true)),
      );
      expect(failure.code).to.equal('pbx_timeout');
      expect(target.callRequestsReceived()).to.equal(0);
    });

    it('when the PBX refuses the call, then the error is pbx_error with its message verbatim', async () => {
      target = await harness.start();
      const failure = await failureOf(
        target.driver.placeCall(call({ dialFirst: extension, dialSecond: refused }), recordingObserver()),
      );
      expect(failure.code).to.equal('pbx_error');
      expect(failure.message).to.contain(refusedMessage);
      // The PBX answered: the outcome is known (no call), so the client may be told `fail`.
      expect(failure.outcomeUnknown).to.equal(false);
    });

    it('when the credentials are wrong, then the error is pbx_auth_failed and no call is placed', async () => {
      target = await harness.startWithBadCredentials();
      const failure = await failureOf(
        target.driver.placeCall(call({ dialFirst: extension, dialSecond: answers }), recordingObserver()),
      );
      expect(failure.code).to.equal('pbx_auth_failed');
      expect(target.callRequestsReceived()).to.equal(0);
    });

    it('when nothing listens at the PBX address, then the error is pbx_unreachable', async () => {
      target = await harness.startUnreachable();
      const failure = await failureOf(
        target.driver.placeCall(call({ dialFirst: extension, dialSecond: answers }), recordingObserver()),
      );
      expect(failure.code).to.equal('pbx_unreachable');
      // Nothing was sent, so nothing can ring.
      expect(failure.outcomeUnknown).to.equal(false);
    });

    it('when test() runs against a healthy PBX, then it reports ok without placing a call', async () => {
      target = await harness.start();
      const result = await target.driver.test();
      expect(result.ok, result.detail).to.equal(true);
      expect(target.callRequestsReceived()).to.equal(0);
    });

    it('when test() runs with wrong credentials, then it reports not ok with a detail', async () => {
      target = await harness.startWithBadCredentials();
      const result = await target.driver.test();
      expect(result.ok).to.equal(false);
      expect(result.detail).to.be.a('string').and.not.equal('');
    });

    const unknownExtension = harness.unknownExtension;
    if (unknownExtension !== undefined) {
      it('when dial_as is not an extension of the PBX, then dial_as_not_found and nothing is dispatched', async () => {
        target = await harness.start();
        const observer = recordingObserver();
        const failure = await failureOf(
          target.driver.placeCall(call({ dialFirst: extension, dialAs: unknownExtension, dialSecond: answers }), observer),
        );
        expect(failure.code).to.equal('dial_as_not_found');
        expect(observer.dispatched).to.have.length(0);
        expect(target.callRequestsReceived()).to.equal(0);
      });
    }
  });
}
