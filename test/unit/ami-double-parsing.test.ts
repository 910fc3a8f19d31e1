/** The AMI double's own parsing must match Asterisk, or driver tests against it prove little. */
import { expect } from 'chai';
import { ClientInputParser, get, getAll } from '../doubles/ami/client-input.js';
import { Dialplan } from '../doubles/ami/dialplan.js';
import { parseAppOptions, parseVariableHeader, separateArgs } from '../doubles/ami/app-args.js';
import { ChannelVars, originateVariables } from '../doubles/ami/channel-vars.js';
import { parseDialApp } from '../doubles/ami/dial-app.js';

describe('AMI double parsing', () => {
  it('when Variable holds several pairs, then commas split them except inside quotes, parens and escapes', () => {
    expect(parseVariableHeader('A=1,B=2')).to.deep.equal([['A', '1'], ['B', '2']]);
    expect(parseVariableHeader('A="x,y",CALLERID(name)=Bob')).to.deep.equal([['A', 'x,y'], ['CALLERID(name)', 'Bob']]);
    expect(parseVariableHeader('A=a\\,b,nopair,C=')).to.deep.equal([['A', 'a,b'], ['C', '']]);
  });

  it('when a Variable header has more than 64 pairs, then the 64th is the untouched rest of the header', () => {
    const pairs = parseVariableHeader(Array.from({ length: 70 }, (_, i) => `V${i}=1`).join(',') + ',Q="a\\,b"');
    expect(pairs).to.have.length(64);
    expect(pairs[63]).to.deep.equal(['V63', '1,V64=1,V65=1,V66=1,V67=1,V68=1,V69=1,Q="a\\,b"']);
  });

  it('when quotes, parentheses, brackets and backslashes mix, then they work as in __ast_app_separate_args', () => {
    // Parentheses count inside quotes: this comma does not split.
    expect(parseVariableHeader('A="(",B=1')).to.deep.equal([['A', '(,B=1']]);
    // A closing parenthesis never takes the depth below zero.
    expect(parseVariableHeader('A=),B=1')).to.deep.equal([['A', ')'], ['B', '1']]);
    expect(parseVariableHeader('A=[x,y],B=1')).to.deep.equal([['A', '[x,y]'], ['B', '1']]);
    expect(parseVariableHeader('A=\\"x\\",B=\\\\')).to.deep.equal([['A', '"x"'], ['B', '\\']]);
    expect(parseVariableHeader(' \t A=1,=nameless,B=2,')).to.deep.equal([['A', '1'], ['B', '2']]);
    expect(separateArgs('a,b,', ',', 64)).to.deep.equal(['a', 'b', '']);
    expect(separateArgs('', ',', 64)).to.deep.equal([]);
  });

  it('when an Originate sets variables, then the first of a name wins, functions are writes, and only _/__ names are inherited', () => {
    const { vars, functionWrites } = originateVariables(['A=1,CALLERID(num)=5,__B=2', 'A=3,_C=4,B=9']);
    expect(vars.view()).to.deep.equal({ A: '1', B: '2', C: '4' });
    expect(functionWrites).to.deep.equal([['CALLERID(num)', '5']]);
    const child = vars.inherited();
    expect(child.view()).to.deep.equal({ B: '2', C: '4' });
    expect(child.inherited().view()).to.deep.equal({ B: '2' });
    const set = new ChannelVars();
    set.set('__X', 'a');
    set.set('X', 'b');
    expect(set.entries()).to.deep.equal([['X', 'b']]);
  });

  it('when Dial options are parsed, then arguments nest, escapes are removed and a missing ) stops parsing', () => {
    expect([...parseAppOptions('f(1001)A(x:y)U(ctx^a^b)g')]).to.deep.equal([['f', '1001'], ['A', 'x:y'], ['U', 'ctx^a^b'], ['g', '']]);
    expect(parseAppOptions('U(a(b)c)r').get('U')).to.equal('a(b)c');
    expect(parseAppOptions('f(a\\)b)').get('f')).to.equal('a)b');
    expect([...parseAppOptions('f(12A(x')]).to.deep.equal([]);
  });

  it('when Dial data is read, then target, timeout in ms, forced caller ID, announcements and Gosub come out', () => {
    const dial = parseDialApp('Local/5550100@from-internal,30,f(1001)A(:notice)U(c2c-relay-record^id^wav)');
    expect(dial.target).to.deep.equal({ tech: 'Local', number: '5550100', context: 'from-internal' });
    expect(dial.timeoutMs).to.equal(30000);
    expect(dial.forcedCallerId?.num).to.equal('1001');
    expect(dial.announce).to.deep.equal({ called: undefined, calling: 'notice' });
    expect(dial.gosub).to.deep.equal({ context: 'c2c-relay-record', args: ['id', 'wav'] });
    expect(parseDialApp('Local/1@ctx').timeoutMs).to.equal(undefined);
    expect(parseDialApp('Local/1@ctx,,A(both)').announce).to.deep.equal({ called: 'both', calling: undefined });
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
