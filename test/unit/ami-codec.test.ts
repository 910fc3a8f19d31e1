import { expect } from 'chai';
import {
  AmiEncodeError,
  AmiProtocolError,
  AmiStreamParser,
  encodeAction,
  headersToObject,
  headerValue,
} from '../../worker/pbx/asterisk/ami-codec.js';

const ORIGINATE_REPLY = 'Response: Success\r\nActionID: c2c-1\r\nMessage: Originate successfully queued\r\n\r\n';

describe('ami-codec encodeAction', () => {
  it('when headers are safe, then each becomes one CRLF line and an empty line ends the action', () => {
    const text = encodeAction([
      ['Action', 'Ping'],
      ['ActionID', 'c2c-1'],
    ]);
    expect(text).to.equal('Action: Ping\r\nActionID: c2c-1\r\n\r\n');
  });

  for (const [label, value] of [
    ['CR', 'Local/1001@x\rAccount: injected'],
    ['LF', 'Local/1001@x\nAccount: injected'],
    ['CRLFCRLF', 'x\r\n\r\nAction: Command\r\nCommand: core stop now'],
    ['NUL', 'Local/1001\0@x'],
    ['TAB', 'a\tb'],
    ['ESC', 'a\x1bb'],
    ['DEL', 'a\x7fb'],
  ] as const) {
    it(`when a value contains ${label}, then the action is rejected instead of stripped`, () => {
      expect(() =>
        encodeAction([
          ['Action', 'Originate'],
          ['Channel', value],
        ]),
      )
        .to.throw(AmiEncodeError)
        .with.property('headerName', 'Channel');
    });
  }

  it('when a line would exceed 1024 bytes with its CRLF, then it is rejected; 1024 exactly passes', () => {
    const fits = 'x'.repeat(1024 - 'Data: '.length - 2);
    expect(() => encodeAction([['Action', 'Ping'], ['Data', fits]])).to.not.throw();
    expect(() => encodeAction([['Action', 'Ping'], ['Data', `${fits}x`]])).to.throw(AmiEncodeError, /1024/);
  });

  it('when a multi-byte value pushes the line past 1024 bytes, then bytes, not characters, are counted', () => {
    const value = 'é'.repeat(600);
    expect(() => encodeAction([['Action', 'Ping'], ['Data', value]])).to.throw(AmiEncodeError);
  });

  it('when a header name has a colon or a space, then it is rejected', () => {
    expect(() => encodeAction([['Action', 'Ping'], ['Bad: Name', 'x']])).to.throw(AmiEncodeError);
    expect(() => encodeAction([['Action', 'Ping'], ['Bad Name', 'x']])).to.throw(AmiEncodeError);
  });

  it('when the first header is not Action, then nothing is encoded', () => {
    expect(() => encodeAction([['ActionID', 'x']])).to.throw(AmiEncodeError);
    expect(() => encodeAction([])).to.throw(AmiEncodeError);
  });

  it('when there are more than 128 headers, then the action is rejected like Asterisk would', () => {
    const headers: [string, string][] = [['Action', 'Originate']];
    for (let i = 0; i < 128; i++) headers.push(['Variable', `V${i}=1`]);
    expect(() => encodeAction(headers)).to.throw(AmiEncodeError, /128/);
  });
});

