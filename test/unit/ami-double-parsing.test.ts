/** The AMI double's own parsing must match Asterisk, or driver tests against it prove little. */
import { expect } from 'chai';
import { ClientInputParser, get, getAll } from '../doubles/ami/client-input.js';
import { Dialplan, parseVariableHeader } from '../doubles/ami/dialplan.js';

describe('AMI double parsing', () => {
  it('when Variable holds several pairs, then commas split them except inside quotes, parens and escapes', () => {
    expect(parseVariableHeader('A=1,B=2')).to.deep.equal([['A', '1'], ['B', '2']]);
    expect(parseVariableHeader('A="x,y",CALLERID(name)=Bob')).to.deep.equal([['A', 'x,y'], ['CALLERID(name)', 'Bob']]);
    expect(parseVariableHeader('A=a\\,b,nopair,C=')).to.deep.equal([['A', 'a,b'], ['C', '']]);
    expect(parseVariableHeader(Array.from({ length: 70 }, (_, i) => `V${i}=1`).join(','))).to.have.length(64);
  });

  it('when extension patterns are matched, then X/Z/N, sets, . and ! behave like Asterisk', () => {
    const plan = new Dialplan({ ctx: ['_X.', '_+X.', '_NXX', '_[14]!', '1234'] });
    expect(plan.exists('ctx', '1001')).to.equal(true);
    expect(plan.exists('ctx', '1')).to.equal(true);
    expect(plan.exists('ctx', '+4930123')).to.equal(true);
    expect(plan.exists('ctx', '*999')).to.equal(false);
    expect(plan.exists('other', '1001')).to.equal(false);
    expect(new Dialplan({ c: ['_NXX'] }).exists('c', '199')).to.equal(false);
  });

  it('when client input mixes LF and CRLF, NUL bytes and duplicate headers, then Asterisk rules apply', () => {
    const parser = new ClientInputParser();
    const [message] = parser.feed(Buffer.from('action:Ping\nActionID: a\0ignored\r\nActionID: b\r\nVariable: X=1\r\nVariable: Y=2\n\n', 'latin1'));
    expect(get(message!.headers, 'Action')).to.equal('Ping');
    expect(get(message!.headers, 'actionid')).to.equal('a');
    expect(getAll(message!.headers, 'Variable')).to.deep.equal(['X=1', 'Y=2']);
  });

  it('when a client line exceeds 1024 bytes even across chunks, then the message carries the line-too-long error', () => {
    const parser = new ClientInputParser();
    expect(parser.feed(Buffer.from(`Action: Ping\r\nX: ${'a'.repeat(1500)}`))).to.deep.equal([]);
    const [message] = parser.feed(Buffer.from('tail\r\nActionID: z\r\n\r\n'));
    expect(message).to.deep.include({ parseError: 'Failed to parse message: line too long' });
    expect(get(message!.headers, 'ActionID')).to.equal('z');
  });
});
