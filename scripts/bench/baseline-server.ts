/**
 * The benchmark's baseline: a bare Express 5 app answering a JSON body the size of a click2call
 * answer, on the same Node, in the same run. Port from argv[2].
 */
import express from 'express';

const body = {
  response: {
    request_id: '2c4f781a-4825-4d09-a573-2d8689e5682b',
    status: 'success',
    errors: [],
    server_id: 'relay-benchmark-0000',
    state: 'accepted',
    status_url: 'http://localhost:8080/v1/status/2c4f781a-4825-4d09-a573-2d8689e5682b?token=4z6-f3HxClrEQtiZMepbsg6W__rfNRXO',
  },
};

const app = express();
app.get('/', (_req, res) => {
  res.json(body);
});
app.listen(Number(process.argv[2] ?? 0), '127.0.0.1');
