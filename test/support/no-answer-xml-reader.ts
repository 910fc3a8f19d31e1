import { SaxesParser } from 'saxes';

export interface ReadNoAnswer {
  phone_to_call: string;
  attempts: { called_number: string; call_result: string }[];
}

interface XmlElement {
  name: string;
  attributes: number;
  children: XmlElement[];
  text: string;
}

/**
 * Reads a no-answer document as a receiver would, with a strict XML 1.0 parser of its own (saxes:
 * not the library that wrote it), and insists on the reference's shape: exactly `response` >
 * `phone_to_call`, `attempts` > `attempt` > `called_number`, `call_result`, no attributes, no other
 * element, nothing but white space between elements. Throws on anything else.
 */
export function readNoAnswerXml(xml: string): ReadNoAnswer {
  const parser = new SaxesParser({ xmlns: false });
  const stack: XmlElement[] = [{ name: '#document', attributes: 0, children: [], text: '' }];
  let declaration: { version?: string | undefined; encoding?: string | undefined } | undefined;
  parser.on('xmldecl', (decl) => (declaration = decl));
  parser.on('opentag', (tag) => {
    const element: XmlElement = { name: tag.name, attributes: Object.keys(tag.attributes).length, children: [], text: '' };
    stack.at(-1)?.children.push(element);
    stack.push(element);
  });
  parser.on('text', (text) => {
    const current = stack.at(-1) as XmlElement;
    current.text += text;
  });
  parser.on('cdata', () => {
    throw new Error('unexpected CDATA section');
  });
  parser.on('closetag', () => stack.pop());
  parser.on('error', (err) => {
    throw err;
  });
  parser.write(xml).close();
  if (declaration?.version !== '1.0' || declaration.encoding !== 'UTF-8') throw new Error('missing <?xml version="1.0" encoding="UTF-8"?>');
  const [response] = named(stack[0] as XmlElement, ['response']) as [XmlElement];
  const [phone, attempts] = named(response, ['phone_to_call', 'attempts']) as [XmlElement, XmlElement];
  return {
    phone_to_call: leaf(phone),
    attempts: elementsOf(attempts).map((attempt) => {
      if (attempt.name !== 'attempt') throw new Error(`unexpected <${attempt.name}> in <attempts>`);
      const [number, result] = named(attempt, ['called_number', 'call_result']) as [XmlElement, XmlElement];
      return { called_number: leaf(number), call_result: leaf(result) };
    }),
  };
}

/** The element's child elements, which carry no attributes; between them only white space. */
function elementsOf(parent: XmlElement): XmlElement[] {
  if (parent.text.trim() !== '') throw new Error(`<${parent.name}> holds text between its elements`);
  if (parent.children.some((child) => child.attributes > 0)) throw new Error(`an element in <${parent.name}> has attributes`);
  return parent.children;
}

/** The child elements, which must be exactly `names`, in order. */
function named(parent: XmlElement, names: string[]): XmlElement[] {
  const children = elementsOf(parent);
  const found = children.map((child) => child.name);
  if (found.join(' ') !== names.join(' ')) throw new Error(`<${parent.name}> holds ${found.join(', ')} instead of ${names.join(', ')}`);
  return children;
}

function leaf(element: XmlElement): string {
  if (element.children.length > 0) throw new Error(`<${element.name}> holds elements`);
  return element.text;
}