describe('ami-codec AmiStreamParser', () => {
  it('when a message arrives split across chunks at every byte, then it is parsed once complete', () => {
    const parser = new AmiStreamParser();
    const messages = [...ORIGINATE_REPLY].flatMap((ch) => parser.feed(ch));
    expect(messages).to.have.length(1);
    expect(headerValue(messages[0]!, 'message')).to.equal('Originate successfully queued');
  });

  it('when a header is asked for in another case, then the first header of that name in any case answers, and a missing one is undefined', () => {
    const message = { headers: [['Event', 'Hangup'], ['uniqueid', 'first'], ['Uniqueid', 'second'], ['Cause', '16']] as [string, string][] };
    expect(headerValue(message, 'event')).to.equal('Hangup');
    expect(headerValue(message, 'EVENT')).to.equal('Hangup');
    expect(headerValue(message, 'Uniqueid')).to.equal('first');
    expect(headerValue(message, 'Linkedid')).to.equal(undefined);
    expect(headerValue(message, 'Caus')).to.equal(undefined);
  });

  it('when values have leading blanks or trailing line feeds, then they are cut off and everything between is kept', () => {
    const parser = new AmiStreamParser();
    const [message] = parser.feed('Asterisk Call Manager/11.0.0\r\nEvent: \t Hangup\r\nCause-txt:  a  b \n\n\r\nEmpty: \r\nBare:x\r\nOdd: \n \n\r\n\r\n');
    expect(message?.headers).to.deep.equal([
      ['Event', 'Hangup'],
      ['Cause-txt', 'a  b '],
      ['Empty', ''],
      ['Bare', 'x'],
      ['Odd', '\n '],
    ]);
  });

  it('when a chunk boundary falls inside CRLF or a UTF-8 character, then nothing is lost', () => {
    const parser = new AmiStreamParser();
    const bytes = Buffer.from('Event: X\r\nName: Zoë\r\n\r\n', 'utf8');
    const cut = bytes.indexOf(0xc3) + 1;
    const first = parser.feed(bytes.subarray(0, cut));
    const second = parser.feed(bytes.subarray(cut));
    expect(first).to.deep.equal([]);
    expect(headerValue(second[0]!, 'Name')).to.equal('Zoë');
  });

  it('when several messages are coalesced in one chunk, then all are returned in order', () => {
    const parser = new AmiStreamParser();
    const event = 'Event: OriginateResponse\r\nActionID: c2c-1\r\nReason: 4\r\n\r\n';
    const messages = parser.feed(ORIGINATE_REPLY + event + ORIGINATE_REPLY.slice(0, 10));
    expect(messages.map((m) => m.headers[0]?.[0])).to.deep.equal(['Response', 'Event']);
    expect(parser.feed(ORIGINATE_REPLY.slice(10))).to.have.length(1);
  });

  it('when a value ends with a bare LF before CRLF (the Message quirk), then the LF is trimmed', () => {
    const parser = new AmiStreamParser();
    const [message] = parser.feed('Response: Error\r\nActionID: a\r\nMessage: Unable to retrieve endpoint 9999\n\r\n\r\n');
    expect(headerValue(message!, 'Message')).to.equal('Unable to retrieve endpoint 9999');
  });

  it('when a bare LF appears, then it does not end a line: only CRLF does', () => {
    const parser = new AmiStreamParser();
    const [message] = parser.feed('Response: Error\r\nMessage: one\ntwo\r\n\r\n');
    expect(message!.headers).to.deep.equal([
      ['Response', 'Error'],
      ['Message', 'one\ntwo'],
    ]);
  });

  it('when stray empty lines arrive, then no empty message is produced', () => {
    const parser = new AmiStreamParser();
    const messages = parser.feed(`\r\n\r\n${ORIGINATE_REPLY}\r\n`);
    expect(messages).to.have.length(1);
  });

  it('when a value contains ": ", then it is split on the first colon only', () => {
    const parser = new AmiStreamParser();
    const [message] = parser.feed('Response: Error\r\nMessage: Invalid/unknown command: Foo. Use Action: ListCommands\r\n\r\n');
    expect(headerValue(message!, 'Message')).to.equal('Invalid/unknown command: Foo. Use Action: ListCommands');
  });

  it('when a key repeats, then every value is kept in order', () => {
    const parser = new AmiStreamParser();
    const [message] = parser.feed('Event: Newchannel\r\nChanVariable: A=1\r\nChanVariable: B=2\r\n\r\n');
    expect(headersToObject(message!.headers)).to.deep.equal({ Event: 'Newchannel', ChanVariable: ['A=1', 'B=2'] });
  });

  it('when a value is empty, then it is kept as an empty string', () => {
    const parser = new AmiStreamParser();
    const [message] = parser.feed('Event: Newchannel\r\nAccountCode: \r\nExten:\r\n\r\n');
    expect(headerValue(message!, 'AccountCode')).to.equal('');
    expect(headerValue(message!, 'Exten')).to.equal('');
  });

  it('when the banner is expected, then it is read first and then messages follow', () => {
    const parser = new AmiStreamParser({ banner: true });
    const messages = parser.feed(`Asterisk Call Manager/11.0.0\r\n${ORIGINATE_REPLY}`);
    expect(parser.banner).to.equal('Asterisk Call Manager/11.0.0');
    expect(messages).to.have.length(1);
  });

  it('when the first line is not an AMI banner, then the parser refuses the stream', () => {
    const parser = new AmiStreamParser({ banner: true });
    expect(() => parser.feed('SSH-2.0-OpenSSH_9.6\r\n')).to.throw(AmiProtocolError);
  });

  it('when a line never ends, then the parser refuses to buffer without bound', () => {
    const parser = new AmiStreamParser({ maxBufferedBytes: 100 });
    expect(() => parser.feed('Response: ' + 'x'.repeat(200))).to.throw(AmiProtocolError);
  });

  it('when a message has more headers than the cap, then it is a protocol error, even across chunks', () => {
    const parser = new AmiStreamParser({ maxHeaders: 4 });
    expect(parser.feed('Event: A\r\nB: 1\r\nC: 2\r\nD: 3\r\n\r\n')).to.have.length(1);
    expect(parser.feed('Event: A\r\nB: 1\r\n')).to.deep.equal([]);
    expect(() => parser.feed('C: 2\r\nD: 3\r\nE: 4\r\n')).to.throw(AmiProtocolError, /more than 4 headers/);
  });

  it('when a peer streams endless headers without ending the message, then the default cap stops it', () => {
    const parser = new AmiStreamParser();
    parser.feed('Event: Flood\r\n');
    const flood = 'ChanVariable: X=1\r\n'.repeat(100);
    expect(() => {
      for (let i = 0; i < 100; i++) parser.feed(flood);
    }).to.throw(AmiProtocolError, /headers in one message/);
  });

  it('when the lines of one message exceed the byte cap, then it is refused though each line is short', () => {
    const parser = new AmiStreamParser({ maxBufferedBytes: 100, maxHeaders: 1000 });
    expect(() => parser.feed(`Event: Long\r\n${'Output: 0123456789\r\n'.repeat(10)}`)).to.throw(AmiProtocolError, /too long/);
  });

  it('when messages under both caps follow each other, then the counts start again for each message', () => {
    const parser = new AmiStreamParser({ maxBufferedBytes: 100, maxHeaders: 3 });
    const message = 'Event: A\r\nB: 0123456789\r\nC: 0123456789\r\n\r\n';
    expect(parser.feed(message.repeat(20))).to.have.length(20);
  });
});
