import { expect } from 'chai';
import type { NoAnswerReport } from '../../shared/findme/no-answer-report.js';
import { DEFAULT_PAGE_LABEL, formatPhone, noAnswerEmailText, noAnswerSmsText, pageLabel } from '../../worker/fallbacks/no-answer-text.js';

/** The reference's example: PHP Example 1, FindMe 98765 with one agent who did not answer. */
const REFERENCE: NoAnswerReport = {
  requestId: '00000000-0000-4000-8000-000000000001',
  accountId: 'acct_x',
  phoneToCall: '5551112222',
  page: 'LeadResponse.html',
  attempts: [{ called_number: '5558688950', call_result: 'No Answer', 'utc.time': '1700000000' }],
};

describe('no-answer text (the DialogTech reference\'s email and SMS)', () => {
  it('when the reference\'s example is written, then subject, body and SMS are the reference\'s, word for word', () => {
    const email = noAnswerEmailText(REFERENCE);
    expect(email.subject).to.equal('LeadResponse unsuccessful for (555) 111-2222');
    expect(email.text).to.equal(
      'Attempts to connect an agent to (555) 111-2222 were unsuccessful, with the following activity breakdown:\n\n(555) 868-8950 No Answer\n',
    );
    expect(noAnswerSmsText(REFERENCE)).to.equal('LeadResponse unsuccessful for (555) 111-2222');
  });

  it('when there are several attempts, then each has its line, in order', () => {
    const report = { ...REFERENCE, attempts: [...REFERENCE.attempts, { called_number: '1001', call_result: 'Busy' as const, 'utc.time': '1' }, { called_number: '15557585902', call_result: 'Failed' as const, 'utc.time': '2' }] };
    expect(noAnswerEmailText(report).text.split('\n').slice(2)).to.deep.equal(['(555) 868-8950 No Answer', '1001 Busy', '(555) 758-5902 Failed', '']);
  });

  it('when numbers are formatted, then 10 digits and 11 digits starting with 1 are NANP, others stay as given', () => {
    expect(formatPhone('5551112222')).to.equal('(555) 111-2222');
    expect(formatPhone('15551112222')).to.equal('(555) 111-2222');
    for (const other of ['25551112222', '+15551112222', '1001', '442071234567', '555111222']) expect(formatPhone(other)).to.equal(other);
    expect(formatPhone('1001\r\nBcc: x')).to.equal('1001Bcc: x');
  });

  const labels: [string | undefined, string][] = [
    ['LeadResponse.html', 'LeadResponse'],
    ['https://shop.example/offers/LeadResponse.html?src=ad#top', 'LeadResponse'],
    ['https://shop.example/offers/spring-sale/', 'spring-sale'],
    ['https://shop.example/', 'shop.example'],
    ['https://user:pw@shop.example', 'shop.example'],
    ['/contact/Kontakt%20Seite.php', 'Kontakt Seite'],
    ['Spring sale', 'Spring sale'],
    ['Offer 2.0', 'Offer 2.0'],
    ['index.aspx', 'index'],
    [undefined, DEFAULT_PAGE_LABEL],
    ['', DEFAULT_PAGE_LABEL],
    ['   ', DEFAULT_PAGE_LABEL],
    ['.html', DEFAULT_PAGE_LABEL],
    ['https://shop.example/a%0d%0aBcc:%20x.html', 'a Bcc: x'],
  ];
  for (const [page, label] of labels) {
    it(`when the page is ${JSON.stringify(page)}, then the subject calls it ${JSON.stringify(label)}`, () => {
      expect(pageLabel(page)).to.equal(label);
    });
  }

  it('when the page carries CR/LF, then the subject is one line: nothing of it can start a header', () => {
    const subject = noAnswerEmailText({ ...REFERENCE, page: 'Offer\r\nBcc: evil@attacker.example\r\nX-Injected: 1' }).subject;
    expect(subject).to.equal('Offer Bcc: evil@attacker.example X-Injected: 1 unsuccessful for (555) 111-2222');
    expect(subject).to.not.match(/[\r\n]/);
  });
});
