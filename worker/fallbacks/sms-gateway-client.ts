/**
 * Sends SMS gateway requests through the PBX HTTP client (worker/pbx/http/pbx-http-client.ts), so a
 * gateway gets exactly what an `other` PBX gets: the SSRF guard (ALLOW_PRIVATE_PBX_ADDRESSES), no
 * proxy, no redirects, a bounded answer and one deadline. Created once by the worker's composition
 * root; every outcome is a value.
 */
import { AppError } from '../../shared/errors.js';
import { asPrivateAddressRefusal, assertHostAllowed, type AddressPolicy } from '../pbx/http/address-policy.js';
import { PbxHttpClient } from '../pbx/http/pbx-http-client.js';
import type { SmsHttpRequest } from './sms-gateway-request.js';

export type GatewayResult =
  | { kind: 'answered'; status: number; body: string }
  /** The address guard refused the gateway's address: no request left the relay. */
  | { kind: 'refused'; message: string }
  | { kind: 'failed'; message: string };

const MAX_ANSWER_BYTES = 16 * 1024;

// The client's messages speak of "the PBX"; here the peer is the SMS gateway (the setting's name stays).
const gatewayWords = (message: string): string => message.replace(/\bPBX\b/g, 'SMS gateway');

export class SmsGatewayClient {
  private readonly http: PbxHttpClient;

  constructor(private readonly policy: AddressPolicy) {
    this.http = new PbxHttpClient({
      allowPrivateAddresses: policy.allowPrivateAddresses,
      tls: { verify: true },
      pinnable: false,
      maxResponseBytes: MAX_ANSWER_BYTES,
      gatewayErrorsMayHaveForwarded: false,
    });
  }

  async send(request: SmsHttpRequest, timeoutMs: number): Promise<GatewayResult> {
    // Literal addresses are judged before anything is sent (host names by the guarded DNS lookup).
    try {
      assertHostAllowed(URL.canParse(request.url) ? new URL(request.url).hostname : '', this.policy);
    } catch (err) {
      return { kind: 'refused', message: gatewayWords((err as Error).message) };
    }
    try {
      // `check`, not `call`: the client's outcome-unknown wording is about ringing phones; an SMS is never retried anyway.
      const response = await this.http.request({ ...request, timeoutMs, purpose: 'check' });
      return { kind: 'answered', status: response.status, body: response.body };
    } catch (err) {
      const refusal = asPrivateAddressRefusal(err instanceof AppError ? err.cause : err);
      if (refusal !== undefined) return { kind: 'refused', message: gatewayWords(refusal.message) };
      return { kind: 'failed', message: gatewayWords(err instanceof AppError ? err.message : 'unexpected error') };
    }
  }

  close(): void {
    this.http.close();
  }
}
