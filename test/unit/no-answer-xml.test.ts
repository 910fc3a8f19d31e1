/** The no_answer_url document: the DialogTech reference's XML, byte for byte, and no text of a caller's can break it. */
import { expect } from 'chai';
import fc from 'fast-check';
import { noAnswerXml, xmlSafeText } from '../../worker/fallbacks/no-answer-xml.js';
import { readNoAnswerXml } from '../support/no-answer-xml-reader.js';

/** The example at the end of shared/references/dialogtech-click-to-findme.txt, as it is written there (tabs). */
const REFERENCE_EXAMPLE = [
  '<?xml version="1.0" encoding="UTF-8"?>',
  '<response>',
  '\t<phone_to_call>5551112222</phone_to_call>',
  '\t<attempts>',
  '\t\t<attempt>',
  '\t\t\t<called_number>5558688950</called_number>',
  '\t\t\t<call_result>No Answer</call_result>',
  '\t\t</attempt>',
  '\t</attempts>',
  '</response>',
].join('\n');

/** Characters XML 1.0 forbids (a sample of each kind): C0 controls, lone surrogates of both halves, U+FFFE, U+FFFF. */
const FORBIDDEN = ['\u0000', '\u0001', '\u0008', '\u000B', '\u000C', '\u001F', '\uD800', '\uDBFF', '\uDC00', '\uDFFF', '\uFFFE', '\uFFFF'];

describe('the no-answer XML document', () => {
  it('when the reference example is rendered, then the output is the reference text exactly', () => {
    expect(noAnswerXml({ phoneToCall: '5551112222', attempts: [{ called_number: '5558688950', call_result: 'No Answer' }] })).to.equal(REFERENCE_EXAMPLE);
  });

  it('when the hunt made several attempts, then each is an <attempt> in the order made, and nothing else is added', () => {
    const attempts = [
      { called_number: '1001', call_result: 'No Answer', 'utc.time': '1435628940' },
      { called_number: '5551234', call_result: 'Busy', 'utc.time': '1435628960' },
      { called_number: '1002', call_result: 'Failed', 'utc.time': '1435628961' },
    ];
    const xml = noAnswerXml({ phoneToCall: '5551112222', attempts });
    expect(readNoAnswerXml(xml)).to.deep.equal({ phone_to_call: '5551112222', attempts: attempts.map(({ called_number, call_result }) => ({ called_number, call_result })) });
    expect(xml).not.to.include('1435628940');
  });

  it('when a value holds markup, entities and a CDATA end, then it is escaped and reads back as the same text', () => {
    const hostile = '5551112222</phone_to_call><attempts><attempt><called_number>666</called_number></attempt></attempts></response><!--';
    // Entity-like text too: xmlbuilder2 alone would pass `&amp;`, `&#0;` and `&foo;` through unescaped.
    const tricky = ['a & b', '&amp;', '&amp;amp;', '&#0;', '&#x0;', '&foo;', '&lt;', '<![CDATA[x]]>', ']]>', '"quoted" \'single\'', '<?xml version="1.0"?>', '<!DOCTYPE x [<!ENTITY e "boom">]>&e;'];
    const xml = noAnswerXml({ phoneToCall: hostile, attempts: tricky.map((text) => ({ called_number: text, call_result: `${text}>` })) });
    expect(readNoAnswerXml(xml)).to.deep.equal({ phone_to_call: hostile, attempts: tricky.map((text) => ({ called_number: text, call_result: `${text}>` })) });
    expect(xml).not.to.include(']]>');
    expect(xml.match(/<response>/g)).to.have.length(1);
  });

  it('when a value holds characters XML 1.0 forbids, then they are dropped, not emitted, and the allowed ones around them are kept', () => {
    const value = `55${FORBIDDEN.join('5')}5\t1\u0085\uE000\uFFFD\u{1F4DE}`;
    // Joined by a letter: two lone halves side by side would make a valid pair.
    const xml = noAnswerXml({ phoneToCall: value, attempts: [{ called_number: `1${FORBIDDEN.join('x')}0`, call_result: 'No\u0007 Answer' }] });
    for (const character of FORBIDDEN) expect(xml.includes(character), `U+${character.charCodeAt(0).toString(16)}`).to.equal(false);
    expect(xml).not.to.match(/&#x?[0-9a-f]+;/i);
    expect(readNoAnswerXml(xml)).to.deep.equal({ phone_to_call: '55555555555555\t1\u0085\uE000\uFFFD\u{1F4DE}', attempts: [{ called_number: `1${'x'.repeat(FORBIDDEN.length - 1)}0`, call_result: 'No Answer' }] });
  });

  it('when a value holds CR or CRLF, then it reads back as the LF an XML parser makes of it', () => {
    expect(xmlSafeText('a\r\nb\rc\nd')).to.equal('a\nb\nc\nd');
    expect(readNoAnswerXml(noAnswerXml({ phoneToCall: 'a\r\nb\rc', attempts: [] })).phone_to_call).to.equal('a\nb\nc');
  });

  it('when any text at all is given, then the document parses with a strict parser and reads back as the text with only forbidden characters dropped', () => {
    const anyText = fc.string({ unit: 'binary', maxLength: 40 });
    fc.assert(
      fc.property(anyText, fc.array(fc.tuple(anyText, anyText), { maxLength: 4 }), (phone, pairs) => {
        const attempts = pairs.map(([called_number, call_result]) => ({ called_number, call_result }));
        const read = readNoAnswerXml(noAnswerXml({ phoneToCall: phone, attempts }));
        expect(read).to.deep.equal({ phone_to_call: xmlSafeText(phone), attempts: attempts.map((a) => ({ called_number: xmlSafeText(a.called_number), call_result: xmlSafeText(a.call_result) })) });
      }),
      { numRuns: 100 },
    );
  });

  it('when text is made safe, then exactly the characters outside XML 1.0 Char are removed', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (text) => {
        const expected = [...text]
          .filter((character) => {
            const code = character.codePointAt(0) as number;
            return code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || code >= 0x10000;
          })
          .join('')
          .replace(/\r\n?/g, '\n');
        expect(xmlSafeText(text)).to.equal(expected);
      }),
      { numRuns: 500 },
    );
  });
});
