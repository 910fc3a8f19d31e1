import type { ClientRequest } from 'node:http';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';

/**
 * Tells, from the request and its socket, whether the first byte of a request has been written
 * to the PBX connection: from then on the PBX may have the request. Node writes a request that waits
 * on a socket at the instant the socket can carry data (TCP connected; for TLS, the handshake done),
 * and at once on a reused keep-alive socket, so those events mark the first byte; 'finish' (every
 * byte flushed) is the backstop. A DNS failure, a refused connection or a failed TLS handshake
 * never reach any of them.
 */
export class FirstByteWatch {
  private written = false;

  get firstByteWritten(): boolean {
    return this.written;
  }

  watch(request: ClientRequest): void {
    const mark = (): void => {
      this.written = true;
    };
    request.once('finish', mark);
    request.once('socket', (socket: Socket) => {
      if (request.reusedSocket) mark();
      else if (socket instanceof TLSSocket) socket.once('secureConnect', mark);
      else if (socket.connecting) socket.once('connect', mark);
      else mark();
    });
  }
}
