/**
 * The benchmark's HTTP PBX: answers every request at once with 200 and a short JSON body. Both the
 * relay (an `other` connection) and the naive relay call it in the same run, so the two are compared
 * against one PBX. (test/doubles/http-pbx records every request for the tests to inspect, which
 * would grow without bound under load.) Port from argv[2].
 */
import http from 'node:http';

const answer = '{"result":"queued"}';
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json', 'content-length': answer.length }).end(answer));
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1');
process.once('SIGTERM', () => process.exit(0));
