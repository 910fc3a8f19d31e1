/**
 * A bounded load of GET /v1/click2call: at most `count` requests, launched at an even pace over
 * `durationMs`, at most `concurrency` at a time, each with its own time bound, spread round-robin
 * over the web processes. Every destination number is different, so no request is a repeat of
 * another (the reload window stays on, as in production).
 */

export interface Click2CallAnswer {
  request_id: string;
  status: 'success' | 'fail';
  errors: { error: { code: string; message: string; url: string } }[];
  state: string;
  status_url: string;
}

import diagnostics from 'node:diagnostics_channel';

export interface SentRequest {
  index: number;
  base: string;
  wait: number;
  /** When the request was made (fetch called). */
  sentAt: number;
  /**
   * When it was written to its socket (undici's `undici:client:sendHeaders`), which can be much
   * later when the test process is busy: what the relay can have seen of it starts here.
   */
  writtenAt?: number;
  answeredAt?: number;
  answer?: Click2CallAnswer;
  /** No answer at all: refused connection, reset, or our own time bound. */
  transportError?: string;
}

export interface LoadOptions {
  bases: string[];
  apiKey: string;
  pbx: 'other' | 'asterisk';
  count: number;
  durationMs: number;
  concurrency: number;
  /** The `wait` parameter of request `index`. */
  waitFor: (index: number) => number;
  /** Distinguishes the destination numbers of one run from another's. */
  numberBase: number;
}

export class Load {
  readonly sent: SentRequest[] = [];
  private stopped = false;
  /** Requests not yet written, by destination number (unique within a load). */
  private readonly unwritten = new Map<string, SentRequest>();
  private readonly onWrite = (message: unknown) => {
    const number = /dial_second=(\d+)/.exec((message as { request: { path: string } }).request.path)?.[1];
    const request = number === undefined ? undefined : this.unwritten.get(number);
    if (!request) return;
    request.writtenAt = Date.now();
    this.unwritten.delete(number as string);
  };

  constructor(private readonly options: LoadOptions) {}

  /** Answers so far, for fault triggers that wait until the load has reached some point. */
  answered(predicate: (request: SentRequest) => boolean = () => true): number {
    return this.sent.filter((request) => request.answeredAt !== undefined && predicate(request)).length;
  }

  stop(): void {
    this.stopped = true;
  }

  /** Runs the load to its end and resolves when every request has its answer or its error. */
  async run(): Promise<SentRequest[]> {
    const { count, durationMs, concurrency } = this.options;
    const start = Date.now();
    const inFlight = new Set<Promise<void>>();
    diagnostics.subscribe('undici:client:sendHeaders', this.onWrite);
    for (let index = 0; index < count && !this.stopped; index++) {
      const due = start + (index * durationMs) / count;
      if (Date.now() > start + durationMs + 5000) break;
      if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      while (inFlight.size >= concurrency) await Promise.race(inFlight);
      const request = this.send(index);
      inFlight.add(request);
      void request.finally(() => inFlight.delete(request));
    }
    await Promise.all(inFlight);
    diagnostics.unsubscribe('undici:client:sendHeaders', this.onWrite);
    return this.sent;
  }

  private async send(index: number): Promise<void> {
    const { bases, apiKey, pbx, waitFor, numberBase } = this.options;
    const base = bases[index % bases.length] as string;
    const wait = waitFor(index);
    const params = new URLSearchParams({ dial_first: '1001', dial_second: String(numberBase + index), pbx, wait: String(wait) });
    const request: SentRequest = { index, base, wait, sentAt: Date.now() };
    this.sent.push(request);
    this.unwritten.set(String(numberBase + index), request);
    try {
      const response = await fetch(`${base}/v1/click2call?${params}`, {
        headers: { 'x-api-key': apiKey },
        signal: AbortSignal.timeout((wait + 15) * 1000),
      });
      const body = (await response.json()) as { response?: Click2CallAnswer };
      if (!body.response) throw new Error(`HTTP ${response.status} without a response object`);
      request.answer = body.response;
    } catch (err) {
      request.transportError = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
    request.answeredAt = Date.now();
    this.unwritten.delete(String(numberBase + index));
  }
}

/** The error code of a `fail` answer, or `success`. */
export function outcomeOf(request: SentRequest): string {
  if (!request.answer) return 'no_answer';
  if (request.answer.status === 'success') return 'success';
  return request.answer.errors[0]?.error.code ?? 'fail';
}

/** The answers so far by outcome, e.g. `{"success":120,"service_unavailable":3}`. */
export function answerSummary(sent: SentRequest[]): string {
  const counts: Record<string, number> = {};
  for (const request of sent) if (request.answeredAt !== undefined) counts[outcomeOf(request)] = (counts[outcomeOf(request)] ?? 0) + 1;
  return JSON.stringify(counts);
}
